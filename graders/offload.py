"""Running CPU-bound grading off the event loop, on one dedicated thread.

The rule and classifier graders spend a few milliseconds of pure CPU per reply. Run
inline, a worker with many records in flight would hold its event loop for long
stretches and miss consumer-group heartbeats. One thread keeps the loop free; a
single one is enough, since the GIL serialises this work anyway, and it means
presidio, spaCy and scikit-learn objects are never used from two threads at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

__all__ = ["offload"]

P = ParamSpec("P")
T = TypeVar("T")

_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="depsim-grading")


async def offload(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `function` on the grading thread and await its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_EXECUTOR, lambda: function(*args, **kwargs))
