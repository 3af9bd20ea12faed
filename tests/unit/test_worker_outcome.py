"""A record's outcome in the worker: what the pipeline made of it, or a dead letter."""

from __future__ import annotations

import asyncio
import logging

import pytest

from streamer.pipeline import Processed
from streamer.reasons import Reason
from streamer.worker import outcome

SECRET = "my card is 4111 1111 1111 1111"


async def failing(raw: bytes) -> Processed:
    raise KeyError(SECRET)


async def hanging(raw: bytes) -> Processed:
    await asyncio.sleep(60)
    return Processed()


async def test_what_the_pipeline_made_of_a_record_is_its_outcome() -> None:
    made = Processed()

    async def pipeline(raw: bytes) -> Processed:
        return made

    assert await outcome(pipeline, b"{}", (0, 7), deadline_s=5) is made


async def test_a_record_whose_handling_raises_is_an_internal_error() -> None:
    processed = await outcome(failing, b"{}", (2, 41), deadline_s=5)

    dead = processed.dead_letter
    assert dead is not None
    assert (dead.reason, dead.detail) == (Reason.INTERNAL_ERROR, "KeyError")
    assert dead.source == {"partition": 2, "offset": 41}


async def test_a_record_past_its_deadline_is_dead_lettered() -> None:
    processed = await outcome(hanging, b"{}", (1, 3), deadline_s=0.01)

    assert processed.dead_letter is not None
    assert processed.dead_letter.reason == Reason.DEADLINE_EXCEEDED


async def test_a_failure_is_logged_with_its_position_and_type_but_not_its_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="streamer.worker"):
        await outcome(failing, b"{}", (2, 41), deadline_s=5)

    assert "2/41" in caplog.text
    assert "KeyError" in caplog.text
    assert "4111" not in caplog.text
