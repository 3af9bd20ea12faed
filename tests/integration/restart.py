"""Stopping a worker mid-stream and starting it again: shared by the restart tests."""

from __future__ import annotations

import signal
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from streamer.replay import ReplaySummary, replay
from streamer.samples import sample_path
from streamer.stack import LocalStack


@dataclass(frozen=True)
class Interrupted:
    """A replay whose worker was stopped once, a quarter of the way through."""

    summary: ReplaySummary
    stopped_in_s: float


def stop_mid_stream_and_restart(
    stack: LocalStack,
    conversations: int,
    sig: signal.Signals,
    *,
    restart_after_s: float = 0.0,
    finish_within_s: float = 300.0,
) -> Interrupted:
    """Replay `conversations`, send `sig` once a quarter are counted, restart.

    Returns once the restarted worker has counted every record sent.
    """
    settings = stack.settings
    assert settings is not None
    summary = replay([sample_path()], settings, limit=conversations, progress=False)
    deadline = time.monotonic() + 120
    while stack.finished() < conversations // 4:
        assert time.monotonic() < deadline, "the worker never got going"
        time.sleep(0.05)

    stopping = time.monotonic()
    stack.kill_worker(sig)
    stopped_in = time.monotonic() - stopping

    time.sleep(restart_after_s)
    stack.start_worker()
    stack.wait_finished(summary.sent, timeout_s=finish_within_s)
    return Interrupted(summary, stopped_in)


def graded_once_each(
    bodies: Iterable[dict[str, Any]],
    record_ids: Iterable[str],
    dead_ids: set[str],
    shadow_arm: str,
) -> bool:
    """Whether each record sent is either dead-lettered or graded in both arms."""
    unique = {(body["record_id"], body["arm"]) for body in bodies}
    arms = Counter(arm for _, arm in unique)
    sent = set(record_ids)
    graded = sent - dead_ids
    return (
        dead_ids <= sent
        and {record_id for record_id, _ in unique} == graded
        and arms == {"live": len(graded), shadow_arm: len(graded)}
    )
