"""The worker's realism checks against a scripted stand-in judge over real HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry

from streamer.agentic.accounts import ReplayAccounts
from streamer.agentic.endpoint import ChatEndpoint
from streamer.agentic.model_simulator import ModelToolSimulator
from streamer.agentic.realism import EVAL_LIKE, REAL_USE, RECORDED, SIMULATED
from streamer.agentic.realism_sampler import (
    NO_ANSWER,
    NO_TOOL_RESULTS,
    RECORDED_SET,
    REFERENCE_SET,
    SIMULATED_SET,
    TIMED_OUT,
    RealismSampler,
    in_sample,
    realism_cut,
)
from streamer.agentic.simulator import ToolSimulator
from streamer.agentic.tooldb import ToolDatabase
from streamer.budget import Budget, BudgetLimits
from streamer.metrics import (
    AWARENESS_SETS,
    AWARENESS_VERDICTS,
    REALISM_VERDICTS,
    UNPAIRED_REASONS,
    Metrics,
)
from streamer.reasons import Reason
from streamer.records import TrafficRecord, new_record
from streamer.standin import STANDIN_TOOL_SIMULATOR_MODEL, RecordedReplies, build_app
from tests.agentic.helpers import OPENHANDS, SWE_AGENT_CALLS, Serve, pick
from tests.agentic.scripted_judge import (
    SCRIPTED_JUDGE_MODEL,
    Mode,
    scripted_judge_app,
)

JUDGE = {"judge": SCRIPTED_JUDGE_MODEL}
MakeSampler = Callable[..., Awaitable[RealismSampler]]


@pytest.fixture
async def sampler_for(serve: Serve) -> AsyncIterator[MakeSampler]:
    """Build samplers around a scripted judge and the stand-in tool simulator, the
    checked trajectories in the database, with fresh metrics and budget."""
    endpoints: list[ChatEndpoint] = []

    async def make(
        records: list[TrafficRecord],
        mode: Mode = "sighted",
        *,
        with_model: bool = True,
        time_limit_s: float = 20.0,
    ) -> RealismSampler:
        judge = ChatEndpoint(
            base_url=await serve(scripted_judge_app(mode)),
            model=SCRIPTED_JUDGE_MODEL,
            api_key="unused",
            max_retries=0,
        )
        endpoints.append(judge)
        model = None
        if with_model:
            writer = ChatEndpoint(
                base_url=await serve(build_app(RecordedReplies())),
                model=STANDIN_TOOL_SIMULATOR_MODEL,
                api_key="unused",
                max_retries=0,
            )
            endpoints.append(writer)
            model = ModelToolSimulator(writer)
        database = ToolDatabase()
        for record in records:
            database.add_record(record)
        accounts = ReplayAccounts(
            simulator_model=STANDIN_TOOL_SIMULATOR_MODEL,
            budget=Budget(BudgetLimits()),
            metrics=Metrics(CollectorRegistry()),
        )
        sampler = RealismSampler(
            judge,
            ToolSimulator(database, model, exclude_trajectory=True),
            accounts,
            share=1.0,
            time_limit_s=time_limit_s,
        )
        sampler.initialise_metrics()
        return sampler

    yield make
    for endpoint in endpoints:
        await endpoint.close()


def sample(sampler: RealismSampler, name: str, **labels: str) -> float | None:
    metrics = sampler.accounts.metrics
    assert metrics is not None
    return metrics.registry.get_sample_value(name, labels)


def pairs(sampler: RealismSampler, verdict: str) -> float | None:
    return sample(sampler, "depsim_realism_pairs_total", **JUDGE, verdict=verdict)


def probes(sampler: RealismSampler, set_name: str, verdict: str) -> float | None:
    return sample(
        sampler,
        "depsim_eval_awareness_probes_total",
        **JUDGE,
        set=set_name,
        verdict=verdict,
    )


async def test_a_checked_record_counts_the_discriminator_and_each_probed_set(
    trajectories: list[TrafficRecord], sampler_for: MakeSampler
) -> None:
    record = pick(trajectories, OPENHANDS)
    sampler = await sampler_for([record])

    await sampler.check(record)

    assert pairs(sampler, RECORDED) == 1
    assert pairs(sampler, SIMULATED) == pairs(sampler, NO_ANSWER) == 0
    assert probes(sampler, RECORDED_SET, REAL_USE) == 1
    assert probes(sampler, SIMULATED_SET, EVAL_LIKE) == 1
    assert probes(sampler, REFERENCE_SET, EVAL_LIKE) == 1


async def test_the_rate_gauges_carry_the_counts_with_a_wilson_interval(
    trajectories: list[TrafficRecord], sampler_for: MakeSampler
) -> None:
    records = [pick(trajectories, OPENHANDS), pick(trajectories, SWE_AGENT_CALLS)]
    sampler = await sampler_for(records)

    for record in records:
        await sampler.check(record)

    def bound(name: str, which: str, **labels: str) -> float | None:
        return sample(sampler, name, **JUDGE, **labels, bound=which)

    accuracy = "depsim_realism_discriminator_accuracy"
    assert bound(accuracy, "estimate") == 1.0
    assert (bound(accuracy, "low") or 1.0) < 1.0 == bound(accuracy, "high")
    assert bound("depsim_realism_simulated_win_rate", "estimate") == 0.0
    aware = "depsim_eval_awareness_rate"
    assert bound(aware, "estimate", set=RECORDED_SET) == 0.0
    assert bound(aware, "estimate", set=REFERENCE_SET) == 1.0
    assert (sampler.tally.answered, sampler.tally.correct) == (2, 2)


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        ("server_error", "endpoint_unavailable"),  # HTTP 500 from the judge
        ("unreadable", "invalid_output"),  # an answer in no expected form
    ],
)
async def test_a_failing_judge_gives_counted_non_results_not_an_error(
    mode: Mode,
    kind: str,
    trajectories: list[TrafficRecord],
    sampler_for: MakeSampler,
) -> None:
    record = pick(trajectories, OPENHANDS)
    sampler = await sampler_for([record], mode)

    await sampler.check(record)

    assert pairs(sampler, NO_ANSWER) == 1
    for set_name in (RECORDED_SET, SIMULATED_SET, REFERENCE_SET):
        assert probes(sampler, set_name, NO_ANSWER) == 1
    errors = sample(
        sampler,
        "depsim_model_errors_total",
        role="judge",
        model=JUDGE["judge"],
        kind=kind,
    )
    assert errors == 4
    accuracy = "depsim_realism_discriminator_accuracy"
    assert sample(sampler, accuracy, **JUDGE, bound="estimate") is None


async def test_a_judge_past_the_time_limit_is_a_counted_timeout(
    trajectories: list[TrafficRecord], sampler_for: MakeSampler
) -> None:
    record = pick(trajectories, OPENHANDS)
    sampler = await sampler_for([record], "slow", time_limit_s=1.0)

    await sampler.check(record)

    assert pairs(sampler, NO_ANSWER) == 1
    errors = sample(
        sampler,
        "depsim_model_errors_total",
        role="judge",
        model=JUDGE["judge"],
        kind=TIMED_OUT,
    )
    assert errors == 4


async def test_without_a_model_simulator_the_record_is_unpaired_but_still_probed(
    trajectories: list[TrafficRecord], sampler_for: MakeSampler
) -> None:
    record = pick(trajectories, OPENHANDS)
    sampler = await sampler_for([record], with_model=False)

    await sampler.check(record)

    unpaired = sample(
        sampler, "depsim_realism_unpaired_total", reason=Reason.TOOL_UNSIMULATED
    )
    assert unpaired == 1
    assert sum(pairs(sampler, verdict) or 0 for verdict in REALISM_VERDICTS) == 0
    assert probes(sampler, RECORDED_SET, REAL_USE) == 1
    assert probes(sampler, REFERENCE_SET, EVAL_LIKE) == 1
    assert probes(sampler, SIMULATED_SET, NO_ANSWER) == 0


async def test_the_tool_simulator_tokens_of_a_check_are_charged_to_the_budget(
    trajectories: list[TrafficRecord], sampler_for: MakeSampler
) -> None:
    record = pick(trajectories, OPENHANDS)
    sampler = await sampler_for([record])

    await sampler.check(record)

    budget = sampler.accounts.budget
    assert budget is not None
    assert budget.tokens > 0
    simulator = {"role": "simulator", "model": STANDIN_TOOL_SIMULATOR_MODEL}
    counted = sum(
        sample(sampler, "depsim_tokens_total", **simulator, kind=kind) or 0
        for kind in ("prompt", "completion")
    )
    assert counted == budget.tokens


async def test_a_record_whose_turns_call_no_tool_is_unpaired(
    sampler_for: MakeSampler,
) -> None:
    record = chat_with_tools()
    sampler = await sampler_for([record])

    await sampler.check(record)

    unpaired = sample(sampler, "depsim_realism_unpaired_total", reason=NO_TOOL_RESULTS)
    assert unpaired == 1
    assert realism_cut(record) is None


def test_the_realism_cut_is_a_turn_that_calls_tools_and_stable_per_id(
    trajectories: list[TrafficRecord],
) -> None:
    record = pick(trajectories, OPENHANDS)

    point = realism_cut(record)

    assert point is not None
    assert point.cut.reply.tool_calls
    assert point.cut.prefix == tuple(record.messages[: point.index])
    assert realism_cut(record) == point


def test_records_are_sampled_at_the_share_and_the_same_way_every_time() -> None:
    ids = [f"traj-{n}" for n in range(4000)]

    chosen = [in_sample(record_id, 0.3) for record_id in ids]

    assert 0.27 < sum(chosen) / len(ids) < 0.33
    assert chosen == [in_sample(record_id, 0.3) for record_id in ids]


def test_the_checks_labels_are_in_the_metrics_fixed_sets() -> None:
    assert {RECORDED, SIMULATED, NO_ANSWER} == set(REALISM_VERDICTS)
    assert {EVAL_LIKE, REAL_USE, NO_ANSWER} == set(AWARENESS_VERDICTS)
    assert {RECORDED_SET, SIMULATED_SET, REFERENCE_SET} == set(AWARENESS_SETS)
    reasons = {NO_TOOL_RESULTS, TIMED_OUT, Reason.TOOL_UNSIMULATED}
    assert reasons | {Reason.TOOL_SIMULATOR_FAILED} == set(UNPAIRED_REASONS)


def chat_with_tools() -> TrafficRecord:
    """A record that offers tools but whose assistant never calls one."""
    body = new_record(
        "chat-with-tools",
        [
            {"role": "user", "content": "What is 2 + 2?"},
            {"role": "assistant", "content": "4."},
        ],
        source_model="prod",
        sampled_at=datetime(2026, 11, 30, tzinfo=UTC),
        consent=True,
        deidentified=True,
        tools=[{"type": "function", "function": {"name": "search", "parameters": {}}}],
    )
    return TrafficRecord.model_validate_json(json.dumps(body))
