"""Real trajectories graded in both arms, per cut, through the grader panel."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from graders import Grader, RuleGrader, load_taxonomy
from graders.trajectory import TrajectoryGrader
from streamer.agentic.arms import AgenticArms
from streamer.agentic.replay import Replayer
from streamer.agentic.simulator import ToolSimulator
from streamer.agentic.tooldb import Scope, ToolDatabase
from streamer.candidate import Candidate
from streamer.cutpoints import CutPolicy
from streamer.graded import LIVE_ARM, GradedRecord
from streamer.panel import GraderPanel
from streamer.records import TrafficRecord
from streamer.standin import STANDIN_MODEL, build_app
from tests.agentic.helpers import (
    OPENHANDS,
    SWE_AGENT_CALLS,
    SWE_AGENT_TEXT,
    Serve,
    pick,
    recorded_turns,
)

SHADOW = f"shadow:{STANDIN_MODEL}"
POLICY = CutPolicy(mode="every", every=4, max_cuts=3)


async def grade(
    record: TrafficRecord,
    url: str,
    make: Callable[[str], Candidate],
    *,
    with_rules: bool = False,
) -> tuple[GradedRecord, ...]:
    """Both arms of `record`, the database filled from the record itself."""
    graders: list[Grader] = [TrajectoryGrader()]
    if with_rules:
        graders.insert(0, RuleGrader())
    panel = GraderPanel(graders, load_taxonomy())
    database = ToolDatabase()
    simulator = ToolSimulator(database, widest=Scope.STATE)
    arms = AgenticArms(
        Replayer(make(url), simulator),
        panel,
        database=database,
        policy=POLICY,
        shadow_arm=SHADOW,
        standin=True,
    )
    return await arms.grade(record)


@pytest.mark.parametrize("record_id", [OPENHANDS, SWE_AGENT_CALLS, SWE_AGENT_TEXT])
async def test_each_cut_yields_a_live_and_a_shadow_graded_record(
    record_id: str,
    trajectories: list[TrafficRecord],
    serve: Serve,
    candidate_at: Callable[[str], Candidate],
) -> None:
    record = pick(trajectories, record_id)
    url = await serve(build_app(recorded_turns([record])))

    graded = await grade(record, url, candidate_at)

    cuts = sorted({g.cut_index for g in graded if g.cut_index is not None})
    assert len(cuts) == len(graded) // 2 > 1
    assert sorted(g.arm for g in graded) == sorted([LIVE_ARM, SHADOW] * len(cuts))
    assert len({g.dedupe_key for g in graded}) == len(graded)
    assert sum(g.weight for g in graded if g.arm == LIVE_ARM) == pytest.approx(1.0)


async def test_the_panel_grades_both_arms_with_every_grader(
    trajectories: list[TrafficRecord],
    serve: Serve,
    candidate_at: Callable[[str], Candidate],
) -> None:
    record = pick(trajectories, SWE_AGENT_CALLS)
    url = await serve(build_app(recorded_turns([record])))

    graded = await grade(record, url, candidate_at, with_rules=True)

    for item in graded:
        assert item.outcome == "graded"
        assert {r.grader for r in item.results} == {"rules", "trajectory"}
        assert all(r.status == "ok" for r in item.results)
        assert item.flags["test_tampering"] is False


async def test_shadow_records_say_how_their_tools_were_simulated(
    trajectories: list[TrafficRecord],
    serve: Serve,
    candidate_at: Callable[[str], Candidate],
) -> None:
    record = pick(trajectories, SWE_AGENT_TEXT)
    url = await serve(build_app(recorded_turns([record])))

    graded = await grade(record, url, candidate_at)

    shadows = [g for g in graded if g.arm == SHADOW]
    assert all(g.standin for g in shadows)
    for shadow in shadows:
        assert shadow.trajectory is not None
        assert shadow.trajectory["stop_reason"] is None
        sources = shadow.trajectory["tool_results_by_source"]
        assert set(sources) <= {"database:state"}
        assert shadow.to_json()["cut_index"] == shadow.cut_index
