"""The database of recorded tool calls: hits, misses, scopes and sharing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streamer.agentic.tooldb import (
    Point,
    Scope,
    ToolDatabase,
    call_points,
    recorded_calls,
)
from streamer.records import TrafficRecord
from tests.agentic.helpers import OPENHANDS, SWE_AGENT_CALLS, pick


@pytest.fixture
def record(trajectories: list[TrafficRecord]) -> TrafficRecord:
    return pick(trajectories, OPENHANDS)


@pytest.fixture
def database(record: TrafficRecord) -> ToolDatabase:
    database = ToolDatabase()
    database.add_record(record)
    return database


def first_call(record: TrafficRecord) -> tuple[str, str, Point, str]:
    """The first recorded call: name, raw arguments, point, recorded response."""
    _, name, raw, point = next(call_points(record.messages, record.id))
    response = next(recorded_calls(record)).response
    return name, raw, point, response


def test_a_recorded_call_at_its_recorded_point_hits_exactly(
    record: TrafficRecord, database: ToolDatabase
) -> None:
    name, raw, point, response = first_call(record)

    match = database.lookup(name, raw, point)

    assert match is not None
    assert (match.scope, match.exact, match.response) == (Scope.STATE, True, response)


def test_reordered_arguments_hit_after_normalisation(
    record: TrafficRecord, database: ToolDatabase
) -> None:
    name, raw, point, response = first_call(record)
    reordered = json.dumps(dict(reversed(json.loads(raw).items())), indent=1)

    match = database.lookup(name, reordered, point)

    assert match is not None
    assert (match.exact, match.response) == (False, response)


def test_a_call_never_recorded_misses(
    record: TrafficRecord, database: ToolDatabase
) -> None:
    name, _, point, _ = first_call(record)

    assert database.lookup(name, '{"command": "echo never-recorded"}', point) is None


def test_a_match_outside_the_widest_scope_allowed_is_a_miss(
    record: TrafficRecord, database: ToolDatabase
) -> None:
    name, raw, _, _ = first_call(record)
    elsewhere = Point("another-trajectory", 3, "another-task", "another-state")

    assert database.lookup(name, raw, elsewhere, widest=Scope.TASK) is None
    assert database.lookup(name, raw, elsewhere, widest=Scope.GLOBAL) is not None


def test_a_trajectory_can_be_held_out_of_its_own_lookups(
    record: TrafficRecord, database: ToolDatabase
) -> None:
    name, raw, point, _ = first_call(record)

    assert database.lookup(name, raw, point, exclude_trajectory=record.id) is None


def test_every_answered_call_is_stored_once_however_often_ingested(
    record: TrafficRecord, database: ToolDatabase
) -> None:
    answered = sum(1 for m in record.messages if m.role == "tool")

    added_again = database.add_record(record)

    assert len(database) == answered
    assert added_again == 0


def test_workers_on_one_host_share_the_database_file(
    tmp_path: Path, trajectories: list[TrafficRecord]
) -> None:
    path = tmp_path / "tool-calls.sqlite3"
    writer, reader = ToolDatabase(path), ToolDatabase(path)
    record = pick(trajectories, SWE_AGENT_CALLS)

    writer.add_record(record)
    name, raw, point, response = first_call(record)
    match = reader.lookup(name, raw, point)
    writer.close()
    reader.close()

    assert match is not None
    assert match.response == response


def test_the_oldest_rows_go_when_the_database_is_full(
    trajectories: list[TrafficRecord],
) -> None:
    database = ToolDatabase(max_rows=5)
    first, second = trajectories[0], trajectories[1]

    database.add_record(first)
    database.add_record(second)

    assert len(database) == 5
    assert database.trajectories() == {second.id}
