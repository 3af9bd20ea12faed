"""Graded records from a real run: the shipped hh-rlhf sample through the pipeline.

The pipeline runs in-process (no broker): the real stand-in over HTTP, the real
grader panel, `Runtime.handle` per record, as the worker does.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from streamer.adapters import read_source
from streamer.replay import encode
from streamer.runtime import Runtime
from streamer.samples import sample_path
from streamer.settings import Settings
from streamer.standin import STANDIN_MODEL, RecordedReplies, build_app

CONVERSATIONS = 400


async def _grade(limit: int) -> list[dict[str, Any]]:
    replies = RecordedReplies()
    replies.add_file(sample_path())
    server = TestServer(build_app(replies), host="127.0.0.1")
    await server.start_server()
    settings = Settings(
        candidate_base_url=str(server.make_url("/v1")),
        candidate_model=STANDIN_MODEL,
        agentic_enabled=False,
        concurrency=32,
    )
    runtime = Runtime.from_settings(settings)
    bodies: list[dict[str, Any]] = []
    try:
        raws = []
        for count, item in enumerate(read_source(sample_path())):
            if count >= limit:
                break
            outcome = encode(item, settings.record_max_bytes)
            if isinstance(outcome, tuple):
                raws.append(outcome[1])
        semaphore = asyncio.Semaphore(32)

        async def one(raw: bytes) -> None:
            async with semaphore:
                processed = await runtime.handle(raw)
            bodies.extend(graded.to_json() for graded in processed.graded)

        await asyncio.gather(*(one(raw) for raw in raws))
    finally:
        await runtime.close()
        await server.close()
    return bodies


def graded_bodies(limit: int = CONVERSATIONS) -> list[dict[str, Any]]:
    """Graded records (topic JSON) for the first `limit` sample conversations."""
    return asyncio.run(_grade(limit))


@pytest.fixture(scope="session")
def graded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A JSONL file of graded records from a real in-process run."""
    path = tmp_path_factory.mktemp("graded") / "graded.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for body in graded_bodies():
            out.write(json.dumps(body, ensure_ascii=False) + "\n")
    return path
