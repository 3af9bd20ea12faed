"""A worker killed mid-stream loses nothing and counts nothing twice."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from streamer.demo import metrics_match, read_outcomes
from streamer.samples import sample_path
from streamer.stack import LocalStack
from streamer.topics import read_topic
from tests.integration.restart import graded_once_each, stop_mid_stream_and_restart

pytestmark = pytest.mark.integration

CONVERSATIONS = 600


# Known gap: on a loaded machine the restarted worker sometimes stops consuming a
# few seconds after its group join on the embedded Tansu broker (no error logged);
# the run is tried once more. A second failure fails the suite.
@pytest.mark.flaky(reruns=1)
def test_sigkill_mid_stream_then_restart_grades_every_record_once(
    tmp_path: Path,
) -> None:
    stack = LocalStack(
        tmp_path,
        [sample_path()],
        latency_ms=30,
        overrides={"concurrency": 16, "log_level": "INFO"},
    )
    with stack:
        settings = stack.settings
        assert settings is not None
        # Tansu keeps a killed member until its session times out and then rebalances
        # without a new generation, which stalls the restarted consumer; a real Kafka
        # does not. Restart once the dead member is gone.
        interrupted = stop_mid_stream_and_restart(
            stack,
            CONVERSATIONS,
            signal.SIGKILL,
            restart_after_s=settings.session_timeout_s + 2,
            finish_within_s=180,
        )
        outcomes = read_outcomes(settings)
        agree = metrics_match(outcomes.tally, stack.metrics_url)
        bodies = list(read_topic(settings.bootstrap_servers, settings.graded_topic))

    dead_ids = {letter["record_id"] for letter in outcomes.dead_letters}
    record_ids = interrupted.summary.record_ids
    assert graded_once_each(bodies, record_ids, dead_ids, settings.shadow_arm)
    assert agree, "estimates differ from the graded topic deduplicated by key"
