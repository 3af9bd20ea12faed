"""A plain chat endpoint for depsim's helper models: tool simulator, judges.

Any OpenAI-compatible base URL, through the `openai` client (`AsyncOpenAI`), one
system and one user message in, text out. Client errors are translated here into
depsim's `GenerationError` tree, as `streamer.candidate` does for the candidate.
"""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class Completion:
    """A helper model's text and what it cost."""

    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int


class ChatEndpoint:
    """One model at one OpenAI-compatible endpoint, asked one question at a time."""

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str,
        timeout_s: float = 60.0,
        max_retries: int = 2,
        max_tokens: int = 1024,
        temperature: float | None = None,
        pool_size: int = 8,
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        limits = httpx2.Limits(
            max_connections=pool_size, max_keepalive_connections=pool_size
        )
        self.model = model
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._client = openai.AsyncOpenAI(
            base_url=base_url,
            api_key=api_key,
            timeout=timeout_s,
            max_retries=max_retries,
            http_client=http_client or httpx2.AsyncClient(limits=limits),
        )

    async def complete(self, system: str, user: str) -> Completion:
        """The model's answer to `user` under `system`; raise `GenerationError`."""
        request: dict[str, Any] = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "max_tokens": self._max_tokens,
        }
        if self._temperature is not None:
            request["temperature"] = self._temperature
        try:
            response = await self._client.chat.completions.create(**request)
        except openai.APIError as exc:
            raise _translate(exc) from exc

        if not response.choices or response.choices[0].message.content is None:
            raise IncompleteReply("the endpoint returned no text")
        usage = response.usage
        return Completion(
            text=response.choices[0].message.content,
            model=str(response.model),
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )

    async def close(self) -> None:
        """Close the connection pool; safe to call twice."""
        await self._client.close()


def _translate(exc: openai.APIError) -> GenerationError:
    if isinstance(exc, openai.RateLimitError):
        return RateLimited("the endpoint is rate limiting")
    if isinstance(exc, openai.APIConnectionError | openai.InternalServerError):
        return EndpointUnavailable(type(exc).__name__)
    if isinstance(exc, openai.APIStatusError):
        return EndpointRejected(f"HTTP {exc.status_code}")
    return GenerationError(type(exc).__name__)
