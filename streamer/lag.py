"""Consumer lag and commit progress of the traffic topic, exported as metrics.

A faust timer reads, every few seconds, the log end offset and the committed offset
of each traffic partition assigned to this worker. Their difference, summed, is the
worker's lag: records not yet committed, in flight ones included. Summed over the
workers of the group it is the group's lag. When a committed offset moves forward,
the time is exported, so Prometheus can tell a stalled worker (lag but no progress)
from an idle one (no lag).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import faust

from streamer.metrics import Metrics

log = logging.getLogger(__name__)

LAG_INTERVAL_S = 5.0

Offsets = Mapping[Any, int | None]


def partition_lag(
    highwaters: Mapping[Any, int],
    committed: Offsets,
    earliest: Mapping[Any, int],
) -> int:
    """Records past the committed offset, summed over partitions.

    A partition with no committed offset yet is read from its earliest offset, as the
    consumer does; a committed offset past the end (a truncated log) counts as 0.
    """
    lag = 0
    for tp, end in highwaters.items():
        start = committed.get(tp)
        if start is None:
            start = earliest.get(tp, 0)
        lag += max(0, end - start)
    return lag


class CommitWatch:
    """Remembers committed offsets and tells when any of them moved forward."""

    def __init__(self, metrics: Metrics, clock: Callable[[], float] = time.time):
        self._metrics = metrics
        self._clock = clock
        self._last: dict[Any, int] = {}

    def update(self, committed: Offsets) -> None:
        """Export the time now if a committed offset advanced since the last call."""
        advanced = False
        for tp, offset in committed.items():
            seen = tp in self._last
            current = -1 if offset is None else offset
            if not seen or current > self._last[tp]:
                advanced = advanced or seen
                self._last[tp] = current
        if advanced:
            self._metrics.mark_commit(self._clock())


def export_consumer_health(app: faust.App, metrics: Metrics, topic: str) -> None:
    """Export lag, assigned partitions and commit progress of `topic` periodically."""
    watch = CommitWatch(metrics)

    async def measure() -> None:
        consumer: Any = app.consumer  # faust's consumer type lacks what is read here
        try:
            tps = [tp for tp in consumer.assignment() if tp.topic == topic]
            if not tps:
                metrics.set_consumer_lag(0, 0)
                return
            # faust keeps the committed offsets it knows in a private map: the only
            # read that costs no broker round trip.
            committed = {tp: consumer._committed_offset.get(tp) for tp in tps}
            highwaters = await consumer.highwaters(*tps)
            unknown = [tp for tp in tps if committed[tp] is None]
            earliest = await consumer.earliest_offsets(*unknown) if unknown else {}
        except Exception as exc:  # no consumer yet, or a rebalance under way
            log.debug("consumer lag not measured: %s", type(exc).__name__)
            return

        metrics.set_consumer_lag(
            partition_lag(highwaters, committed, earliest), len(tps)
        )
        watch.update(committed)

    app.timer(LAG_INTERVAL_S)(measure)
