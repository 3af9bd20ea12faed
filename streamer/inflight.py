"""The records a worker is handling, by partition and offset, and those it missed.

faust can hand the same offset to the agents twice (a record fetched again after a
seek while the first copy is still being graded). The second copy waits for the
first, then finds it counted in the ledger, so a record is graded once per worker.

faust can also skip a record altogether around a start, a stop or a rebalance. The
ledger then has a hole: an offset not counted below offsets that are. `Holes` says
when one has stayed long enough to read the partition again from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterable


class InFlight:
    """Records being handled, and whether the worker still takes new ones.

    Closing is one way: a closed worker is about to stop, and records that reach
    it after that are left for the partition's next owner.
    """

    def __init__(self) -> None:
        self.closed = False
        self._handling: dict[tuple[int, int], asyncio.Event] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    def holds(self, partition: int, offset: int) -> bool:
        """Whether the record at `offset` of `partition` is being handled."""
        return (partition, offset) in self._handling

    @contextlib.asynccontextmanager
    async def record(self, partition: int, offset: int) -> AsyncIterator[None]:
        """Hold one record for the block; a copy of a held record waits its turn."""
        key = (partition, offset)
        while (earlier := self._handling.get(key)) is not None:
            await earlier.wait()

        done = asyncio.Event()
        self._handling[key] = done
        self._idle.clear()
        try:
            yield
        finally:
            del self._handling[key]
            done.set()
            if not self._handling:
                self._idle.set()

    async def close(self) -> None:
        """Take no new records and wait until those being handled are done."""
        self.closed = True
        await self._idle.wait()


class Holes:
    """When to read a partition again from the lowest offset its ledger lacks.

    A hole is due once the same offset has been missing, and not in flight, for
    `grace_s`; then again every `grace_s` while it stays missing.
    """

    def __init__(
        self, *, grace_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._grace_s = grace_s
        self._clock = clock
        self._seen: dict[int, tuple[int, float]] = {}

    def due(self, partition: int, hole: int | None) -> int | None:
        """The offset to read `partition` again from, if its hole is due."""
        if hole is None:
            self._seen.pop(partition, None)
            return None

        now = self._clock()
        seen = self._seen.get(partition)
        if seen is None or seen[0] != hole:
            self._seen[partition] = (hole, now)
            return None
        if now - seen[1] < self._grace_s:
            return None

        self._seen[partition] = (hole, now)
        return hole

    def due_in(
        self,
        partitions: Iterable[int],
        hole_of: Callable[[int], int | None],
        work: InFlight,
    ) -> dict[int, int]:
        """By partition, the offset to read it again from, for the holes now due.

        `hole_of` gives a partition's lowest uncounted offset below counted ones; an
        offset an agent is handling is no hole (its grace starts again once done).
        """
        due = {}
        for partition in partitions:
            hole = hole_of(partition)
            if hole is not None and work.holds(partition, hole):
                hole = None

            offset = self.due(partition, hole)
            if offset is not None:
                due[partition] = offset
        return due
