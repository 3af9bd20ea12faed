"""Time buckets per partition, and the estimates that feed them."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from streamer.estimates import Estimates
from streamer.graded import LIVE_ARM, GradedRecord
from streamer.metrics import Metrics
from streamer.pipeline import Processed
from streamer.windows import BucketPlan, MemoryWindowStore, PartitionWindows
from tests.graded import graded_reply

HOUR = 3600
PLAN = BucketPlan(seconds=HOUR, retention=3)


def reply(flagged: bool, arm: str = LIVE_ARM) -> GradedRecord:
    return graded_reply(arm=arm, flags={"refusal": flagged})


def estimates(store: MemoryWindowStore) -> Estimates:
    ledgers: dict[int, dict[str, object]] = {}
    return Estimates(
        Metrics(CollectorRegistry()),
        ledgers.get,  # type: ignore[arg-type]
        ledgers.__setitem__,
        (PLAN, store),
    )


def test_a_reply_is_counted_in_the_bucket_of_its_event_time() -> None:
    windows = PartitionWindows(0, PLAN, MemoryWindowStore())

    windows.add(10 * HOUR + 59, [reply(True)])
    windows.add(11 * HOUR, [reply(False)])

    counts = {
        start: b.counts[(LIVE_ARM, "prod", "refusal")]
        for start, b in windows.buckets.items()
    }
    assert {s: (c.flagged, c.graded) for s, c in counts.items()} == {
        10 * HOUR: (1, 1),
        11 * HOUR: (0, 1),
    }


def test_buckets_survive_a_reload_from_their_store() -> None:
    store = MemoryWindowStore()
    PartitionWindows(0, PLAN, store).add(5 * HOUR, [reply(True), reply(False)])

    reloaded = PartitionWindows(0, PLAN, store)

    assert reloaded.buckets[5 * HOUR].counts[(LIVE_ARM, "prod", "refusal")].graded == 2


def test_buckets_older_than_the_retention_are_dropped_from_the_store() -> None:
    store = MemoryWindowStore()
    windows = PartitionWindows(0, PLAN, store)

    for hour in range(6):
        windows.add(hour * HOUR, [reply(False)])

    assert sorted(windows.buckets) == [3 * HOUR, 4 * HOUR, 5 * HOUR]
    assert sorted(store.load(0)) == [3 * HOUR, 4 * HOUR, 5 * HOUR]


def test_a_redelivered_offset_is_not_counted_again_in_its_bucket() -> None:
    store = MemoryWindowStore()
    counting = estimates(store)
    processed = Processed(graded=(reply(True),))

    counting.count(0, 7, processed, at=HOUR)
    counting.count(0, 7, processed, at=HOUR)

    bucket = counting.buckets()[HOUR]
    assert bucket.counts[(LIVE_ARM, "prod", "refusal")].graded == 1


def test_buckets_are_summed_over_owned_partitions_only() -> None:
    store = MemoryWindowStore()
    counting = estimates(store)
    counting.count(0, 0, Processed(graded=(reply(True),)), at=HOUR)
    counting.count(1, 0, Processed(graded=(reply(False),)), at=HOUR)

    both = counting.buckets()[HOUR].counts[(LIVE_ARM, "prod", "refusal")]
    counting.refresh([1])
    one = counting.buckets()[HOUR].counts[(LIVE_ARM, "prod", "refusal")]

    assert (both.flagged, both.graded) == (1, 2)
    assert (one.flagged, one.graded) == (0, 1)


def test_a_partition_recovered_from_the_store_brings_its_buckets() -> None:
    store = MemoryWindowStore()
    estimates(store).count(2, 0, Processed(graded=(reply(True),)), at=HOUR)

    successor = estimates(store)
    successor.refresh([2])

    assert successor.buckets()[HOUR].counts[(LIVE_ARM, "prod", "refusal")].flagged == 1
