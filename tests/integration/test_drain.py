"""SIGTERM drains the worker: a restart right after loses nothing, counts once."""

from __future__ import annotations

import signal
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from streamer.demo import metrics_match, read_outcomes
from streamer.replay import replay
from streamer.samples import sample_path
from streamer.stack import LocalStack, scrape
from streamer.topics import read_topic

pytestmark = pytest.mark.integration

CONVERSATIONS = 200
GRACE_S = 10.0


@dataclass(frozen=True)
class Run:
    """What one SIGTERM-and-restart run left behind."""

    record_ids: list[str]
    dead_ids: set[str]
    shadow_arm: str
    bodies: list[dict[str, Any]]
    estimate_records: float | None
    estimates_agree: bool
    stopped_in_s: float


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """200 real records at 200 ms a call; SIGTERM at a quarter; restart at once."""
    stack = LocalStack(
        tmp_path_factory.mktemp("drain"),
        [sample_path()],
        latency_ms=200,
        overrides={"concurrency": 8, "shutdown_grace_s": GRACE_S, "log_level": "INFO"},
    )
    with stack:
        settings = stack.settings
        assert settings is not None
        summary = replay([sample_path()], settings, limit=CONVERSATIONS, progress=False)
        deadline = time.monotonic() + 120
        while stack.finished() < CONVERSATIONS // 4:
            assert time.monotonic() < deadline, "the worker never got going"
            time.sleep(0.05)

        stopping = time.monotonic()
        stack.kill_worker(signal.SIGTERM)
        stopped_in = time.monotonic() - stopping
        # A member that left on SIGTERM is gone from the group at once: no need to
        # wait out its session, unlike after SIGKILL (see test_crash.py).
        stack.start_worker()
        stack.wait_finished(summary.sent, timeout_s=300)
        outcomes = read_outcomes(settings)
        return Run(
            record_ids=list(summary.record_ids),
            dead_ids={letter["record_id"] for letter in outcomes.dead_letters},
            shadow_arm=settings.shadow_arm,
            bodies=list(read_topic(settings.bootstrap_servers, settings.graded_topic)),
            estimate_records=scrape(stack.metrics_url).get(
                ("depsim_estimate_records", ())
            ),
            estimates_agree=metrics_match(outcomes.tally, stack.metrics_url),
            stopped_in_s=stopped_in,
        )


def test_a_restart_after_sigterm_grades_every_record_once(run: Run) -> None:
    unique = {(b["record_id"], b["arm"]) for b in run.bodies}
    arms = Counter(arm for _, arm in unique)
    graded = set(run.record_ids) - run.dead_ids  # dead letters: the privacy gate

    assert {record_id for record_id, _ in unique} == graded
    assert arms == {"live": len(graded), run.shadow_arm: len(graded)}
    assert run.estimate_records == CONVERSATIONS
    assert run.estimates_agree, "estimates differ from the graded topic by key"


def test_sigterm_finishes_and_commits_in_flight_records_within_the_grace(
    run: Run,
) -> None:
    keys = [(b["record_id"], b["arm"]) for b in run.bodies]

    assert len(keys) == len(set(keys)), "a record was graded again after SIGTERM"
    assert run.stopped_in_s < GRACE_S + 5  # the process also leaves the group
