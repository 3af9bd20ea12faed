"""What to show for one category in one window: a rate, or only its upper bound.

Below about 3 expected events a point estimate and two-sided interval mislead (a 0 reads
as "never"), so a window under its detection floor publishes the one-sided upper bound
and the floor only. Every published rate carries its floor (bar G9).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, SupportsIndex

from estimators._interval import Method, proportion_interval


@dataclass(frozen=True, slots=True)
class PublishedRate:
    """A rate as it may be shown: estimate and interval are None below the floor."""

    events: int
    trials: int
    confidence: float
    floor: float
    below_floor: bool
    upper: float
    estimate: float | None
    low: float | None
    high: float | None

    def describe(self, per: int = 100_000) -> str:
        """One line for a human, rates per `per` messages (the source's unit)."""
        scale = float(per)
        if self.estimate is None or self.low is None or self.high is None:
            return (
                f"< {self.upper * scale:.3g} per {per:,} "
                f"(below measurable floor {self.floor * scale:.3g}; "
                f"{self.events}/{self.trials})"
            )

        return (
            f"{self.estimate * scale:.3g} per {per:,} "
            f"[{self.low * scale:.3g}, {self.high * scale:.3g}] "
            f"(floor {self.floor * scale:.3g}; {self.events}/{self.trials})"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; below the floor the estimate fields are null."""
        return asdict(self)


def publish_rate(
    k: SupportsIndex,
    n: SupportsIndex,
    confidence: float = 0.95,
    method: Method = "wilson",
) -> PublishedRate:
    """The publishable form of k / n: the interval, or only the upper bound."""
    interval = proportion_interval(k, n, confidence, method)
    shown = not interval.below_floor

    return PublishedRate(
        events=interval.events,
        trials=interval.trials,
        confidence=interval.confidence,
        floor=interval.floor,
        below_floor=interval.below_floor,
        upper=interval.upper,
        estimate=interval.estimate if shown else None,
        low=interval.low if shown else None,
        high=interval.high if shown else None,
    )
