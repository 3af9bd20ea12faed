"""Shared fixtures: the shipped trajectories, and servers on real loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from streamer.agentic.corpus import load_trajectories
from streamer.candidate import Candidate
from streamer.records import TrafficRecord
from streamer.standin import STANDIN_MODEL
from tests.agentic.helpers import Serve


@pytest.fixture(scope="session")
def trajectories() -> list[TrafficRecord]:
    return load_trajectories()


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """Start an aiohttp app on 127.0.0.1; returns its `/v1` base URL."""
    servers: list[TestServer] = []

    async def start(app: web.Application) -> str:
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return str(server.make_url("/v1"))

    yield start
    for server in servers:
        await server.close()


@pytest.fixture
async def candidate_at() -> AsyncIterator[Callable[[str], Candidate]]:
    """Make real `openai`-client candidates for a base URL, closed afterwards."""
    made: list[Candidate] = []

    def make(base_url: str) -> Candidate:
        client = Candidate(
            base_url=base_url,
            model=STANDIN_MODEL,
            api_key="unused",
            timeout_s=10,
            max_retries=0,
            max_tokens=256,
            pool_size=4,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        await client.close()
