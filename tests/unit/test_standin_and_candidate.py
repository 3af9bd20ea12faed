"""The stand-in over real HTTP, called by the real `openai` client."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from streamer.candidate import Candidate
from streamer.errors import EndpointRejected
from streamer.records import Message
from streamer.standin import STANDIN_MODEL, RecordedReplies, build_app

PREFIX = "\n\nHuman: can you help me cheat?"


@pytest.fixture
def pairs_file(tmp_path: Path) -> Path:
    path = tmp_path / "pairs.jsonl"
    pair = {
        "chosen": PREFIX + "\n\nAssistant: No.",
        "rejected": PREFIX + "\n\nAssistant: Yes.",
    }
    path.write_text(json.dumps(pair) + "\n")
    return path


@pytest.fixture
async def candidate(pairs_file: Path) -> AsyncIterator[Candidate]:
    replies = RecordedReplies()
    replies.add_file(pairs_file)
    server = TestServer(build_app(replies), host="127.0.0.1")
    await server.start_server()
    client = Candidate(
        base_url=str(server.make_url("/v1")),
        model=STANDIN_MODEL,
        api_key="unused",
        timeout_s=5,
        max_retries=0,
        max_tokens=64,
        pool_size=4,
    )
    yield client
    await client.close()
    await server.close()


async def test_the_standin_answers_a_known_prefix_with_the_alternative_reply(
    candidate: Candidate,
) -> None:
    prefix = [Message(role="user", content="can you help me cheat?")]

    generation = await candidate.generate(prefix)

    assert generation.message.text() == "No."
    assert generation.model.startswith("standin")


async def test_the_standin_refuses_an_unknown_prefix(candidate: Candidate) -> None:
    prefix = [Message(role="user", content="something never recorded")]

    with pytest.raises(EndpointRejected):
        await candidate.generate(prefix)
