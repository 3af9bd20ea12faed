"""A worker killed mid-stream loses nothing and counts nothing twice."""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from streamer.demo import metrics_match, read_outcomes
from streamer.replay import replay
from streamer.samples import sample_path
from streamer.stack import LocalStack
from streamer.topics import read_topic

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
        summary = replay([sample_path()], settings, limit=CONVERSATIONS, progress=False)
        deadline = time.monotonic() + 120
        while stack.finished() < CONVERSATIONS // 4:
            assert time.monotonic() < deadline, "the worker never got going"
            time.sleep(0.05)

        stack.kill_worker(signal.SIGKILL)
        # Tansu keeps a killed member until its session times out and then rebalances
        # without a new generation, which stalls the restarted consumer; a real Kafka
        # does not. Restart once the dead member is gone.
        time.sleep(settings.session_timeout_s + 2)
        stack.start_worker()
        stack.wait_finished(summary.sent, timeout_s=180)
        outcomes = read_outcomes(settings)
        agree = metrics_match(outcomes.tally, stack.metrics_url)
        bodies = list(read_topic(settings.bootstrap_servers, settings.graded_topic))

    unique = {(b["record_id"], b["arm"]): b for b in bodies}
    arms = Counter(arm for _, arm in unique)
    graded_ids = {body["record_id"] for body in bodies}
    dead_ids = {letter["record_id"] for letter in outcomes.dead_letters}
    assert graded_ids | dead_ids == set(summary.record_ids)
    assert not graded_ids & dead_ids
    graded_count = CONVERSATIONS - len(dead_ids)
    assert arms == {"live": graded_count, settings.shadow_arm: graded_count}
    assert agree, "estimates differ from the graded topic deduplicated by key"
