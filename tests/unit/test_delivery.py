"""Delivery guards: a record is committed only once handled, and handled once."""

from __future__ import annotations

import asyncio
from typing import cast

import faust
import pytest
from faust.types import TP, Message
from faust.types.tuples import ConsumerMessage

from streamer import transport
from streamer.errors import ConfigurationError
from streamer.inflight import Holes, InFlight
from streamer.ledger import Ledger
from streamer.settings import load_settings
from streamer.worker import handle_or_release, seek_due_holes

TOPIC = "depsim.traffic"


@pytest.fixture
def consumer() -> transport.Consumer:
    app = faust.App("delivery-test", broker=f"{transport.SCHEME}://127.0.0.1:1")
    built = app.consumer
    assert isinstance(built, transport.Consumer)
    built.guarded_topics.add(TOPIC)
    return built


async def test_the_kafka_consumer_long_polls_for_the_wait_it_is_given(
    consumer: transport.Consumer,
) -> None:
    consumer.fetch_max_wait_s = 0.05

    thread = consumer._new_consumer_thread()
    kafka_consumer = thread._create_worker_consumer(consumer.transport)

    assert kafka_consumer._fetch_max_wait_ms == 50


def record(offset: int, topic: str = TOPIC) -> ConsumerMessage:
    return ConsumerMessage(topic, 0, offset, 0.0, 0, None, b"key", b"{}", None)


def test_the_depsim_scheme_names_the_guarded_transport() -> None:
    app = faust.App("scheme-test", broker=f"{transport.SCHEME}://127.0.0.1:1")

    assert isinstance(app.consumer, transport.Consumer)


def test_an_unhandled_record_is_released_not_acknowledged(
    consumer: transport.Consumer,
) -> None:
    message = record(7)
    consumer.unacked.add(message)

    accepted = consumer.ack(message)

    assert not accepted
    assert not message.acked
    assert message not in consumer.unacked


def test_a_handled_record_is_acknowledged(consumer: transport.Consumer) -> None:
    message = record(7)

    consumer.handled(message)
    consumer.ack(message)

    assert message.acked


async def test_a_record_whose_publishing_fails_is_released_not_a_dead_agent(
    consumer: transport.Consumer, caplog: pytest.LogCaptureFixture
) -> None:
    message = record(7)
    consumer.unacked.add(message)

    async def broker_gone(message: Message, consumer: transport.Consumer) -> None:
        raise ConnectionError("the broker went away")

    await handle_or_release(broker_gone, message, consumer)
    accepted = consumer.ack(message)

    assert not accepted
    assert message not in consumer.unacked
    assert "not counted (ConnectionError)" in caplog.text


async def test_a_record_handled_without_failure_is_acknowledged(
    consumer: transport.Consumer,
) -> None:
    message = record(7)

    async def grade(message: Message, consumer: transport.Consumer) -> None:
        consumer.handled(message)

    await handle_or_release(grade, message, consumer)
    consumer.ack(message)

    assert message.acked


def test_records_of_other_topics_are_acknowledged_as_faust_does(
    consumer: transport.Consumer,
) -> None:
    message = record(7, topic="depsim.other")

    consumer.ack(message)

    assert message.acked


async def test_a_second_copy_of_a_record_waits_for_the_first() -> None:
    work = InFlight()
    order: list[str] = []
    first_started = asyncio.Event()

    async def first() -> None:
        async with work.record(0, 7):
            first_started.set()
            await asyncio.sleep(0.01)
            order.append("first done")

    async def second() -> None:
        await first_started.wait()
        async with work.record(0, 7):
            order.append("second started")

    await asyncio.gather(first(), second())

    assert order == ["first done", "second started"]


async def test_different_records_are_handled_together() -> None:
    work = InFlight()
    both_inside = asyncio.Barrier(2)

    async def hold(offset: int) -> None:
        async with work.record(0, offset):
            await asyncio.wait_for(both_inside.wait(), timeout=5)

    await asyncio.gather(hold(7), hold(8))


async def test_closing_waits_for_the_records_being_handled() -> None:
    work = InFlight()
    release = asyncio.Event()
    done: list[int] = []

    async def handle() -> None:
        async with work.record(0, 7):
            await release.wait()
            done.append(7)

    task = asyncio.create_task(handle())
    await asyncio.sleep(0)
    closing = asyncio.create_task(work.close())
    await asyncio.sleep(0.01)
    still_waiting = not closing.done()
    release.set()
    await asyncio.gather(task, closing)

    assert still_waiting
    assert work.closed
    assert done == [7]


def test_a_ledger_has_a_hole_below_a_counted_offset() -> None:
    ledger = Ledger()
    for offset in (0, 1, 3, 4):
        ledger.mark(offset)

    assert ledger.hole() == 2


def test_a_ledger_counted_without_gaps_has_no_hole() -> None:
    ledger = Ledger()
    for offset in (0, 1, 2):
        ledger.mark(offset)

    assert ledger.hole() is None


def test_a_hole_is_due_only_after_it_stayed_for_the_grace() -> None:
    now = [0.0]
    holes = Holes(grace_s=10.0, clock=lambda: now[0])

    first_sight = holes.due(0, 16)
    now[0] = 5.0
    too_soon = holes.due(0, 16)
    now[0] = 10.0
    due = holes.due(0, 16)
    right_after = holes.due(0, 16)

    assert (first_sight, too_soon, due, right_after) == (None, None, 16, None)


def test_a_hole_that_moved_starts_its_grace_again() -> None:
    now = [0.0]
    holes = Holes(grace_s=10.0, clock=lambda: now[0])

    holes.due(0, 16)
    now[0] = 10.0
    moved = holes.due(0, 17)
    now[0] = 15.0
    still_waiting = holes.due(0, 17)

    assert (moved, still_waiting) == (None, None)


def test_a_filled_hole_is_forgotten() -> None:
    now = [0.0]
    holes = Holes(grace_s=10.0, clock=lambda: now[0])

    holes.due(0, 16)
    holes.due(0, None)
    now[0] = 10.0

    assert holes.due(0, 16) is None


async def test_a_hole_an_agent_is_handling_is_never_due() -> None:
    now = [0.0]
    holes = Holes(grace_s=10.0, clock=lambda: now[0])
    work = InFlight()
    ledgers = {0: 16, 1: 5}

    async with work.record(0, 16):
        holes.due_in([0, 1], ledgers.get, work)
        now[0] = 20.0
        due_while_handled = holes.due_in([0, 1], ledgers.get, work)

    assert due_while_handled == {1: 5}


def test_only_partitions_with_a_hole_are_due() -> None:
    now = [0.0]
    holes = Holes(grace_s=10.0, clock=lambda: now[0])
    ledgers: dict[int, int | None] = {0: None, 1: 5, 2: None}

    holes.due_in([0, 1, 2], ledgers.get, InFlight())
    now[0] = 10.0
    due = holes.due_in([0, 1, 2], ledgers.get, InFlight())

    assert due == {1: 5}


def test_the_hole_grace_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEPSIM_HOLE_GRACE_S", "30")

    assert load_settings().hole_grace_s == 30.0


def test_a_hole_check_interval_of_zero_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        load_settings(hole_check_s=0)


class SeekingConsumer:
    """The two consumer calls the hole check makes, recorded."""

    def __init__(self, assignment: set[TP]) -> None:
        self._assignment = assignment
        self.sought: list[tuple[TP, int]] = []

    def assignment(self) -> set[TP]:
        return self._assignment

    async def seek(self, partition: TP, offset: int) -> None:
        self.sought.append((partition, offset))


async def test_a_partition_is_sought_back_to_its_hole_once_the_grace_passed() -> None:
    now = [0.0]
    holes = Holes(grace_s=10.0, clock=lambda: now[0])
    consumer = SeekingConsumer({TP(TOPIC, 0), TP(TOPIC, 1), TP("other", 1)})
    ledger = Ledger()
    for offset in (0, 1, 3):
        ledger.mark(offset)
    hole_of = {0: None, 1: ledger.hole()}.get
    seek = cast(transport.Consumer, consumer)

    before_grace = await seek_due_holes(seek, TOPIC, holes, hole_of, InFlight())
    now[0] = 10.0
    after_grace = await seek_due_holes(seek, TOPIC, holes, hole_of, InFlight())

    assert (before_grace, after_grace) == ({}, {1: 2})
    assert consumer.sought == [(TP(TOPIC, 1), 2)]
