"""The OpenAI-compatible chat API, called one way by every model depsim talks to.

The candidate (`streamer.candidate`), the judge (`graders.judge`) and the helper
models (`streamer.agentic.endpoint`) share it: a pooled `AsyncOpenAI` client over
openai's aiohttp transport, the request body posted as built, the reply read into
a lean model of the fields depsim uses, and one classification of the client's
errors as a `Failure`. What a failure means, and whether to retry it, stays with
each caller.

It lives in `graders` because `streamer` imports `graders`, never the reverse.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

import httpx2
import openai
from pydantic import BaseModel

__all__ = [
    "COMPLETIONS_PATH",
    "Choice",
    "Completion",
    "Failure",
    "Usage",
    "classify",
    "describe",
    "pooled_client",
    "post_completion",
]

COMPLETIONS_PATH = "/chat/completions"


class Failure(enum.Enum):
    """What kind of failure an error of the `openai` client is."""

    RATE_LIMITED = "rate_limited"  # 429
    UNAVAILABLE = "unavailable"  # connection refused, reset or timed out; 5xx
    REJECTED = "rejected"  # any other 4xx: the request is wrong
    MALFORMED = "malformed"  # a 200 whose body is not a whole completion
    OTHER = "other"


class Choice(BaseModel):
    """One choice of a completion: its message as sent, and why it ended."""

    finish_reason: str | None = None
    message: dict[str, Any]


class Usage(BaseModel):
    """The tokens a completion cost."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


class Completion(BaseModel):
    """The parts of a chat completion depsim reads, checked as the body is parsed.

    Read straight from the body's JSON: building the client's full `ChatCompletion`
    model for every reply cost a fifth of the call's CPU (bench/throughput.py).
    """

    model: str = ""
    choices: list[Choice] = []
    usage: Usage | None = None

    @property
    def text(self) -> str | None:
        """The first choice's text; None without a choice or text content."""
        return self._first_message_str("content")

    @property
    def refusal(self) -> str | None:
        """The first choice's refusal, when the model stated one."""
        return self._first_message_str("refusal")

    @property
    def prompt_tokens(self) -> int:
        """The prompt's tokens; 0 when the body gave no usage."""
        return self.usage.prompt_tokens if self.usage else 0

    @property
    def completion_tokens(self) -> int:
        """The reply's tokens; 0 when the body gave no usage."""
        return self.usage.completion_tokens if self.usage else 0

    def _first_message_str(self, key: str) -> str | None:
        if not self.choices:
            return None
        value = self.choices[0].message.get(key)
        return value if isinstance(value, str) else None


def pooled_client(
    *,
    base_url: str,
    api_key: str,
    timeout_s: float,
    max_retries: int,
    pool_size: int,
    http_client: httpx2.AsyncClient | None = None,
) -> openai.AsyncOpenAI:
    """A client keeping up to `pool_size` connections alive; `close()` it when done.

    The wire is openai's aiohttp transport, which parses responses in C: on the
    benchmark it cost a fifth less CPU per call than httpx's own. Redirects are not
    followed, as with a plain httpx client. Tests inject `http_client`.
    """
    if http_client is None:
        limits = httpx2.Limits(
            max_connections=pool_size, max_keepalive_connections=pool_size
        )
        http_client = openai.DefaultAioHttpClient(limits=limits, follow_redirects=False)
    return openai.AsyncOpenAI(
        base_url=base_url,
        api_key=api_key,
        timeout=timeout_s,
        max_retries=max_retries,
        http_client=http_client,
    )


async def post_completion(
    client: openai.AsyncOpenAI, request: Mapping[str, Any]
) -> Completion:
    """POST `request` to the completions path as it stands; the completion read.

    The body must be JSON-ready: `chat.completions.create` would walk it against
    the client's TypedDicts and build the full `ChatCompletion` model, which cost
    more CPU than the rest of the call (bench/throughput.py). Raises the client's
    `openai.APIError`s, `openai.APIResponseValidationError` (`MALFORMED`) for a
    body cut short or not a completion, and `openai.APIConnectionError`
    (`UNAVAILABLE`) for any other exception from the client: it wraps its
    transport's errors, but not all of them (aiohttp has raised AttributeError on a
    connection torn down mid-response), and to its callers that is a failed exchange.
    """
    try:
        response = await client.post(
            COMPLETIONS_PATH, cast_to=httpx2.Response, body=request
        )
    except openai.APIError:
        raise
    except Exception as exc:
        url = client.base_url.join(COMPLETIONS_PATH.lstrip("/"))
        raise openai.APIConnectionError(
            message=f"client error {type(exc).__name__}",
            request=httpx2.Request("POST", url),
        ) from exc
    try:
        return Completion.model_validate_json(response.content)
    except ValueError as exc:  # a pydantic ValidationError is a ValueError too
        raise openai.APIResponseValidationError(
            response, None, message="the reply body was not a whole completion"
        ) from exc


def classify(exc: openai.APIError) -> Failure:
    """The kind of failure `exc` is; each caller decides what that means to it."""
    if isinstance(exc, openai.RateLimitError):
        return Failure.RATE_LIMITED
    if isinstance(exc, openai.APIConnectionError | openai.InternalServerError):
        return Failure.UNAVAILABLE
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code >= 500:
            return Failure.UNAVAILABLE
        return Failure.REJECTED
    if isinstance(exc, openai.APIResponseValidationError):
        return Failure.MALFORMED
    return Failure.OTHER


def describe(exc: openai.APIError) -> str:
    """A short account of `exc` without the endpoint's words: status or type.

    A connection error's message is the client's or depsim's own, never the
    endpoint's, so it is kept.
    """
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    if isinstance(exc, openai.APIConnectionError):
        return f"{type(exc).__name__}: {exc.message}"
    return type(exc).__name__
