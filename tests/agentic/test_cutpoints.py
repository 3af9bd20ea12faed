"""Choosing the assistant turns a trajectory is replayed from."""

from __future__ import annotations

import pytest

from streamer.conversation import cut
from streamer.cutpoints import CutPolicy, choose_cuts, replayable_turns
from streamer.records import TrafficRecord
from tests.agentic.helpers import OPENHANDS, pick


@pytest.fixture
def record(trajectories: list[TrafficRecord]) -> TrafficRecord:
    return pick(trajectories, OPENHANDS)


def test_the_default_policy_cuts_before_the_last_assistant_turn_only(
    record: TrafficRecord,
) -> None:
    [point] = choose_cuts(record, CutPolicy())

    assert point.cut == cut(record)
    assert record.messages[point.index] == point.cut.reply


def test_every_kth_turn_counts_back_from_the_last(record: TrafficRecord) -> None:
    turns = replayable_turns(record.messages)

    points = choose_cuts(record, CutPolicy(mode="every", every=3, max_cuts=100))

    assert [p.index for p in points] == turns[::-1][::3][::-1]
    assert points[-1].index == turns[-1]


def test_each_cut_prefix_ends_right_before_its_reply(record: TrafficRecord) -> None:
    points = choose_cuts(record, CutPolicy(mode="every", every=2, max_cuts=100))

    for point in points:
        assert point.cut.prefix == tuple(record.messages[: point.index])
        assert point.cut.dropped_turns == len(record.messages) - point.index - 1


def test_random_cuts_are_the_same_for_the_same_record_and_seed(
    record: TrafficRecord,
) -> None:
    policy = CutPolicy(mode="random", count=3, seed=7)

    first, again = choose_cuts(record, policy), choose_cuts(record, policy)

    assert [p.index for p in first] == [p.index for p in again]
    assert len(first) == 3


def test_random_cuts_change_with_the_seed(record: TrafficRecord) -> None:
    indices = {
        tuple(
            p.index for p in choose_cuts(record, CutPolicy("random", count=3, seed=s))
        )
        for s in range(5)
    }

    assert len(indices) > 1


def test_max_cuts_keeps_the_latest_cuts(record: TrafficRecord) -> None:
    points = choose_cuts(record, CutPolicy(mode="every", every=1, max_cuts=2))

    assert [p.index for p in points] == replayable_turns(record.messages)[-2:]
