"""Many replicas, one truth: workers in one group count the stream as one worker does.

Each worker exports only the estimates of the partitions it owns; summing the workers
(what the Prometheus recording rules do) must give the figures of a single worker on
the same input, also after one of two workers is stopped mid-stream (SIGTERM) and its
partitions, with their counts, move to the other.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from streamer.replay import replay
from streamer.samples import sample_path
from streamer.settings import Settings
from streamer.stack import LocalStack, Samples, scrape

pytestmark = pytest.mark.integration

FIRST = 150  # conversations replayed while both workers run
SECOND = 250  # conversations replayed next, while one worker is stopped
ESTIMATES = (
    "depsim_estimate_records",
    "depsim_estimate_graded_replies",
    "depsim_estimate_flagged_replies",
)
# Tansu holds a group join for the rebalance timeout (10 s in the stack); a session
# timeout no longer than that expires the members waiting in the join, and the
# survivor never rejoins. Keep the session above it.
OVERRIDES = {"concurrency": 8, "session_timeout_s": 25}

Figures = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def url(port: int) -> str:
    return f"http://127.0.0.1:{port}/metrics"


def estimates(samples: Samples) -> Figures:
    """The estimate series of one scrape."""
    return {key: value for key, value in samples.items() if key[0] in ESTIMATES}


def combined(urls: Iterable[str]) -> Figures:
    """The estimate series summed over workers, as a recording rule sums pods."""
    total: Figures = {}
    for address in urls:
        for key, value in estimates(scrape(address)).items():
            total[key] = total.get(key, 0.0) + value
    return total


def records(figures: Figures) -> float:
    return figures.get(("depsim_estimate_records", ()), 0.0)


def wait_for(
    read: Callable[[], Figures], count: int, timeout_s: float = 300.0
) -> Figures:
    """Poll until the figures count `count` records and hold still for a moment."""
    deadline = time.monotonic() + timeout_s
    last: Figures = {}
    while time.monotonic() < deadline:
        try:
            figures = read()
        except OSError:  # a worker between its web server going and coming
            figures = {}
        if records(figures) == count and figures == last:
            return figures
        last = figures
        time.sleep(1.0)
    raise AssertionError(f"expected {count} records, last saw {records(last)}")


def slices(workdir: Path) -> tuple[Path, Path]:
    """The first FIRST and the next SECOND lines of the shipped sample, as files."""
    with gzip.open(sample_path(), "rt", encoding="utf-8") as sample:
        lines = [line for _, line in zip(range(FIRST + SECOND), sample, strict=False)]
    first, second = workdir / "first.jsonl", workdir / "second.jsonl"
    first.write_text("".join(lines[:FIRST]), encoding="utf-8")
    second.write_text("".join(lines[FIRST:]), encoding="utf-8")
    return first, second


def send(path: Path, settings: Settings) -> int:
    """Replay one slice; the number of records sent."""
    return replay([path], settings, progress=False).sent


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> tuple[Figures, Figures]:
    """A single worker's figures after the first part and after both parts."""
    workdir = tmp_path_factory.mktemp("single-worker")
    with LocalStack(
        workdir, [sample_path()], latency_ms=5, overrides=OVERRIDES
    ) as stack:
        assert stack.settings is not None
        first_part, second_part = slices(workdir)
        sent = send(first_part, stack.settings)
        first = wait_for(lambda: combined([stack.metrics_url]), sent)
        sent += send(second_part, stack.settings)
        both = wait_for(lambda: combined([stack.metrics_url]), sent)
    return first, both


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Figures, Figures]:
    """Two workers' summed figures after the first part, and the survivor's after
    the second part, during which the second worker got SIGTERM."""
    workdir = tmp_path_factory.mktemp("two-workers")
    with LocalStack(
        workdir, [sample_path()], latency_ms=20, overrides=OVERRIDES
    ) as stack:
        assert stack.settings is not None
        first_part, second_part = slices(workdir)
        second = stack.add_worker()
        urls = [stack.metrics_url, url(second)]
        sent = send(first_part, stack.settings)
        first = wait_for(lambda: combined(urls), sent, timeout_s=240)
        assert all(records(estimates(scrape(u))) > 0 for u in urls), (
            "both workers should own partitions and count records"
        )

        before = sent
        sent += send(second_part, stack.settings)
        deadline = time.monotonic() + 60
        while records(combined(urls)) < before + SECOND / 4:
            assert time.monotonic() < deadline, "the second part never started"
            time.sleep(0.1)
        stack.stop_added_worker(second)

        survivor = wait_for(lambda: combined([stack.metrics_url]), sent, 240)
    return first, survivor


def test_two_workers_together_count_what_one_worker_counts(
    single: tuple[Figures, Figures], pair: tuple[Figures, Figures]
) -> None:
    assert pair[0] == single[0]


def test_after_a_worker_stops_midstream_the_survivor_counts_the_whole_stream(
    single: tuple[Figures, Figures], pair: tuple[Figures, Figures]
) -> None:
    assert pair[1] == single[1]
