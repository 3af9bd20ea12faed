"""Agent records through the worker's pipeline, wired from settings: realism checks
exported as metrics, and the pipeline's budget applied to the replays."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from prometheus_client import CollectorRegistry

from graders import load_taxonomy
from graders.trajectory import TrajectoryGrader
from streamer.agentic.realism_sampler import in_sample
from streamer.agentic.wiring import AgenticConfig, build_agentic_arms
from streamer.budget import Budget, BudgetLimits, unit_hash
from streamer.candidate import Candidate
from streamer.graded import LIVE_ARM
from streamer.metrics import Metrics
from streamer.panel import GraderPanel
from streamer.pipeline import Pipeline, Processed
from streamer.privacy import PrivacyScan
from streamer.records import TrafficRecord
from streamer.settings import Settings
from streamer.standin import STANDIN_MODEL, STANDIN_TOOL_SIMULATOR_MODEL, build_app
from streamer.validate import Intake
from tests.agentic.helpers import OPENHANDS, Serve, pick, recorded_turns
from tests.agentic.scripted_judge import SCRIPTED_JUDGE_MODEL, scripted_judge_app

SHADOW = f"shadow:{STANDIN_MODEL}"
MAX_BYTES = 4_000_000
Run = Callable[..., Awaitable[tuple[Processed, Metrics]]]


@pytest.fixture
async def run_worker(
    serve: Serve, candidate_at: Callable[[str], Candidate]
) -> AsyncIterator[Run]:
    """Process one record's bytes through a pipeline built as the worker builds it,
    with the stand-ins for candidate and tool simulator and a scripted judge."""
    pipelines: list[Pipeline] = []

    async def run(
        record: TrafficRecord, *, budget: Budget, realism_share: float
    ) -> tuple[Processed, Metrics]:
        standin = await serve(build_app(recorded_turns([record])))
        config = AgenticConfig(
            tool_simulator_base_url=standin,
            tool_simulator_model=STANDIN_TOOL_SIMULATOR_MODEL,
            judge_base_url=await serve(scripted_judge_app()),
            judge_model=SCRIPTED_JUDGE_MODEL,
            agentic_realism_share=realism_share,
        )
        candidate = candidate_at(standin)
        panel = GraderPanel([TrajectoryGrader()], load_taxonomy())
        metrics = Metrics(CollectorRegistry())
        pipeline = Pipeline(
            candidate,
            panel,
            shadow_arm=SHADOW,
            standin=True,
            max_bytes=MAX_BYTES,
            intake=Intake(max_bytes=MAX_BYTES, privacy=PrivacyScan(enabled=False)),
            agentic=build_agentic_arms(
                config,
                candidate,
                panel,
                shadow_arm=SHADOW,
                standin=True,
                budget=budget,
                metrics=metrics,
            ),
            budget=budget,
            metrics=metrics,
        )
        pipelines.append(pipeline)
        raw = record.model_dump_json(exclude_none=True).encode()
        return await pipeline.process(raw), metrics

    yield run
    for pipeline in pipelines:
        assert pipeline.agentic is not None
        await pipeline.agentic.close()


async def test_a_sampled_agent_record_exports_the_realism_counts(
    trajectories: list[TrafficRecord], run_worker: Run
) -> None:
    record = pick(trajectories, OPENHANDS)

    processed, metrics = await run_worker(
        record, budget=Budget(BudgetLimits()), realism_share=1.0
    )

    judge = SCRIPTED_JUDGE_MODEL
    assert processed.graded
    pairs = metrics.registry.get_sample_value(
        "depsim_realism_pairs_total", {"judge": judge, "verdict": "recorded"}
    )
    assert pairs == 1
    for set_name in ("recorded_trajectory", "simulated_trajectory", "xstest"):
        answered = sum(
            metrics.registry.get_sample_value(
                "depsim_eval_awareness_probes_total",
                {"set": set_name, "judge": judge, "verdict": verdict},
            )
            or 0
            for verdict in ("eval_like", "real_use")
        )
        assert answered == 1, set_name


async def test_a_record_outside_the_realism_share_is_not_checked(
    trajectories: list[TrafficRecord], run_worker: Run
) -> None:
    record = pick(trajectories, OPENHANDS)
    share = 1e-9  # leaves out every id but one in a billion
    assert not in_sample(record.id, share)

    _, metrics = await run_worker(
        record, budget=Budget(BudgetLimits()), realism_share=share
    )

    judged = metrics.registry.get_sample_value(
        "depsim_model_requests_total", {"role": "judge", "model": SCRIPTED_JUDGE_MODEL}
    )
    assert judged == 0


async def test_the_pipeline_budget_skips_an_agent_record_left_out(
    trajectories: list[TrafficRecord], run_worker: Run
) -> None:
    record = pick(trajectories, OPENHANDS)
    share = unit_hash(record.id) / 2
    budget = Budget(BudgetLimits(tokens_per_hour=1, exhausted_share=share))
    budget.charge(1, 0)

    processed, metrics = await run_worker(record, budget=budget, realism_share=1.0)

    outcomes = {(g.arm, g.outcome) for g in processed.graded}
    assert outcomes == {(LIVE_ARM, "graded"), (SHADOW, "skipped")}
    assert metrics.registry.get_sample_value("depsim_budget_skipped_total") == 1
    assert metrics.registry.get_sample_value("depsim_budget_sampled_share") == share
    judged = metrics.registry.get_sample_value(
        "depsim_model_requests_total", {"role": "judge", "model": SCRIPTED_JUDGE_MODEL}
    )
    assert judged == 0


@pytest.mark.parametrize(
    ("judge", "share", "enabled"),
    [
        ("", 0.05, False),  # no judge endpoint: off whatever the share
        ("http://127.0.0.1:9/v1", 0.0, False),  # a judge, but a share of 0
        ("http://127.0.0.1:9/v1", 0.05, True),  # a judge and a share
    ],
)
def test_the_realism_checks_run_only_with_a_judge_and_a_share(
    judge: str, share: float, enabled: bool
) -> None:
    settings = Settings(
        judge_base_url=judge, judge_model="some-judge", agentic_realism_share=share
    )

    config = AgenticConfig.from_settings(settings)

    assert config.realism_enabled is enabled
