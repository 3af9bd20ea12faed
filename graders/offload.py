"""Running CPU-bound grading: inline when it is short, else on one grading thread.

The rule and classifier graders and the privacy scan spend well under a millisecond
on a chat-sized text, less than handing it to a thread costs: the hand-off, and the
GIL passed back and forth while the event loop writes to its sockets. So `run_cpu`
runs short work inline. Long work (an agent trajectory: up to seconds) would hold the
event loop and miss consumer-group heartbeats, so it goes to one dedicated thread; a
single one is enough, since the GIL serialises this work anyway.

Work may therefore run on the event loop's thread and on the grading thread at once:
what it uses must be thread-safe or kept per thread (`graders.pii` builds one
presidio analyzer per thread).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

__all__ = ["INLINE_CHARS", "offload", "run_cpu"]

P = ParamSpec("P")
T = TypeVar("T")

_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="depsim-grading")

# Texts up to this many characters are graded inline: about a millisecond of work.
INLINE_CHARS = 4_000


async def offload(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `function` on the grading thread and await its result."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_EXECUTOR, lambda: function(*args, **kwargs))


async def run_cpu(
    chars: int, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """Run `function` on `chars` characters of text: inline if short, else offload."""
    if chars <= INLINE_CHARS:
        return function(*args, **kwargs)
    return await offload(function, *args, **kwargs)
