"""SIGTERM drains the worker: a restart right after loses nothing, counts once."""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import Any

import pytest

from streamer.demo import metrics_match, read_outcomes
from streamer.samples import sample_path
from streamer.stack import LocalStack, scrape
from streamer.topics import read_topic
from tests.integration.restart import graded_once_each, stop_mid_stream_and_restart

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
        # A member that left on SIGTERM is gone from the group at once: no need to
        # wait out its session before the restart, unlike after SIGKILL.
        interrupted = stop_mid_stream_and_restart(stack, CONVERSATIONS, signal.SIGTERM)
        outcomes = read_outcomes(settings)
        return Run(
            record_ids=list(interrupted.summary.record_ids),
            dead_ids={letter["record_id"] for letter in outcomes.dead_letters},
            shadow_arm=settings.shadow_arm,
            bodies=list(read_topic(settings.bootstrap_servers, settings.graded_topic)),
            estimate_records=scrape(stack.metrics_url).get(
                ("depsim_estimate_records", ())
            ),
            estimates_agree=metrics_match(outcomes.tally, stack.metrics_url),
            stopped_in_s=interrupted.stopped_in_s,
        )


def test_a_restart_after_sigterm_grades_every_record_once(run: Run) -> None:
    assert graded_once_each(run.bodies, run.record_ids, run.dead_ids, run.shadow_arm)
    assert run.estimate_records == CONVERSATIONS
    assert run.estimates_agree, "estimates differ from the graded topic by key"


def test_sigterm_finishes_and_commits_in_flight_records_within_the_grace(
    run: Run,
) -> None:
    keys = [(b["record_id"], b["arm"]) for b in run.bodies]

    assert len(keys) == len(set(keys)), "a record was graded again after SIGTERM"
    assert run.stopped_in_s < GRACE_S + 5  # the process also leaves the group
