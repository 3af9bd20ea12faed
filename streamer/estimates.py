"""The worker's estimates: one ledger per assigned partition, summed for export.

Each worker exports only what its own partitions counted; summing the gauges of all
workers in the group gives the whole stream, which is what Prometheus recording
rules do. When a partition moves to another worker its ledger moves with it (the
faust table recovers it there) and leaves this worker's sum at the next refresh.

Nothing is exported as a record is counted: `refresh`, which runs before every
scrape, exports counts, rates and their intervals of the partitions owned then.
(Setting a record's twenty-odd count gauges as it was counted cost more CPU than its
ledger bookkeeping.)
With a window store, each counted record also lands in its time bucket
(`streamer.windows`), which `buckets` sums over the owned partitions for the
windows and alerts of `streamer.watch`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from streamer.ledger import Ledger
from streamer.metrics import Metrics
from streamer.pipeline import Processed
from streamer.tally import Counts, RateKey, Tally
from streamer.windows import BucketPlan, PartitionWindows, WindowStore, combined

log = logging.getLogger(__name__)

LoadLedger = Callable[[int], dict[str, Any] | None]
SaveLedger = Callable[[int, dict[str, Any]], None]


class Estimates:
    """Counts each input offset once and keeps the exported rates current."""

    def __init__(
        self,
        metrics: Metrics,
        load: LoadLedger,
        save: SaveLedger,
        windows: tuple[BucketPlan, WindowStore] | None = None,
    ) -> None:
        self.metrics = metrics
        self._load = load
        self._save = save
        self._window_plan = windows
        self._windows: dict[int, PartitionWindows] = {}
        self._ledgers: dict[int, Ledger] = {}
        self._first_offsets: dict[int, int] = {}
        self._exported: set[RateKey] = set()

    def received(self, partition: int, offset: int) -> None:
        """Note an offset as it arrives; arrivals are in offset order per partition."""
        self._first_offsets.setdefault(partition, offset)

    def ledger(self, partition: int) -> Ledger:
        """The partition's ledger, from the table the first time it is needed."""
        ledger = self._ledgers.get(partition)
        if ledger is None:
            ledger = Ledger.from_json(self._load(partition))
            if ledger.watermark < 0 and not ledger.above:
                # A partition this group never counted: start at its first arrival.
                ledger.watermark = self._first_offsets.get(partition, 0) - 1
            self._ledgers[partition] = ledger
        return ledger

    def hole(self, partition: int) -> int | None:
        """The lowest uncounted offset below a counted one (`Ledger.hole`)."""
        return self.ledger(partition).hole()

    def counted(self, partition: int, offset: int) -> bool:
        """Whether this offset's outcome is already in the estimates."""
        return self.ledger(partition).counted(offset)

    def count(
        self,
        partition: int,
        offset: int,
        processed: Processed,
        at: float | None = None,
    ) -> bool:
        """Count one record's outcome once and persist the ledger (and its bucket).

        `at` is the record's event time (epoch seconds) for its window bucket.
        """
        ledger = self.ledger(partition)
        given_up = ledger.given_up
        if processed.graded:
            counted = ledger.count(offset, processed.graded)
        else:
            counted = not ledger.counted(offset)
            ledger.mark(offset)
        if not counted:
            return False

        if ledger.given_up > given_up:
            lost = ledger.given_up - given_up
            log.error(
                "partition %d: %d offsets up to %d never came: given up",
                partition,
                lost,
                ledger.watermark,
            )
            self.metrics.given_up.inc(lost)

        self._save(partition, ledger.to_json())
        if at is not None and processed.graded:
            window = self.partition_windows(partition)
            if window is not None:
                window.add(at, processed.graded)
        return True

    def refresh(self, assigned: Iterable[int]) -> None:
        """Export exactly the partitions this worker owns now, e.g. before a scrape."""
        owned = set(assigned)
        for partition in set(self._ledgers) - owned:
            self._ledgers.pop(partition)
            self._first_offsets.pop(partition, None)
        for partition in set(self._windows) - owned:
            self._windows.pop(partition)
        ledgers = [self._ledgers.get(p) or self._loaded(p) for p in owned]
        for partition in owned:
            self.partition_windows(partition)

        total = Tally.combined(ledger.tally for ledger in ledgers if ledger)
        for key in self._exported - set(total.counts):
            self.metrics.publish_counts(key, Counts())
        self._export(total, set(total.counts))

    def partition_windows(self, partition: int) -> PartitionWindows | None:
        """The partition's time buckets (None without a window store)."""
        if self._window_plan is None:
            return None
        window = self._windows.get(partition)
        if window is None:
            plan, store = self._window_plan
            window = self._windows[partition] = PartitionWindows(partition, plan, store)
        return window

    def buckets(self) -> dict[int, Tally]:
        """Time buckets summed over the partitions this worker holds."""
        return combined(self._windows.values())

    def total(self) -> Tally:
        """The sum of every owned partition's tally."""
        return Tally.combined(ledger.tally for ledger in self._ledgers.values())

    def _loaded(self, partition: int) -> Ledger | None:
        data = self._load(partition)
        if data is None:
            return None
        ledger = self._ledgers[partition] = Ledger.from_json(data)
        return ledger

    def _export(self, total: Tally, keys: set[RateKey]) -> None:
        records = sum(ledger.records for ledger in self._ledgers.values())
        self.metrics.estimate_records.set(records)
        for key in keys:
            self.metrics.publish_counts(key, total.counts[key])
            self.metrics.publish_rate(total.row(key))
        for key, pairs in total.pairs.items():
            self.metrics.publish_ratio(key, pairs)
        self._exported |= keys
