"""The database hit rate on the shipped trajectories."""

from __future__ import annotations

from streamer.agentic.hitrate import measure_hit_rate, repeat_faithfulness
from streamer.agentic.tooldb import Scope
from streamer.records import TrafficRecord


def test_in_sample_every_recorded_call_is_answered_with_its_own_response(
    trajectories: list[TrafficRecord],
) -> None:
    rate = measure_hit_rate(trajectories, leave_one_out=False, widest=Scope.STATE)[
        "all"
    ]

    assert rate.calls > 1000
    assert rate.hit_rate == rate.faithful_rate == 1.0


def test_leave_one_out_hits_come_only_from_other_tasks(
    trajectories: list[TrafficRecord],
) -> None:
    rates = measure_hit_rate(trajectories, leave_one_out=True, widest=Scope.GLOBAL)

    overall = rates["all"]
    assert 0 < overall.hit_rate < 1
    assert set(overall.hits) == {"global"}
    assert overall.faithful < overall.hit_count
    assert set(rates) == {"all", "OpenHands completion log", "SWE-agent trajectory"}


def test_leave_one_out_within_the_task_finds_nothing_in_the_sample(
    trajectories: list[TrafficRecord],
) -> None:
    rate = measure_hit_rate(trajectories, leave_one_out=True, widest=Scope.TASK)["all"]

    assert rate.hit_count == 0


def test_a_repeated_call_usually_got_a_different_response(
    trajectories: list[TrafficRecord],
) -> None:
    repeats, unchanged = repeat_faithfulness(trajectories)

    assert repeats > 100
    assert unchanged < repeats / 2
