"""The helper models' `ChatEndpoint` against scripted answers over real HTTP."""

from __future__ import annotations

import pytest
from aiohttp import web

from streamer.agentic.endpoint import ChatEndpoint
from streamer.errors import (
    EndpointRejected,
    EndpointUnavailable,
    GenerationError,
    IncompleteReply,
    RateLimited,
)
from tests.agentic.helpers import Serve


def answering(status: int, body: bytes) -> web.Application:
    """An endpoint that answers every completion request with `status` and `body`."""

    async def completions(request: web.Request) -> web.Response:
        return web.Response(status=status, body=body, content_type="application/json")

    app = web.Application()
    app.router.add_post("/v1/chat/completions", completions)
    return app


async def ask(serve: Serve, status: int, body: bytes) -> None:
    endpoint = ChatEndpoint(
        base_url=await serve(answering(status, body)),
        model="helper",
        api_key="unused",
        max_retries=0,
    )
    try:
        await endpoint.complete("system", "user")
    finally:
        await endpoint.close()


async def test_a_completion_gives_its_text_and_tokens(serve: Serve) -> None:
    body = (
        b'{"model": "helper", "choices": [{"message": {"content": "hi"}}],'
        b' "usage": {"prompt_tokens": 4, "completion_tokens": 1}}'
    )
    endpoint = ChatEndpoint(
        base_url=await serve(answering(200, body)), model="helper", api_key="unused"
    )

    completion = await endpoint.complete("system", "user")
    await endpoint.close()

    assert (completion.text, completion.model) == ("hi", "helper")
    assert (completion.prompt_tokens, completion.completion_tokens) == (4, 1)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (429, b'{"error": {"code": "rate_limit_exceeded"}}', RateLimited),
        (429, b'{"error": {"code": "insufficient_quota"}}', RateLimited),  # no stop
        (503, b'{"error": {"message": "down"}}', EndpointUnavailable),
        (400, b'{"error": {"message": "bad"}}', EndpointRejected),
        (200, b'{"choices": [', IncompleteReply),  # the JSON ends half-way
        (200, b'{"choices": "none"}', IncompleteReply),  # JSON, not a completion
        (200, b'{"choices": [{"message": {"content": null}}]}', IncompleteReply),
    ],
)
async def test_each_failure_is_the_generation_error_of_its_kind(
    serve: Serve, status: int, body: bytes, error: type[GenerationError]
) -> None:
    with pytest.raises(error):
        await ask(serve, status, body)
