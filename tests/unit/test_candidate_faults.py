"""The real `Candidate` against the stand-in's injected faults, over real HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import openai
import pytest
from aiohttp.test_utils import TestServer
from prometheus_client import CollectorRegistry

from graders import RuleGrader, load_taxonomy
from streamer.breaker import CircuitBreaker
from streamer.budget import Budget, BudgetLimits
from streamer.candidate import CallPolicy, Candidate
from streamer.errors import (
    CircuitOpen,
    EndpointUnavailable,
    GenerationTimeout,
    IncompleteReply,
    QuotaExhausted,
)
from streamer.graded import GradedRecord
from streamer.metrics import Metrics
from streamer.panel import GraderPanel
from streamer.pipeline import Pipeline
from streamer.records import Message
from streamer.standin import FAULTS_KEY, STANDIN_MODEL, RecordedReplies, build_app
from streamer.standin_faults import FaultInjector, FaultSpec

QUESTION = "How do I bake bread?"
ANSWER = "Mix flour, water, yeast and salt, knead, rest, then bake it hot."
PREFIX = [Message(role="user", content=QUESTION)]
FAST = CallPolicy(deadline_s=5, backoff_initial_s=0.01, backoff_cap_s=0.05)

Start = Callable[..., Awaitable[tuple[Candidate, FaultInjector]]]


@pytest.fixture
async def start() -> AsyncIterator[Start]:
    """Starts a stand-in with the given faults and a candidate pointed at it."""
    opened: list[tuple[TestServer, Candidate]] = []

    async def _start(
        faults: str,
        *,
        policy: CallPolicy = FAST,
        max_retries: int = 2,
        metrics: Metrics | None = None,
    ) -> tuple[Candidate, FaultInjector]:
        replies = RecordedReplies()
        replies.add_trajectory(
            [
                {"role": "user", "content": QUESTION},
                {"role": "assistant", "content": ANSWER},
            ]
        )
        app = build_app(replies, faults=FaultSpec.parse(faults))
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        candidate = Candidate(
            base_url=str(server.make_url("/v1")),
            model=STANDIN_MODEL,
            api_key="unused",
            timeout_s=30,
            max_retries=max_retries,
            max_tokens=64,
            pool_size=4,
            policy=policy,
            metrics=metrics,
        )
        opened.append((server, candidate))
        injector = app[FAULTS_KEY]
        assert injector is not None
        return candidate, injector

    yield _start
    for server, candidate in opened:
        await candidate.close()
        await server.close()


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


async def test_a_429_is_retried_after_the_delay_it_asks_for(start: Start) -> None:
    candidate, injector = await start("rate_limit=1,limit=1,retry_after_s=0.4")

    started = time.monotonic()
    generation = await candidate.generate(PREFIX)

    assert generation.message.text() == ANSWER
    assert time.monotonic() - started >= 0.4
    assert injector.requests == 2


async def test_server_errors_are_retried_until_the_endpoint_answers(
    start: Start,
) -> None:
    candidate, injector = await start("server_error=1,limit=2")

    generation = await candidate.generate(PREFIX)

    assert generation.message.text() == ANSWER
    assert injector.injected == {"server_error": 2}


async def test_server_errors_beyond_the_retries_are_endpoint_unavailable(
    start: Start,
) -> None:
    candidate, injector = await start("server_error=1", max_retries=2)

    with pytest.raises(EndpointUnavailable):
        await candidate.generate(PREFIX)
    assert injector.requests == 3


async def test_a_dropped_connection_is_retried(start: Start) -> None:
    candidate, injector = await start("disconnect=1,limit=1")

    generation = await candidate.generate(PREFIX)

    assert generation.message.text() == ANSWER
    assert injector.injected == {"disconnect": 1}


async def test_an_exception_the_client_leaves_untranslated_is_retried(
    start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    candidate, injector = await start("")
    post = openai.AsyncOpenAI.post
    calls = 0

    async def torn_down_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise AttributeError("'NoneType' object has no attribute 'getall'")
        return await post(*args, **kwargs)

    monkeypatch.setattr(openai.AsyncOpenAI, "post", torn_down_once)

    generation = await candidate.generate(PREFIX)

    assert generation.message.text() == ANSWER
    assert (calls, injector.requests) == (2, 1)


async def test_an_untranslated_client_exception_beyond_the_retries_is_unavailable(
    start: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    candidate, _ = await start("")

    async def torn_down(*args: Any, **kwargs: Any) -> Any:
        raise AttributeError("'NoneType' object has no attribute 'getall'")

    monkeypatch.setattr(openai.AsyncOpenAI, "post", torn_down)

    with pytest.raises(EndpointUnavailable, match="AttributeError"):
        await candidate.generate(PREFIX)


async def test_retries_are_counted_by_kind(start: Start) -> None:
    metrics = Metrics(CollectorRegistry())
    candidate, _ = await start("server_error=1,limit=2", metrics=metrics)

    await candidate.generate(PREFIX)

    labels = {"role": "candidate", "model": STANDIN_MODEL}
    retries = sample(
        metrics, "depsim_model_retries_total", kind="endpoint_unavailable", **labels
    )
    assert retries == 2


async def test_insufficient_quota_stops_calls_without_retrying(start: Start) -> None:
    metrics = Metrics(CollectorRegistry())
    candidate, injector = await start("quota_after=1", metrics=metrics)
    await candidate.generate(PREFIX)

    for _ in range(3):
        with pytest.raises(QuotaExhausted):
            await candidate.generate(PREFIX)

    assert injector.requests == 2  # one refused call, no retry, then no calls
    labels = {"role": "candidate", "model": STANDIN_MODEL}
    assert sample(metrics, "depsim_quota_exhausted", **labels) == 1


async def test_a_hanging_endpoint_is_cut_at_the_deadline(start: Start) -> None:
    policy = CallPolicy(deadline_s=0.5, backoff_initial_s=0.01)
    candidate, _ = await start("hang=1,hang_s=30", policy=policy)

    started = time.monotonic()
    with pytest.raises(GenerationTimeout):
        await candidate.generate(PREFIX)
    assert time.monotonic() - started < 2


async def test_a_trickling_body_is_cut_at_the_deadline(start: Start) -> None:
    policy = CallPolicy(deadline_s=0.5, backoff_initial_s=0.01)
    candidate, _ = await start("trickle=1,trickle_interval_s=0.1", policy=policy)

    with pytest.raises(GenerationTimeout):
        await candidate.generate(PREFIX)


async def test_a_reply_cut_at_the_token_limit_is_incomplete(start: Start) -> None:
    candidate, injector = await start("truncate=1")

    with pytest.raises(IncompleteReply):
        await candidate.generate(PREFIX)
    assert injector.requests == 1  # not retried: the same call would be cut again


async def test_a_body_that_ends_early_is_incomplete(start: Start) -> None:
    candidate, _ = await start("cut_body=1")

    with pytest.raises(IncompleteReply):
        await candidate.generate(PREFIX)


async def test_a_refusal_comes_back_as_the_message_refusal(start: Start) -> None:
    candidate, _ = await start("refuse=1")

    generation = await candidate.generate(PREFIX)

    assert generation.message.refusal is not None
    assert "stand-in fault" in generation.message.refusal
    assert generation.message.text() == ""


async def test_the_breaker_opens_after_failed_calls_and_skips_the_next(
    start: Start,
) -> None:
    metrics = Metrics(CollectorRegistry())
    policy = CallPolicy(deadline_s=5, backoff_initial_s=0.01, breaker_threshold=2)
    candidate, injector = await start(
        "server_error=1", policy=policy, max_retries=0, metrics=metrics
    )
    for _ in range(2):
        with pytest.raises(EndpointUnavailable):
            await candidate.generate(PREFIX)

    with pytest.raises(CircuitOpen):
        await candidate.generate(PREFIX)

    assert injector.requests == 2
    labels = {"role": "candidate", "model": STANDIN_MODEL}
    assert sample(metrics, "depsim_circuit_open", **labels) == 1
    assert sample(metrics, "depsim_circuit_opens_total", **labels) == 1


class TestCircuitBreaker:
    """The breaker's state machine, on a clock the test moves."""

    def test_a_probe_after_the_cooldown_closes_it_on_success(self) -> None:
        now = [0.0]
        breaker = CircuitBreaker(threshold=1, cooldown_s=10, clock=lambda: now[0])
        breaker.record_failure()
        now[0] = 11.0

        breaker.before_call()
        breaker.record_success()

        assert not breaker.is_open

    def test_a_failed_probe_opens_it_again(self) -> None:
        now = [0.0]
        breaker = CircuitBreaker(threshold=1, cooldown_s=10, clock=lambda: now[0])
        breaker.record_failure()
        now[0] = 11.0
        breaker.before_call()

        breaker.record_failure()

        with pytest.raises(CircuitOpen):
            breaker.before_call()

    def test_only_one_probe_goes_out_while_half_open(self) -> None:
        now = [0.0]
        breaker = CircuitBreaker(threshold=1, cooldown_s=10, clock=lambda: now[0])
        breaker.record_failure()
        now[0] = 11.0
        breaker.before_call()

        with pytest.raises(CircuitOpen):
            breaker.before_call()


def traffic(record_id: str, probability: float = 0.5) -> bytes:
    record: dict[str, Any] = {
        "schema_version": 1,
        "id": record_id,
        "sampled_at": "2026-12-01T00:00:00+00:00",
        "source_model": "prod-model",
        "sampling_probability": probability,
        "consent": True,
        "deidentified": True,
        "messages": [
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": "Buy some."},
        ],
    }
    return json.dumps(record).encode()


def pipeline(candidate: Candidate, budget: Budget | None = None) -> Pipeline:
    panel = GraderPanel([RuleGrader()], load_taxonomy())
    return Pipeline(
        candidate,
        panel,
        shadow_arm=f"shadow:{STANDIN_MODEL}",
        standin=True,
        max_bytes=1 << 20,
        budget=budget,
    )


@pytest.mark.parametrize(
    ("faults", "reason"),
    [
        ("truncate=1", "incomplete_reply"),  # finish_reason length
        ("cut_body=1", "incomplete_reply"),  # a JSON body that stops half-way
        ("quota=1", "quota_exhausted"),  # 429 insufficient_quota
        ("server_error=1", "endpoint_unavailable"),  # retries did not help
    ],
)
async def test_a_failed_generation_is_a_not_evaluable_shadow_record(
    start: Start, faults: str, reason: str
) -> None:
    candidate, _ = await start(faults, max_retries=1)

    live, shadow = (await pipeline(candidate).process(traffic("r1"))).graded

    assert live.outcome == "graded"
    assert shadow.outcome == "not_evaluable"
    assert (shadow.reason, shadow.flags) == (reason, {})


async def test_a_hanging_endpoint_gives_a_generation_timeout_shadow_record(
    start: Start,
) -> None:
    policy = CallPolicy(deadline_s=0.5, backoff_initial_s=0.01)
    candidate, _ = await start("hang=1,hang_s=30", policy=policy)

    _, shadow = (await pipeline(candidate).process(traffic("r1"))).graded

    assert (shadow.outcome, shadow.reason) == ("not_evaluable", "generation_timeout")


async def test_an_open_breaker_gives_a_circuit_open_shadow_record(
    start: Start,
) -> None:
    policy = CallPolicy(deadline_s=5, backoff_initial_s=0.01, breaker_threshold=1)
    candidate, _ = await start("server_error=1", policy=policy, max_retries=0)
    await pipeline(candidate).process(traffic("r1"))

    _, shadow = (await pipeline(candidate).process(traffic("r2"))).graded

    assert (shadow.outcome, shadow.reason) == ("not_evaluable", "circuit_open")


async def test_a_refusal_is_graded_as_the_refusal_text(start: Start) -> None:
    candidate, _ = await start("refuse=1")

    _, shadow = (await pipeline(candidate).process(traffic("r1"))).graded

    assert shadow.outcome == "graded"
    assert shadow.reason == "refusal"
    assert "can't help" in (shadow.reply_text or "")


async def test_a_record_the_budget_skips_is_published_as_skipped(
    start: Start,
) -> None:
    candidate, injector = await start("")
    budget = Budget(BudgetLimits(tokens_per_hour=1, exhausted_share=1e-9))
    budget.charge(1, 0)

    live, shadow = (await pipeline(candidate, budget).process(traffic("r1"))).graded

    assert live.outcome == "graded"
    assert (shadow.outcome, shadow.reason) == ("skipped", "budget")
    assert injector.requests == 0


async def test_a_shadow_reply_sampled_by_the_budget_weighs_more(
    start: Start,
) -> None:
    candidate, _ = await start("")
    budget = Budget(BudgetLimits(tokens_per_hour=1, exhausted_share=1.0 - 1e-12))
    budget.charge(1, 0)

    _, shadow = (await pipeline(candidate, budget).process(traffic("r1"))).graded

    assert shadow.outcome == "graded"
    assert shadow.weight == pytest.approx(2.0 / (1.0 - 1e-12))


@pytest.mark.parametrize(
    ("outcome", "reason", "errors"),
    [
        ("not_evaluable", "generation_timeout", 1),  # a failed call, by its kind
        ("not_evaluable", "quota_exhausted", 1),
        ("skipped", "budget", 0),  # the budget skipped it: no call was made
    ],
)
def test_failed_calls_are_counted_by_kind_and_skips_are_not_calls(
    outcome: str, reason: str, errors: int
) -> None:
    metrics = Metrics(CollectorRegistry())
    shadow = GradedRecord(
        record_id="r1",
        arm=f"shadow:{STANDIN_MODEL}",
        model=STANDIN_MODEL,
        standin=True,
        outcome=outcome,
        reason=reason,
        weight=1.0,
        sampled_at="2026-12-01T00:00:00+00:00",
        graded_at="2026-12-01T00:00:01+00:00",
        grader_version="v",
        flags={},
    )

    metrics.observe_graded(shadow, counted=True)

    labels = {"role": "candidate", "model": STANDIN_MODEL}
    kind = reason if errors else "other"
    assert sample(metrics, "depsim_model_errors_total", kind=kind, **labels) == errors
    assert sample(metrics, "depsim_model_requests_total", **labels) == errors
