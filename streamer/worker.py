"""The faust-streaming worker: traffic topic in, graded and dead-letter topics out.

Values are consumed as raw bytes and parsed by depsim (`streamer.parse`), so a bad
record is dead-lettered instead of wedging the consumer. `concurrency` agents share
the stream: that many records are in flight per worker, and faust commits an offset
only once every record before it has been acknowledged, after flushing what those
records produced, ledger changes included (see `streamer.ledger`).

A record is acknowledged only after it was counted (or found counted already): an
agent cancelled mid-record, on stop or in a rebalance, leaves it unacknowledged, so
it comes again instead of being committed unprocessed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import faust
from faust.types import AppT, Message
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from streamer import transport
from streamer.errors import DepsimError
from streamer.graded import DeadLetter
from streamer.inflight import Holes, InFlight
from streamer.lag import export_consumer_health
from streamer.pipeline import Processed
from streamer.reasons import Reason
from streamer.runtime import Runtime
from streamer.settings import Settings

log = logging.getLogger(__name__)

LEDGER_TABLE = "ledger"
WINDOWS_TABLE = "windows"


async def outcome(
    handle: Callable[[bytes], Awaitable[Processed]],
    raw: bytes,
    position: tuple[int, int],
    deadline_s: float,
) -> Processed:
    """What `handle` makes of the record at `position` (partition, offset).

    Past `deadline_s`, or on an exception, the record is dead-lettered
    (`deadline_exceeded`, `internal_error`) instead: a fault of depsim's own, or of a
    library it did not translate, must not kill the agent, which would leave the
    record unacknowledged and hold back its partition's commits for good.
    """
    partition, offset = position
    try:
        return await asyncio.wait_for(handle(raw), timeout=deadline_s)
    except TimeoutError:
        log.error("record at %d/%d passed its deadline", partition, offset)
        reason, detail = Reason.DEADLINE_EXCEEDED, f"{deadline_s}s"
    except Exception as exc:
        # The traceback only at DEBUG: an exception's message may quote the record.
        reason, detail = Reason.INTERNAL_ERROR, type(exc).__name__
        log.error("record at %d/%d failed: %s", partition, offset, detail)
        log.debug("record at %d/%d failed", partition, offset, exc_info=True)

    return Processed(
        dead_letter=DeadLetter(
            reason=reason,
            detail=detail,
            record_id=None,
            stage="worker",
            source={"partition": partition, "offset": offset},
        )
    )


async def handle_or_release(
    handle: Callable[[Message, transport.Consumer], Awaitable[None]],
    message: Message,
    consumer: transport.Consumer,
) -> None:
    """Run `handle` on `message`; if publishing or counting fails, log and go on.

    The record is then left unmarked, so its acknowledgement is released and its
    partition read again from it (the hole check), instead of the agent dying.
    """
    try:
        await handle(message, consumer)
    except Exception as exc:
        log.error(
            "record at %d/%d not counted (%s): released to be read again",
            message.partition,
            message.offset,
            type(exc).__name__,
        )
        log.debug("record not counted", exc_info=True)


async def seek_due_holes(
    consumer: transport.Consumer,
    topic: str,
    holes: Holes,
    hole_of: Callable[[int], int | None],
    work: InFlight,
) -> dict[int, int]:
    """Seek each assigned partition of `topic` whose hole is due back to the hole.

    Returns the offsets sought, by partition.
    """
    assigned = {tp.partition: tp for tp in consumer.assignment() if tp.topic == topic}
    due = holes.due_in(assigned, hole_of, work)

    for partition, offset in due.items():
        await consumer.seek(assigned[partition], offset)
    return due


def build_app(
    settings: Settings, runtime: Runtime, work: InFlight | None = None
) -> faust.App:
    """A faust app that runs `runtime` on every traffic record.

    `work` tracks the records being handled, so that a drain can wait for them.
    """
    work = work if work is not None else InFlight()
    app = faust.App(
        settings.group_id,
        broker=_broker_url(settings.bootstrap_servers),
        store="memory://",
        key_serializer="raw",
        value_serializer="raw",
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=1,
        broker_max_poll_interval=settings.max_poll_interval_s,
        broker_session_timeout=settings.session_timeout_s,
        broker_rebalance_timeout=settings.rebalance_timeout_s,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_s / 3),
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        web_in_thread=False,
    )
    guarded(app).fetch_max_wait_s = settings.fetch_max_wait_s
    traffic = app.topic(settings.traffic_topic, key_type=bytes, value_type=bytes)
    graded_topic = app.topic(settings.graded_topic, key_type=bytes, value_type=bytes)
    dead_topic = app.topic(settings.dead_letter_topic, key_type=bytes, value_type=bytes)
    ledgers = app.Table(
        LEDGER_TABLE,
        default=None,
        partitions=settings.topic_partitions,
        schema=faust.Schema(key_serializer="json", value_serializer="json"),
    )

    def ledger_key(partition: int) -> str:
        return f"{settings.traffic_topic}:{partition}"

    def load(partition: int) -> dict[str, Any] | None:
        value: dict[str, Any] | None = ledgers.get(ledger_key(partition))
        return value

    def save(partition: int, value: dict[str, Any]) -> None:
        ledgers[ledger_key(partition)] = value

    windows = app.Table(
        WINDOWS_TABLE,
        default=None,
        partitions=settings.topic_partitions,
        schema=faust.Schema(key_serializer="json", value_serializer="json"),
    )
    estimates = runtime.estimates(
        load, save, TableWindowStore(windows, settings.traffic_topic)
    )
    watch = runtime.watch()

    async def publish(processed: Processed) -> None:
        for graded in processed.graded:
            await graded_topic.send(
                key=graded.record_id.encode(), value=graded.to_bytes()
            )
        if processed.dead_letter is not None:
            key = (processed.dead_letter.record_id or "").encode()
            await dead_topic.send(key=key, value=processed.dead_letter.to_bytes())

    async def handle(message: Message, consumer: transport.Consumer) -> None:
        """Grade and count the record in `message`, unless it is counted already."""
        partition, offset = message.partition, message.offset
        async with work.record(partition, offset):
            estimates.received(partition, offset)
            if estimates.counted(partition, offset):
                runtime.metrics.redelivered.inc()
            else:
                processed = await outcome(
                    runtime.handle,
                    message.value or b"",
                    (partition, offset),
                    settings.record_deadline_s,
                )
                await publish(processed)
                at = message.timestamp or time.time()
                counted = estimates.count(partition, offset, processed, at)
                runtime.account(processed, counted)

        consumer.handled(message)

    @app.agent(traffic, concurrency=settings.concurrency)
    async def shadow_evaluate(stream: Any) -> None:
        consumer = guarded(app)
        consumer.guarded_topics.add(settings.traffic_topic)

        async for event in stream.noack().events():
            if not work.closed:
                await handle_or_release(handle, event.message, consumer)
            await stream.ack(event)  # released unless handled

    holes = Holes(grace_s=settings.hole_grace_s)

    async def read_holes_again() -> None:
        # A record the ledger lacks below records it counted, and that nobody is
        # handling, never reached the agents (faust skipped or dropped it around a
        # start, a stop or a rebalance): the partition is read again from there.
        consumer = guarded(app)
        while True:
            await asyncio.sleep(settings.hole_check_s)
            if app.rebalancing or work.closed:
                continue
            sought = await seek_due_holes(
                consumer, settings.traffic_topic, holes, estimates.hole, work
            )
            for partition, offset in sought.items():
                log.warning(
                    "record at %d/%d never reached the agents: reading from it again",
                    partition,
                    offset,
                )
                runtime.metrics.reread.inc()

    app.task(read_holes_again)

    async def release_connections(
        sender: Any, /, *args: Any, signal: Any, **kwargs: Any
    ) -> None:
        await runtime.close()  # after the consumer stopped: nothing calls out now

    app.on_before_shutdown.connect(release_connections)

    export_consumer_health(app, runtime.metrics, settings.traffic_topic)

    @app.page("/metrics")
    async def metrics(web: Any, request: Any) -> Any:
        if not app.rebalancing:
            assignment = app.consumer.assignment()
            estimates.refresh(
                tp.partition for tp in assignment if tp.topic == settings.traffic_topic
            )
            watch.refresh(estimates.buckets(), time.time())
        body = generate_latest(runtime.metrics.registry)
        return web.bytes(body, content_type=CONTENT_TYPE_LATEST.split(";")[0])

    @app.page("/health")
    async def health(web: Any, request: Any) -> Any:
        return web.json({"status": "alive"})

    @app.page("/ready")
    async def ready(web: Any, request: Any) -> Any:
        recovery = app.tables.recovery  # type: ignore[attr-defined]
        if app.rebalancing or not recovery.completed.is_set():
            return web.json({"status": "recovering"}, status=503)
        return web.json({"status": "ready"})

    return app


class TableWindowStore:
    """Time buckets in a faust table, keyed by topic, partition and bucket start.

    Writes go to the changelog partition of the record being processed, which is
    the bucket's own partition: buckets are only written while counting.
    """

    def __init__(self, table: Any, topic: str) -> None:
        self._table = table
        self._topic = topic

    def load(self, partition: int) -> dict[int, dict[str, Any]]:
        """Every stored bucket of `partition`, by bucket start."""
        prefix = f"{self._topic}:{partition}:"
        return {
            int(key.removeprefix(prefix)): value
            for key, value in list(self._table.items())
            if isinstance(key, str) and key.startswith(prefix) and value
        }

    def save(self, partition: int, start: int, bucket: dict[str, Any]) -> None:
        """Store one bucket."""
        self._table[f"{self._topic}:{partition}:{start}"] = bucket

    def delete(self, partition: int, start: int) -> None:
        """Forget one bucket."""
        self._table.pop(f"{self._topic}:{partition}:{start}", None)


def guarded(app: AppT) -> transport.Consumer:
    """The app's consumer, which must be depsim's guarded one."""
    consumer = app.consumer
    if not isinstance(consumer, transport.Consumer):
        raise DepsimError(f"the worker needs the {transport.SCHEME}:// transport")
    return consumer


def _broker_url(bootstrap_servers: str) -> str:
    servers = bootstrap_servers.split(",")
    return ";".join(f"{transport.SCHEME}://{server}" for server in servers)


class DrainingWorker(faust.Worker):
    """A faust worker that finishes in-flight records on SIGTERM before stopping.

    On SIGTERM this worker stops fetching, lets the agents finish the records they
    hold, releases the buffered ones for the partitions' next owner, and commits;
    only then does it stop the usual way, so a restart neither loses nor grades
    again what was in flight. It waits at most `grace_s`; records still in flight
    then are cancelled unacknowledged and come again (counted once, thanks to the
    ledgers, though their graded records are published twice).

    faust's flow control is left alone: events a stream takes while it is
    suspended are skipped (see `streamer.transport`).
    """

    def __init__(
        self, app: faust.App, *, work: InFlight, grace_s: float, **kwargs: Any
    ) -> None:
        super().__init__(app, **kwargs)
        # faust's terminal spinner turns the root logger to DEBUG so that it spins on
        # every log record: every library's debug records are then built and
        # handled (py-spy: 4% of the worker's samples). A daemon has no terminal.
        self.spinner = None
        self.work = work
        self.grace_s = grace_s
        self._draining = False

    def _on_sigterm(self) -> None:
        if self._draining:
            return
        self._draining = True
        self.add_future(self._drain_then_stop())

    async def _drain_then_stop(self) -> None:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.grace_s):
                await _drain(self.app, self.work)
            log.info("drained in %.1fs", time.monotonic() - started)
        except TimeoutError:
            log.warning("records still in flight after %.0fs: stopping", self.grace_s)
        except Exception:  # draining is best effort; stop regardless
            log.exception("draining failed: stopping")
        super()._on_sigterm()


async def _drain(app: AppT, work: InFlight) -> None:
    consumer = guarded(app)
    assignment = consumer.assignment()
    if assignment:
        consumer.pause_partitions(assignment)
    await work.close()
    await consumer.commit()


def run_worker(settings: Settings) -> None:
    """Run the worker until SIGINT or SIGTERM; on SIGTERM, drain, commit, stop."""
    runtime = Runtime.from_settings(settings)
    work = InFlight()
    app = build_app(settings, runtime, work)
    worker = DrainingWorker(
        app,
        work=work,
        grace_s=settings.shutdown_grace_s,
        loglevel=settings.log_level,
        quiet=True,
        redirect_stdouts=False,
    )
    worker.execute_from_commandline()
