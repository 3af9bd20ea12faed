"""What the candidate sends and reads: the body as built; completions, or not."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from streamer.candidate import Candidate
from streamer.errors import IncompleteReply
from streamer.records import Message, ToolSpec

COMPLETION = {
    "id": "c-1",
    "object": "chat.completion",
    "created": 0,
    "model": "m",
    "choices": [
        {
            "index": 0,
            "finish_reason": "stop",
            "message": {"role": "assistant", "content": "Hello."},
        }
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
}


def recording_client(
    bodies: list[dict[str, Any]], reply: Any = COMPLETION
) -> httpx2.AsyncClient:
    def answer(request: httpx2.Request) -> httpx2.Response:
        bodies.append(json.loads(request.content))
        return httpx2.Response(200, json=reply)

    return httpx2.AsyncClient(transport=httpx2.MockTransport(answer))


def candidate_with(client: httpx2.AsyncClient) -> Candidate:
    return Candidate(
        base_url="http://candidate.test/v1",
        model="m",
        api_key="k",
        timeout_s=5,
        max_retries=0,
        max_tokens=64,
        pool_size=1,
        http_client=client,
    )


async def test_the_body_is_the_prefix_and_tools_as_the_api_takes_them() -> None:
    bodies: list[dict[str, Any]] = []
    candidate = candidate_with(recording_client(bodies))
    prefix = [Message(role="user", content="hi")]
    tool = ToolSpec.model_validate(
        {"type": "function", "function": {"name": "search", "parameters": {}}}
    )

    generation = await candidate.generate(prefix, [tool])
    await candidate.close()

    assert bodies == [
        {
            "model": "m",
            "messages": [{"role": "user", "content": "hi"}],
            "max_tokens": 64,
            "tools": [tool.model_dump(mode="json")],
        }
    ]
    assert generation.message.text() == "Hello."
    assert generation.prompt_tokens == 3


@pytest.mark.parametrize(
    "reply",
    [
        {"choices": "none"},  # JSON, but not a completion
        {"choices": [{"finish_reason": "stop"}]},  # a choice without a message
        {"choices": [{"message": {"content": "hi", "tool_calls": [{"id": "1"}]}}]},
        {"choices": [{"message": {"content": 42}}]},  # content of no known shape
    ],
)
async def test_a_body_that_is_not_a_usable_completion_is_incomplete(reply: Any) -> None:
    candidate = candidate_with(recording_client([], reply))

    with pytest.raises(IncompleteReply):
        await candidate.generate([Message(role="user", content="hi")])
    await candidate.close()


async def test_a_completion_without_usage_costs_no_tokens() -> None:
    reply = {"model": "m", "choices": [{"message": {"content": "Hello."}}]}
    candidate = candidate_with(recording_client([], reply))

    generation = await candidate.generate([Message(role="user", content="hi")])
    await candidate.close()

    assert (generation.prompt_tokens, generation.completion_tokens) == (0, 0)
