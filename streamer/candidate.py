"""The candidate model behind any OpenAI-compatible endpoint, via the `openai` client.

One `AsyncOpenAI` client per worker keeps a pool of kept-alive connections sized to
the worker's concurrency, set up, called and classified as `graders.chat_api` does
for every model depsim calls. Its failures are translated here, once, into depsim's
`GenerationError` tree, and one retry policy applies (the client's own retries are
off):

- 429 waits the endpoint's `Retry-After`; 5xx and connection errors wait a jittered
  exponential back-off up to a cap (tenacity), both for at most `max_retries` more
  tries; what to retry is read from the error's `retriable` flag;
- 429 `insufficient_quota` is not retried: calls stop for `quota_recheck_s` and the
  quota gauge raises an alert;
- the whole call, retries and waits included, is cut at a wall-clock deadline, so a
  hanging or trickling endpoint cannot hold a record;
- failures retries could not fix count towards the endpoint's circuit breaker, and
  while it is open no call goes out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx2
import openai
from pydantic import ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from graders import chat_api
from streamer.breaker import CircuitBreaker
from streamer.errors import (
    DepsimError,
    EndpointRejected,
    EndpointUnavailable,
    GenerationError,
    GenerationTimeout,
    IncompleteReply,
    QuotaExhausted,
    RateLimited,
)
from streamer.metrics import Metrics
from streamer.records import Message, ToolSpec

log = logging.getLogger(__name__)

ROLE = "candidate"
QUOTA_CODE = "insufficient_quota"


@dataclass(frozen=True, slots=True)
class Generation:
    """A reply the candidate produced, with what it cost."""

    message: Message
    model: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float


@dataclass(frozen=True, slots=True)
class CallPolicy:
    """How long, how often and how patiently to call one endpoint."""

    deadline_s: float = 60.0
    backoff_initial_s: float = 0.5
    backoff_cap_s: float = 10.0
    breaker_threshold: int = 5
    breaker_cooldown_s: float = 30.0
    quota_recheck_s: float = 300.0


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
        policy: CallPolicy | None = None,
        metrics: Metrics | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model = model
        self.policy = policy or CallPolicy(deadline_s=timeout_s)
        self._max_tokens = max_tokens
        self._max_retries = max_retries
        self._metrics = metrics
        self._clock = clock
        self._quota_until: float | None = None
        self.breaker = CircuitBreaker(
            threshold=self.policy.breaker_threshold,
            cooldown_s=self.policy.breaker_cooldown_s,
            on_change=self._breaker_changed,
            clock=clock,
        )
        self._client = chat_api.pooled_client(
            base_url=base_url,
            api_key=api_key,
            timeout_s=timeout_s,
            max_retries=0,  # one retry policy: ours, below
            pool_size=pool_size,
            http_client=http_client,
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
        self._check_quota()
        self.breaker.before_call()

        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.policy.deadline_s):
                response = await self._call_with_retries(request)
        except TimeoutError as exc:
            self.breaker.record_failure()
            raise GenerationTimeout(f"no reply in {self.policy.deadline_s}s") from exc
        except QuotaExhausted:
            self._quota_spent()
            self.breaker.record_neutral()
            raise
        except GenerationError as failure:
            if failure.retriable:
                self.breaker.record_failure()
            else:
                self.breaker.record_neutral()
            raise
        except asyncio.CancelledError:
            self.breaker.record_neutral()  # a cancelled probe must not wedge it open
            raise
        latency = time.perf_counter() - started
        self.breaker.record_success()
        self._quota_back()

        return _generation(response, latency)

    async def close(self) -> None:
        """Close the connection pool; safe to call twice."""
        await self._client.close()

    async def _call_with_retries(self, request: dict[str, Any]) -> chat_api.Completion:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_retries + 1),
            wait=_RetryAfterOrBackoff(
                self.policy.backoff_initial_s, self.policy.backoff_cap_s
            ),
            retry=retry_if_exception(_is_retriable),
            before_sleep=self._count_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._call_once(request)
        raise AssertionError("tenacity ends with a result or an exception")

    async def _call_once(self, request: dict[str, Any]) -> chat_api.Completion:
        """One POST of the request as it stands, and the completion it got.

        `Message.to_openai` made the body JSON-ready, so it is posted as is.
        """
        try:
            return await chat_api.post_completion(self._client, request)
        except openai.APIError as exc:
            raise _translate(exc) from exc

    def _count_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        reason = getattr(error, "reason", "other")
        log.warning("retrying the candidate after %s", reason)
        if self._metrics is not None:
            self._metrics.observe_retry(ROLE, self.model, str(reason))

    def _check_quota(self) -> None:
        if self._quota_until is not None and self._clock() < self._quota_until:
            raise QuotaExhausted("the endpoint's quota is spent; not calling it")

    def _quota_spent(self) -> None:
        if self._quota_until is None:
            log.error("candidate %s: quota exhausted, calls stopped", self.model)
            if self._metrics is not None:
                self._metrics.set_quota_exhausted(ROLE, self.model, True)
        self._quota_until = self._clock() + self.policy.quota_recheck_s

    def _quota_back(self) -> None:
        if self._quota_until is not None:
            self._quota_until = None
            if self._metrics is not None:
                self._metrics.set_quota_exhausted(ROLE, self.model, False)

    def _breaker_changed(self, is_open: bool) -> None:
        if is_open:
            log.error("candidate %s: circuit open, calls skipped", self.model)
        else:
            log.warning("candidate %s: circuit closed again", self.model)
        if self._metrics is not None:
            self._metrics.set_circuit_open(ROLE, self.model, is_open)


class _RetryAfterOrBackoff:
    """Wait what a 429 asked for, else a jittered exponential back-off."""

    def __init__(self, initial_s: float, cap_s: float) -> None:
        self._backoff = wait_random_exponential(multiplier=initial_s, max=cap_s)

    def __call__(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = getattr(error, "retry_after_s", None)
        if isinstance(retry_after, float):
            return retry_after  # the deadline bounds it, not the back-off cap
        return float(self._backoff(state))


def _is_retriable(error: BaseException) -> bool:
    return isinstance(error, DepsimError) and error.retriable


def _generation(response: chat_api.Completion, latency_s: float) -> Generation:
    if not response.choices:
        raise IncompleteReply("the endpoint returned no choices")
    choice = response.choices[0]
    if choice.finish_reason == "length":
        raise IncompleteReply("the reply was cut at the token limit")

    return Generation(
        message=_reply_message(choice.message),
        model=response.model,
        finish_reason=str(choice.finish_reason),
        prompt_tokens=response.prompt_tokens,
        completion_tokens=response.completion_tokens,
        latency_s=latency_s,
    )


def _reply_message(raw: dict[str, Any]) -> Message:
    """The completion's message as a record's assistant turn."""
    try:
        return Message.model_validate(
            {
                "role": "assistant",
                "content": raw.get("content"),
                "tool_calls": [
                    {"id": c["id"], "type": "function", "function": c["function"]}
                    for c in raw.get("tool_calls") or []
                ]
                or None,
                "refusal": raw.get("refusal"),
            },
            strict=False,
        )
    except (ValidationError, KeyError, TypeError) as exc:
        raise IncompleteReply("the reply message was not a chat message") from exc


def generation_error(exc: openai.APIError) -> GenerationError:
    """The client's error as depsim's, keeping the endpoint's words out.

    A 429 is plain `RateLimited` here; the candidate reads its quota code and
    `Retry-After` first (`_translate`). The helper models' endpoint uses this as is.
    """
    failure = chat_api.classify(exc)
    if failure is chat_api.Failure.RATE_LIMITED:
        return RateLimited("the endpoint is rate limiting")
    if failure is chat_api.Failure.UNAVAILABLE:
        return EndpointUnavailable(chat_api.describe(exc))
    if failure is chat_api.Failure.REJECTED:
        return EndpointRejected(chat_api.describe(exc))
    if failure is chat_api.Failure.MALFORMED:
        return IncompleteReply("the reply body was not a whole completion")
    return GenerationError(chat_api.describe(exc))


def _translate(exc: openai.APIError) -> GenerationError:
    """`generation_error`, with a 429's quota code and `Retry-After` read."""
    if not isinstance(exc, openai.RateLimitError):
        return generation_error(exc)
    if _error_code(exc) == QUOTA_CODE:
        return QuotaExhausted("the endpoint's quota is spent")
    return RateLimited("the endpoint is rate limiting", retry_after_s=_retry_after(exc))


def _error_code(exc: openai.APIStatusError) -> str | None:
    code = getattr(exc, "code", None)
    if code:
        return str(code)
    body = exc.body if isinstance(exc.body, dict) else {}
    inner = body.get("error", body)
    return str(inner.get("code")) if isinstance(inner, dict) else None


def _retry_after(exc: openai.APIStatusError) -> float | None:
    """The delay a 429 asked for, from `retry-after-ms` or `retry-after` (seconds)."""
    headers = exc.response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            continue  # an HTTP date: fall back to the back-off
        if seconds >= 0:
            return seconds
    return None
