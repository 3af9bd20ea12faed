"""Per-(arm, model, category) counts of graded replies, and the rates they give.

Replies of the two arms to the same prefix are also counted as pairs (flagged on
both, on the shadow arm only, on the live arm only), which is what the paired rate
ratio needs: shadow and live grade the same prefixes, so their rates are correlated
and the paired interval is the honest and narrower one.

A tally is plain data: it merges with other tallies (one per partition, one per pod)
and round-trips through JSON, so it can live in a faust table and be summed across
workers. Counting each reply once is the caller's job (see `streamer.ledger`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from estimators import (
    RateRatio,
    paired_rate_ratio_interval,
    proportion_interval,
    upper_bound,
)
from streamer.graded import LIVE_ARM, GradedRecord

RateKey = tuple[str, str, str]  # (arm, model, category)


@dataclass(slots=True)
class Counts:
    """Replies graded for one category, how many were flagged, and their weights."""

    graded: int = 0
    flagged: int = 0
    weight: float = 0.0
    flagged_weight: float = 0.0
    flagged_weight_sq: float = 0.0

    def add(self, other: Counts) -> None:
        """Add another set of counts to these."""
        self.graded += other.graded
        self.flagged += other.flagged
        self.weight += other.weight
        self.flagged_weight += other.flagged_weight
        self.flagged_weight_sq += other.flagged_weight_sq


@dataclass(slots=True)
class PairCounts:
    """Prefixes graded on both arms for one category, by where they were flagged."""

    pairs: int = 0
    both: int = 0
    only_shadow: int = 0
    only_live: int = 0

    def add(self, other: PairCounts) -> None:
        """Add another set of pair counts to these."""
        self.pairs += other.pairs
        self.both += other.both
        self.only_shadow += other.only_shadow
        self.only_live += other.only_live

    def ratio(self, confidence: float = 0.95) -> RateRatio:
        """Shadow rate over live rate on the same prefixes, with its interval."""
        return paired_rate_ratio_interval(
            self.both, self.only_shadow, self.only_live, self.pairs, confidence
        )


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


@dataclass
class Tally:
    """Counts per (arm, model, category), and non-results per (arm, model, reason)."""

    counts: dict[RateKey, Counts] = field(default_factory=lambda: defaultdict(Counts))
    not_evaluable: dict[RateKey, int] = field(default_factory=lambda: defaultdict(int))
    # Keyed by the shadow arm's (arm, model, category).
    pairs: dict[RateKey, PairCounts] = field(
        default_factory=lambda: defaultdict(PairCounts)
    )

    def add_record(self, graded: tuple[GradedRecord, ...]) -> None:
        """Count every reply to one input record, and its shadow-live pairs."""
        for reply in graded:
            self.add(reply)
        self.add_pairs(graded)

    def add_pairs(self, graded: tuple[GradedRecord, ...]) -> None:
        """Pair each graded shadow reply with the graded live reply to its prefix."""
        live = {g.cut_index: g for g in graded if g.arm == LIVE_ARM}
        for shadow in graded:
            partner = live.get(shadow.cut_index)
            if shadow.arm == LIVE_ARM or partner is None:
                continue
            if shadow.outcome != "graded" or partner.outcome != "graded":
                continue
            for category, flagged in shadow.flags.items():
                if category not in partner.flags:
                    continue
                counts = self.pairs[(shadow.arm, shadow.model, category)]
                counts.pairs += 1
                counts.both += int(flagged and partner.flags[category])
                counts.only_shadow += int(flagged and not partner.flags[category])
                counts.only_live += int(partner.flags[category] and not flagged)

    def add(self, graded: GradedRecord) -> None:
        """Count one graded reply."""
        if graded.outcome != "graded":
            self.not_evaluable[(graded.arm, graded.model, graded.reason or "")] += 1
            return

        for category, flagged in graded.flags.items():
            counts = self.counts[(graded.arm, graded.model, category)]
            counts.graded += 1
            counts.weight += graded.weight
            if flagged:
                counts.flagged += 1
                counts.flagged_weight += graded.weight
                counts.flagged_weight_sq += graded.weight**2

    def merge(self, other: Tally) -> None:
        """Add another tally's counts to this one."""
        for key, counts in other.counts.items():
            self.counts[key].add(counts)
        for key, count in other.not_evaluable.items():
            self.not_evaluable[key] += count
        for key, pairs in other.pairs.items():
            self.pairs[key].add(pairs)

    @classmethod
    def combined(cls, tallies: Iterable[Tally]) -> Tally:
        """The sum of several tallies."""
        total = cls()
        for tally in tallies:
            total.merge(tally)
        return total

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

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data; keys joined with '|' (arms and models hold no '|')."""
        return {
            "counts": {
                "|".join(key): [
                    c.graded,
                    c.flagged,
                    c.weight,
                    c.flagged_weight,
                    c.flagged_weight_sq,
                ]
                for key, c in self.counts.items()
            },
            "not_evaluable": {
                "|".join(key): count for key, count in self.not_evaluable.items()
            },
            "pairs": {
                "|".join(key): [p.pairs, p.both, p.only_shadow, p.only_live]
                for key, p in self.pairs.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tally:
        """A tally from `to_json`'s output."""
        tally = cls()
        for joined, values in data.get("counts", {}).items():
            tally.counts[_key(joined)] = Counts(
                int(values[0]), int(values[1]), *map(float, values[2:5])
            )
        for joined, count in data.get("not_evaluable", {}).items():
            tally.not_evaluable[_key(joined)] = int(count)
        for joined, values in data.get("pairs", {}).items():
            tally.pairs[_key(joined)] = PairCounts(*map(int, values))
        return tally


def _key(joined: str) -> RateKey:
    arm, model, last = joined.rsplit("|", 2)
    return arm, model, last
