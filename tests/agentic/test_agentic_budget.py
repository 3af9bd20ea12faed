"""Agent replays under the worker's budget: admitted once per record, every token
charged, past the limit skipped or re-weighted like chats."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from prometheus_client import CollectorRegistry

from graders import load_taxonomy
from graders.trajectory import TrajectoryGrader
from streamer.agentic.accounts import ReplayAccounts
from streamer.agentic.arms import AgenticArms
from streamer.agentic.endpoint import ChatEndpoint
from streamer.agentic.model_simulator import ModelToolSimulator
from streamer.agentic.replay import Replayer
from streamer.agentic.simulator import ToolSimulator
from streamer.agentic.tooldb import ToolDatabase
from streamer.budget import Budget, BudgetLimits, TokenPrices, unit_hash
from streamer.candidate import Candidate
from streamer.cutpoints import CutPolicy
from streamer.graded import LIVE_ARM, GradedRecord
from streamer.metrics import Metrics
from streamer.panel import GraderPanel
from streamer.reasons import Reason
from streamer.records import TrafficRecord
from streamer.standin import STANDIN_MODEL, STANDIN_TOOL_SIMULATOR_MODEL, build_app
from tests.agentic.helpers import SWE_AGENT_CALLS, Serve, pick, recorded_turns

SHADOW = f"shadow:{STANDIN_MODEL}"
POLICY = CutPolicy(mode="every", every=4, max_cuts=3)
SIMULATOR_PRICES = TokenPrices(prompt=2.0, completion=2.0)
CANDIDATE_PRICED = BudgetLimits(
    dollars_per_1k_prompt_tokens=1.0, dollars_per_1k_completion_tokens=1.0
)


def exhausted(share: float) -> Budget:
    """A budget whose hour is spent, sampling `share` of the records."""
    budget = Budget(
        BudgetLimits(tokens_per_hour=1, exhausted_share=share), clock=lambda: 0.0
    )
    budget.charge(1, 0)
    return budget


async def grade_under(
    budget: Budget,
    record: TrafficRecord,
    serve: Serve,
    make: Callable[[str], Candidate],
) -> tuple[tuple[GradedRecord, ...], Metrics]:
    """Both arms of `record` charged to `budget`; every tool call goes to the
    stand-in model simulator (an empty database), so both roles spend tokens."""
    url = await serve(build_app(recorded_turns([record], match_tool_results=False)))
    model = ModelToolSimulator(
        ChatEndpoint(base_url=url, model=STANDIN_TOOL_SIMULATOR_MODEL, api_key="unused")
    )
    metrics = Metrics(CollectorRegistry())
    arms = AgenticArms(
        Replayer(make(url), ToolSimulator(ToolDatabase(), model)),
        GraderPanel([TrajectoryGrader()], load_taxonomy()),
        database=None,
        policy=POLICY,
        shadow_arm=SHADOW,
        standin=True,
        accounts=ReplayAccounts(
            simulator_model=STANDIN_TOOL_SIMULATOR_MODEL,
            simulator_prices=SIMULATOR_PRICES,
            budget=budget,
            metrics=metrics,
        ),
    )

    graded = await arms.grade(record)
    await arms.close()
    return graded, metrics


def tokens(graded: tuple[GradedRecord, ...], *kinds: str) -> int:
    return sum(g.usage.get(kind, 0) for g in graded for kind in kinds)


async def test_past_the_budget_a_record_left_out_gets_skipped_shadows_only(
    trajectories: list[TrafficRecord],
    serve: Serve,
    candidate_at: Callable[[str], Candidate],
) -> None:
    record = pick(trajectories, SWE_AGENT_CALLS)
    budget = exhausted(share=unit_hash(record.id) / 2)

    graded, metrics = await grade_under(budget, record, serve, candidate_at)

    shadows = [g for g in graded if g.arm == SHADOW]
    lives = [g for g in graded if g.arm == LIVE_ARM]
    assert len(shadows) == len(lives) > 1
    assert {(g.outcome, g.reason) for g in shadows} == {("skipped", Reason.BUDGET)}
    assert all(g.outcome == "graded" for g in lives)
    assert budget.tokens == 1
    assert metrics.registry.get_sample_value("depsim_budget_skipped_total") == 1


async def test_every_token_of_a_replay_is_charged_at_its_model_s_prices(
    trajectories: list[TrafficRecord],
    serve: Serve,
    candidate_at: Callable[[str], Candidate],
) -> None:
    record = pick(trajectories, SWE_AGENT_CALLS)
    budget = Budget(CANDIDATE_PRICED)

    graded, metrics = await grade_under(budget, record, serve, candidate_at)

    candidate = tokens(graded, "prompt_tokens", "completion_tokens")
    simulator = tokens(graded, "simulator_tokens")
    assert candidate > 0
    assert simulator > 0
    assert budget.tokens == candidate + simulator
    assert budget.dollars == pytest.approx((candidate * 1.0 + simulator * 2.0) / 1000)
    cost = metrics.registry.get_sample_value(
        "depsim_cost_dollars_total",
        {"role": "simulator", "model": STANDIN_TOOL_SIMULATOR_MODEL},
    )
    assert cost == pytest.approx(simulator * 2.0 / 1000)


async def test_past_the_budget_a_sampled_replay_weighs_one_over_the_share(
    trajectories: list[TrafficRecord],
    serve: Serve,
    candidate_at: Callable[[str], Candidate],
) -> None:
    record = pick(trajectories, SWE_AGENT_CALLS)
    share = (unit_hash(record.id) + 1) / 2
    budget = exhausted(share=share)

    graded, _ = await grade_under(budget, record, serve, candidate_at)

    live_weight = next(g.weight for g in graded if g.arm == LIVE_ARM)
    shadows = [g for g in graded if g.arm == SHADOW and g.outcome == "graded"]
    assert shadows
    assert all(g.weight == pytest.approx(live_weight / share) for g in shadows)
    assert budget.tokens > 1
