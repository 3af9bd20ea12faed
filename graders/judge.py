"""The LLM judge: a rubric per category, sent to any OpenAI-compatible endpoint.

One request per reply grades every category the judge is given (the rubric lists
them all), which keeps cost at one call per reply. The reply is parsed tolerantly
(`graders.judge_output`); an unreadable or incomplete answer is asked for once
more, then the best answer read is used, or the result is a `grader_error`. A
judge may not be the candidate model: a model grading its own replies would share
their blind spots, so that configuration is refused when the judge is built. The
endpoint is called as `graders.chat_api` calls every model depsim talks to.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx2
import openai

from graders.chat_api import Failure, classify, pooled_client, post_completion
from graders.errors import JudgeConfigError, JudgeOutputError
from graders.exchange import Exchange
from graders.judge_output import ParsedJudgement, parse_judge_output
from graders.judge_prompt import build_messages, rubric
from graders.taxonomy import Category
from graders.verdicts import GraderResult, Status

__all__ = ["JudgeEndpoint", "LLMJudge"]

log = logging.getLogger(__name__)

ATTEMPTS = 2


@dataclass(frozen=True)
class JudgeEndpoint:
    """Where the judge model is served and how long to wait for it."""

    base_url: str
    model: str
    api_key: str = field(default="not-needed", repr=False)
    timeout_s: float = 30.0
    max_retries: int = 1
    deadline_s: float = 90.0
    concurrency: int = 16
    max_tokens: int = 2048
    json_mode: bool = False

    @classmethod
    def configured(
        cls, base_url: str, model: str, api_key: str, *, concurrency: int = 16
    ) -> JudgeEndpoint | None:
        """An endpoint from settings, or None when no base URL is set (no judge)."""
        if not base_url:
            return None
        return cls(
            base_url=base_url,
            model=model,
            api_key=api_key or "not-needed",
            concurrency=concurrency,
        )


class LLMJudge:
    """Grades replies with an LLM against the taxonomy's rubric."""

    name = "judge"

    def __init__(
        self,
        endpoint: JudgeEndpoint,
        categories: Sequence[Category],
        *,
        candidate_models: Iterable[str] = (),
        http_client: httpx2.AsyncClient | None = None,
    ) -> None:
        _check_endpoint(endpoint, candidate_models)
        if not categories:
            raise JudgeConfigError("the judge was given no categories to grade")
        self.endpoint = endpoint
        self.rubric = tuple(categories)
        self.categories = frozenset(category.id for category in categories)
        digest = hashlib.sha256(rubric(self.rubric).encode("utf-8")).hexdigest()
        self.version = f"{endpoint.model}+rubric.{digest[:8]}"
        self._client = pooled_client(
            base_url=endpoint.base_url,
            api_key=endpoint.api_key,
            timeout_s=endpoint.timeout_s,
            max_retries=endpoint.max_retries,
            pool_size=endpoint.concurrency,
            http_client=http_client,
        )
        self._slots = asyncio.Semaphore(endpoint.concurrency)

    async def grade(self, exchange: Exchange) -> GraderResult:
        """Grade one reply; never raises for a failing or confused judge."""
        if exchange.reply_is_empty:
            return self._non_result(Status.NOT_EVALUABLE, "empty_reply")
        try:
            async with asyncio.timeout(self.endpoint.deadline_s):
                return await self._grade(exchange)
        except TimeoutError:
            log.warning("judge %s exceeded its deadline", self.endpoint.model)
            return self._non_result(Status.GRADER_ERROR, "judge_timeout")

    async def close(self) -> None:
        """Close the connection pool; safe to call twice."""
        await self._client.close()

    async def _grade(self, exchange: Exchange) -> GraderResult:
        best: ParsedJudgement | None = None
        reason = "unreadable"
        attempts = 0
        for attempt in range(ATTEMPTS):
            attempts += 1
            try:
                text = await self._ask(exchange, retry=attempt > 0)
                parsed = parse_judge_output(text, self.categories)
            except openai.APIError as exc:
                log.error("judge call failed: %s", type(exc).__name__)
                return self._non_result(Status.GRADER_ERROR, _api_reason(exc))
            except JudgeOutputError as exc:
                reason = exc.reason
                continue
            if best is None or len(parsed.verdicts) > len(best.verdicts):
                best = parsed
            if parsed.complete:
                break

        if best is None:
            log.warning("judge answer unusable after %d attempts: %s", attempts, reason)
            return self._non_result(Status.GRADER_ERROR, reason)
        extra: dict[str, Any] = {"attempts": attempts}
        if best.missing:
            extra["missing"] = sorted(best.missing)
        return GraderResult(
            self.name, self.version, Status.OK, best.verdicts, extra=extra
        )

    async def _ask(self, exchange: Exchange, *, retry: bool) -> str:
        request: dict[str, Any] = {
            "model": self.endpoint.model,
            "messages": build_messages(exchange, self.rubric, retry=retry),
            "temperature": 0,
            "max_tokens": self.endpoint.max_tokens,
        }
        if self.endpoint.json_mode:
            request["response_format"] = {"type": "json_object"}
        try:
            async with self._slots:
                response = await post_completion(self._client, request)
        except openai.APIError as exc:
            if classify(exc) is not Failure.MALFORMED:
                raise
            raise JudgeOutputError("unreadable", "not a whole completion") from exc

        if not response.choices:
            raise JudgeOutputError("empty")
        if response.refusal:
            raise JudgeOutputError("judge_refused")
        return response.text or ""

    def _non_result(self, status: Status, reason: str) -> GraderResult:
        return GraderResult.non_result(self.name, self.version, status, reason)


def _check_endpoint(endpoint: JudgeEndpoint, candidate_models: Iterable[str]) -> None:
    if not endpoint.base_url or not endpoint.model:
        raise JudgeConfigError("a judge needs both a base URL and a model name")
    own = _model_key(endpoint.model)
    if any(own == _model_key(model) for model in candidate_models if model):
        raise JudgeConfigError(
            f"the judge model {endpoint.model!r} is the candidate model: a model may "
            "not grade its own replies; set DEPSIM_JUDGE_MODEL to a different model"
        )


def _model_key(model: str) -> str:
    """A model name without provider prefix, version suffix or case."""
    return model.strip().lower().rsplit("/", 1)[-1].split("@", 1)[0]


_REASONS = {  # a MALFORMED body is an unreadable answer (`_ask`); the rest fail
    Failure.RATE_LIMITED: "judge_rate_limited",
    Failure.UNAVAILABLE: "judge_unavailable",
    Failure.REJECTED: "judge_rejected",
}


def _api_reason(exc: openai.APIError) -> str:
    return _REASONS.get(classify(exc), "judge_failed")
