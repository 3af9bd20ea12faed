"""The candidate model behind any OpenAI-compatible endpoint, via the `openai` client.

One `AsyncOpenAI` client per worker keeps a pool of kept-alive connections sized to
the worker's concurrency. Errors from the client are translated here, once, into
depsim's `GenerationError` tree.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx2
import openai

from streamer.errors import (
    EndpointRejected,
    EndpointUnavailable,
    GenerationError,
    IncompleteReply,
    RateLimited,
)
from streamer.records import Message, ToolSpec


@dataclass(frozen=True, slots=True)
class Generation:
    """A reply the candidate produced, with what it cost."""

    message: Message
    model: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float


class Candidate:
    """Regenerates replies with one model at one OpenAI-compatible endpoint."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str,
        timeout_s: float,
        max_retries: int,
        max_tokens: int,
        pool_size: int,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        limits = httpx2.Limits(
            max_connections=pool_size, max_keepalive_connections=pool_size
        )
        self.model = model
        self._max_tokens = max_tokens
        self._client = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key,
            timeout=timeout_s,
            max_retries=max_retries,
            http_client=http_client or httpx2.AsyncClient(limits=limits),
        )

    async def generate(
        self, prefix: Sequence[Message], tools: Sequence[ToolSpec] | None = None
    ) -> Generation:
        """Ask the candidate for the next assistant turn after `prefix`."""
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [message.to_openai() for message in prefix],
            "max_tokens": self._max_tokens,
        }
        if tools:
            request["tools"] = [tool.model_dump(mode="json") for tool in tools]

        started = time.perf_counter()
        try:
            response = await self._client.chat.completions.create(**request)
        except openai.APIError as exc:
            raise _translate(exc) from exc
        latency = time.perf_counter() - started

        return _generation(response, latency)

    async def close(self) -> None:
        """Close the connection pool; safe to call twice."""
        await self._client.close()


def _generation(response: Any, latency_s: float) -> Generation:
    if not response.choices:
        raise IncompleteReply("the endpoint returned no choices")
    choice = response.choices[0]
    if choice.finish_reason == "length":
        raise IncompleteReply("the reply was cut at the token limit")

    raw = choice.message.model_dump(exclude_none=True)
    message = Message.model_validate(
        {
            "role": "assistant",
            "content": raw.get("content"),
            "tool_calls": [
                {"id": c["id"], "type": "function", "function": c["function"]}
                for c in raw.get("tool_calls", [])
            ]
            or None,
            "refusal": raw.get("refusal"),
        },
        strict=False,
    )
    usage = response.usage
    return Generation(
        message=message,
        model=str(response.model),
        finish_reason=str(choice.finish_reason),
        prompt_tokens=usage.prompt_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
        latency_s=latency_s,
    )


def _translate(exc: openai.APIError) -> GenerationError:
    """Map the client's errors onto depsim's, keeping the endpoint's words out."""
    if isinstance(exc, openai.RateLimitError):
        retry_after = exc.response.headers.get("retry-after")
        seconds = float(retry_after) if retry_after and retry_after.isdigit() else None
        return RateLimited("the endpoint is rate limiting", retry_after_s=seconds)
    if isinstance(exc, openai.APIConnectionError | openai.InternalServerError):
        return EndpointUnavailable(type(exc).__name__)
    if isinstance(exc, openai.APIStatusError):
        return EndpointRejected(f"HTTP {exc.status_code}")
    return GenerationError(type(exc).__name__)
