"""A plain chat endpoint for depsim's helper models: tool simulator, judges.

Any OpenAI-compatible base URL, called as `graders.chat_api` calls every model: a
pooled `AsyncOpenAI` client, the body posted as built, the reply read lean. One
system and one user message in, text out. Failures become depsim's
`GenerationError`s as the candidate's do (`streamer.candidate.generation_error`),
without the candidate's quota and `Retry-After` handling: the client retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2
import openai

from graders.chat_api import pooled_client, post_completion
from streamer.candidate import generation_error
from streamer.errors import IncompleteReply


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
        self.model = model
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._client = pooled_client(
            base_url=base_url,
            api_key=api_key,
            timeout_s=timeout_s,
            max_retries=max_retries,
            pool_size=pool_size,
            http_client=http_client,
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
            response = await post_completion(self._client, request)
        except openai.APIError as exc:
            raise generation_error(exc) from exc

        if response.text is None:
            raise IncompleteReply("the endpoint returned no text")
        return Completion(
            text=response.text,
            model=response.model,
            prompt_tokens=response.prompt_tokens,
            completion_tokens=response.completion_tokens,
        )

    async def close(self) -> None:
        """Close the connection pool; safe to call twice."""
        await self._client.close()
