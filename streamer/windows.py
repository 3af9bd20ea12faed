"""Counts per time bucket, per partition: the state behind windows and alerts.

Each counted graded reply also lands in the bucket of its traffic record's Kafka
timestamp (event time, so a redelivered record would fall in the same bucket; the
ledger keeps it from being counted twice). A bucket is a `Tally` of one partition;
it is stored under its own key, so counting a record rewrites one bucket, not the
partition's whole history. Buckets older than `retention` bucket widths before the
newest one are dropped while their partition is being counted, which is when a
faust table can write to that partition's changelog.

Tumbling windows are single buckets, sliding windows sums of the latest ones, and
what `streamer.watch` feeds its detectors are the buckets that have closed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from streamer.graded import GradedRecord
from streamer.tally import Tally


class WindowStore(Protocol):
    """Where a partition's buckets persist (a faust table in the worker)."""

    def load(self, partition: int) -> Mapping[int, dict[str, Any]]:
        """Every stored bucket of `partition`, by bucket start."""
        ...

    def save(self, partition: int, start: int, bucket: dict[str, Any]) -> None:
        """Store one bucket."""
        ...

    def delete(self, partition: int, start: int) -> None:
        """Forget one bucket."""
        ...


@dataclass
class MemoryWindowStore:
    """A dict-backed store, for tests and batch runs."""

    buckets: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)

    def load(self, partition: int) -> Mapping[int, dict[str, Any]]:
        """Every stored bucket of `partition`, by bucket start."""
        return {s: b for (p, s), b in self.buckets.items() if p == partition}

    def save(self, partition: int, start: int, bucket: dict[str, Any]) -> None:
        """Store one bucket."""
        self.buckets[(partition, start)] = bucket

    def delete(self, partition: int, start: int) -> None:
        """Forget one bucket."""
        self.buckets.pop((partition, start), None)


@dataclass(frozen=True, slots=True)
class BucketPlan:
    """Bucket width in seconds and how many widths of history to keep."""

    seconds: int
    retention: int

    def start_of(self, at: float) -> int:
        """Start (epoch seconds) of the bucket holding instant `at`."""
        return math.floor(at / self.seconds) * self.seconds


class PartitionWindows:
    """One partition's buckets, loaded from and written through a store."""

    def __init__(self, partition: int, plan: BucketPlan, store: WindowStore) -> None:
        self.partition = partition
        self.plan = plan
        self._store = store
        self.buckets: dict[int, Tally] = {
            int(start): Tally.from_json(data)
            for start, data in store.load(partition).items()
        }

    def add(self, at: float, graded: tuple[GradedRecord, ...]) -> None:
        """Count graded replies in the bucket of `at`, persist it, drop old ones."""
        start = self.plan.start_of(at)
        is_new = start not in self.buckets
        bucket = self.buckets.setdefault(start, Tally())
        bucket.add_record(tuple(graded))
        self._store.save(self.partition, start, bucket.to_json())

        if is_new:
            self._prune(newest=max(self.buckets))

    def _prune(self, newest: int) -> None:
        cutoff = newest - self.plan.retention * self.plan.seconds
        for start in [start for start in self.buckets if start <= cutoff]:
            del self.buckets[start]
            self._store.delete(self.partition, start)


def combined(windows: Iterable[PartitionWindows]) -> dict[int, Tally]:
    """The buckets of several partitions, summed per bucket start."""
    total: dict[int, Tally] = {}
    for partition in windows:
        for start, bucket in partition.buckets.items():
            total.setdefault(start, Tally()).merge(bucket)

    return total
