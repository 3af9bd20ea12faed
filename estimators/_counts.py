"""Events out of trials: the plain-data unit every estimator here consumes."""

from __future__ import annotations

from dataclasses import dataclass

from estimators._errors import check_counts


@dataclass(frozen=True, slots=True)
class Counts:
    """Events (flagged messages) out of trials (graded messages) for one category."""

    events: int = 0
    trials: int = 0

    def __post_init__(self) -> None:
        check_counts(self.events, self.trials)

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.events + other.events, self.trials + other.trials)

    @property
    def rate(self) -> float:
        """events / trials, 0.0 when there are no trials (never published alone)."""
        return self.events / self.trials if self.trials else 0.0

    def to_list(self) -> list[int]:
        """[events, trials], the JSON form."""
        return [self.events, self.trials]

    @classmethod
    def from_list(cls, values: list[int] | tuple[int, int]) -> Counts:
        """Counts from `to_list`'s output."""
        events, trials = values
        return cls(int(events), int(trials))
