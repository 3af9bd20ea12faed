"""Counts per time bucket and category: the state a streaming worker keeps.

`WindowCounts` holds {bucket start: {category: Counts}} for buckets of a fixed width
(an hour, say). Tumbling windows are single buckets or groups of them; sliding windows
are sums over a range of buckets. Two containers add (per-partition state merges), and
the whole thing round-trips through plain JSON (`to_dict`/`from_dict`), so it can live
in a key-value table. Times are epoch seconds or timezone-aware datetimes; nothing here
reads a clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from estimators._counts import Counts
from estimators._errors import EstimatorError

Instant = float | datetime


@dataclass
class WindowCounts:
    """Counts per category in fixed-width time buckets."""

    bucket_seconds: int
    buckets: dict[int, dict[str, Counts]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if int(self.bucket_seconds) != self.bucket_seconds or self.bucket_seconds < 1:
            raise EstimatorError(
                f"bucket_seconds must be an int >= 1, got {self.bucket_seconds}"
            )

    def bucket_of(self, at: Instant) -> int:
        """Start (epoch seconds) of the bucket holding instant `at`."""
        seconds = _seconds(at)

        return math.floor(seconds / self.bucket_seconds) * self.bucket_seconds

    def add(self, at: Instant, category: str, events: int, trials: int) -> None:
        """Count `events` out of `trials` for `category` at instant `at`."""
        bucket = self.buckets.setdefault(self.bucket_of(at), {})
        bucket[category] = bucket.get(category, Counts()) + Counts(events, trials)

    def __add__(self, other: WindowCounts) -> WindowCounts:
        if other.bucket_seconds != self.bucket_seconds:
            raise EstimatorError("cannot add windows with different bucket widths")
        merged = WindowCounts(self.bucket_seconds)
        for source in (self, other):
            for start, categories in source.buckets.items():
                target = merged.buckets.setdefault(start, {})
                for category, counts in categories.items():
                    target[category] = target.get(category, Counts()) + counts

        return merged

    def total(self, start: Instant, end: Instant) -> dict[str, Counts]:
        """Sum per category over buckets starting in [start, end): a sliding window."""
        low, high = _seconds(start), _seconds(end)
        totals: dict[str, Counts] = {}
        for bucket_start, categories in self.buckets.items():
            if low <= bucket_start < high:
                for category, counts in categories.items():
                    totals[category] = totals.get(category, Counts()) + counts

        return totals

    def tumbling(self, width_seconds: int) -> dict[int, dict[str, Counts]]:
        """Counts regrouped into tumbling windows of `width_seconds` (a multiple)."""
        if width_seconds < 1 or width_seconds % self.bucket_seconds:
            raise EstimatorError(
                f"width {width_seconds} must be a multiple of {self.bucket_seconds}"
            )
        windows: dict[int, dict[str, Counts]] = {}
        for bucket_start, categories in sorted(self.buckets.items()):
            window = windows.setdefault(
                bucket_start // width_seconds * width_seconds, {}
            )
            for category, counts in categories.items():
                window[category] = window.get(category, Counts()) + counts

        return windows

    def prune(self, before: Instant) -> None:
        """Drop buckets that start before `before`."""
        cutoff = _seconds(before)
        for start in [start for start in self.buckets if start < cutoff]:
            del self.buckets[start]

    def categories(self) -> Iterator[str]:
        """Every category seen, sorted."""
        yield from sorted({c for counts in self.buckets.values() for c in counts})

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: bucket starts as string keys, counts as [events, trials]."""
        return {
            "bucket_seconds": self.bucket_seconds,
            "buckets": {
                str(start): {c: counts.to_list() for c, counts in categories.items()}
                for start, categories in sorted(self.buckets.items())
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WindowCounts:
        """Counts from `to_dict`'s output."""
        return cls(
            bucket_seconds=int(data["bucket_seconds"]),
            buckets={
                int(start): {c: Counts.from_list(v) for c, v in categories.items()}
                for start, categories in data["buckets"].items()
            },
        )


def _seconds(at: Instant) -> float:
    if isinstance(at, datetime):
        if at.tzinfo is None:
            raise EstimatorError("datetimes must be timezone-aware")
        return at.timestamp()

    return float(at)
