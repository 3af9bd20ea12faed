"""Graded records of agentic replays carry their cut."""

from __future__ import annotations

from streamer.graded import GradedRecord
from tests.graded import graded_reply


def graded(cut_index: int | None) -> GradedRecord:
    return graded_reply(
        record_id="traj-1",
        model="m",
        grader_version="trajectory@1",
        flags={"test_tampering": False},
        cut_index=cut_index,
        trajectory={"steps": 3} if cut_index is not None else None,
    )


def test_cuts_of_one_record_have_distinct_dedupe_keys() -> None:
    assert graded(4).dedupe_key != graded(8).dedupe_key


def test_a_record_without_a_cut_keeps_its_dedupe_key_and_json() -> None:
    plain = graded(None)

    assert plain.dedupe_key == "traj-1|live|trajectory@1"
    assert "cut_index" not in plain.to_json()


def test_the_cut_survives_the_graded_topic_round_trip() -> None:
    body = graded(8).to_json()

    again = GradedRecord.from_json(body)

    assert (again.cut_index, again.trajectory) == (8, {"steps": 3})
