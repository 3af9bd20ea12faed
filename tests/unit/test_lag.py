"""Consumer lag and commit progress, from offsets."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from streamer.lag import CommitWatch, partition_lag
from streamer.metrics import Metrics


def test_lag_sums_records_past_the_committed_offsets() -> None:
    assert partition_lag({0: 100, 1: 50}, {0: 90, 1: 50}, {}) == 10


def test_a_partition_never_committed_counts_from_its_earliest_offset() -> None:
    assert partition_lag({0: 100}, {0: None}, {0: 40}) == 60


def test_a_commit_past_the_end_counts_as_no_lag() -> None:
    assert partition_lag({0: 10}, {0: 12}, {}) == 0


def test_commit_time_moves_only_when_an_offset_advances() -> None:
    metrics = Metrics(CollectorRegistry())
    now = iter([1000.0, 2000.0])
    watch = CommitWatch(metrics, clock=lambda: next(now))
    read = lambda: metrics.registry.get_sample_value(  # noqa: E731
        "depsim_last_commit_timestamp_seconds"
    )

    watch.update({0: 5})  # first sight: no progress seen yet
    started = read()
    watch.update({0: 5})
    unchanged = read()
    watch.update({0: 7})

    assert unchanged == started
    assert read() == 1000.0


def test_a_first_commit_after_none_is_progress() -> None:
    metrics = Metrics(CollectorRegistry())
    watch = CommitWatch(metrics, clock=lambda: 42.0)

    watch.update({0: None})
    watch.update({0: 3})

    assert (
        metrics.registry.get_sample_value("depsim_last_commit_timestamp_seconds")
        == 42.0
    )
