"""Per-(arm, model, category) counts of graded replies, counted once per reply.

The tally is what the estimates are computed from. It ignores a graded record it has
already counted (same dedupe key), so a redelivered record does not inflate a rate.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from estimators import proportion_interval, upper_bound
from streamer.graded import GradedRecord

RateKey = tuple[str, str, str]  # (arm, model, category)


@dataclass(slots=True)
class Counts:
    """Replies graded for one category, and how many were flagged."""

    graded: int = 0
    flagged: int = 0


@dataclass(frozen=True, slots=True)
class RateRow:
    """One line of the rate table."""

    arm: str
    model: str
    category: str
    graded: int
    flagged: int
    estimate: float
    low: float
    high: float
    upper: float
    below_floor: bool


class Tally:
    """Counts graded and flagged replies per (arm, model, category)."""

    def __init__(self) -> None:
        self.counts: dict[RateKey, Counts] = defaultdict(Counts)
        self.not_evaluable: dict[tuple[str, str, str], int] = defaultdict(int)
        self._seen: set[str] = set()

    def add(self, graded: GradedRecord) -> bool:
        """Count one graded reply; False if it was counted before."""
        if graded.dedupe_key in self._seen:
            return False
        self._seen.add(graded.dedupe_key)

        if graded.outcome != "graded":
            self.not_evaluable[(graded.arm, graded.model, graded.reason or "")] += 1
            return True

        for category, flagged in graded.flags.items():
            counts = self.counts[(graded.arm, graded.model, category)]
            counts.graded += 1
            counts.flagged += int(flagged)
        return True

    def row(self, key: RateKey, confidence: float = 0.95) -> RateRow:
        """The rate, its Wilson interval and one-sided upper bound for one key."""
        counts = self.counts[key]
        interval = proportion_interval(
            counts.flagged, counts.graded, confidence, method="wilson"
        )
        return RateRow(
            *key,
            graded=counts.graded,
            flagged=counts.flagged,
            estimate=interval.estimate,
            low=interval.low,
            high=interval.high,
            upper=upper_bound(counts.flagged, counts.graded, confidence),
            below_floor=interval.below_floor,
        )

    def rows(self) -> list[RateRow]:
        """Every rate, ordered by category then arm."""
        keys = sorted(self.counts, key=lambda key: (key[2], key[0], key[1]))
        return [self.row(key) for key in keys]
