"""Short grading work runs inline; long work on the grading thread."""

from __future__ import annotations

import threading

from graders.offload import INLINE_CHARS, run_cpu


def thread_name() -> str:
    return threading.current_thread().name


async def test_short_work_runs_on_the_event_loop_thread() -> None:
    name = await run_cpu(INLINE_CHARS, thread_name)

    assert name == threading.current_thread().name


async def test_long_work_runs_on_the_grading_thread() -> None:
    name = await run_cpu(INLINE_CHARS + 1, thread_name)

    assert name.startswith("depsim-grading")
