"""The database of recorded tool calls and the responses they got.

Every agentic record the worker sees is ingested before it is replayed: each tool
call with its normalised arguments, the response recorded for it, the trajectory it
came from, its position there, and two keys that say how comparable another point
is. The *task* key digests what came before the first assistant turn (system prompt
and task); the *state* key digests the task key and every call made before this one.
A lookup then ranks recorded responses for the same tool and normalised arguments:

    state    same task, same calls before: the very point of a recorded trajectory
    task     same task (or the same trajectory), the environment in another state
    global   any recorded trajectory

and answers with the best within the widest scope the caller allows.

Storage is one SQLite file in WAL mode: workers on one host share it (lookups read
concurrently, ingestion writes with a busy timeout, `INSERT OR IGNORE` makes
ingestion idempotent). Workers on several hosts need a shared volume that supports
SQLite locking, or a compacted Kafka topic of recorded calls that each host
replays into its own file; depsim ships neither. The file holds tool outputs of
consented, de-identified traffic: give it the retention of the traffic itself.
`max_rows` bounds it (the oldest rows go first), so memory or disk stays flat over
a long stream.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

from streamer.agentic.arguments import normalise_arguments, state_key
from streamer.records import Message, TrafficRecord

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tool_calls (
    trajectory TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    arguments TEXT NOT NULL,
    normalised TEXT NOT NULL,
    task TEXT NOT NULL,
    state TEXT NOT NULL,
    response TEXT NOT NULL,
    PRIMARY KEY (trajectory, position)
);
CREATE INDEX IF NOT EXISTS tool_calls_by_call ON tool_calls (name, normalised);
"""


class Scope(IntEnum):
    """How close a recorded point is to the one being simulated (lower is closer)."""

    STATE = 0
    TASK = 1
    GLOBAL = 2

    @property
    def label(self) -> str:
        """The scope's name as it appears in events and reports."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """A tool call in a recorded trajectory and the response it got."""

    trajectory: str
    position: int
    name: str
    arguments: str
    normalised: str
    task: str
    state: str
    response: str


@dataclass(frozen=True, slots=True)
class Match:
    """A recorded response chosen for a call, and how close its point was."""

    call: RecordedCall
    scope: Scope
    exact: bool

    @property
    def response(self) -> str:
        """The recorded response text."""
        return self.call.response


@dataclass(frozen=True, slots=True)
class Point:
    """Where in a conversation a call is made: what the state keys are built from."""

    trajectory: str
    position: int
    task: str
    state: str


def task_key(messages: Sequence[Message]) -> str:
    """A digest of the turns before the first assistant turn: the task."""
    digest = hashlib.sha256()
    for message in messages:
        if message.role == "assistant":
            break
        digest.update(message.role.encode())
        digest.update(b"\x1f")
        digest.update(message.text().encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def call_points(
    messages: Sequence[Message], trajectory: str
) -> Iterator[tuple[int, str, str, Point]]:
    """Each tool call in `messages`: (turn index, name, raw arguments, its point)."""
    task = task_key(messages)
    made: list[tuple[str, str]] = [("", task)]
    for index, message in enumerate(messages):
        for call in message.tool_calls or ():
            name, raw = call.function.name, call.function.arguments
            yield index, name, raw, Point(trajectory, index, task, state_key(made))
            made.append((name, normalise_arguments(raw)))


def point_of(messages: Sequence[Message], trajectory: str, call_id: str) -> Point:
    """The point of the latest call with `call_id` in `messages`.

    Raises `KeyError` if no turn made such a call.
    """
    calls = [call for message in messages for call in message.tool_calls or ()]
    found = None
    for call, (_, _, _, point) in zip(
        calls, call_points(messages, trajectory), strict=True
    ):
        if call.id == call_id:
            found = point
    if found is None:
        raise KeyError(call_id)
    return found


def recorded_calls(record: TrafficRecord) -> Iterator[RecordedCall]:
    """The answered tool calls of a record, each with its recorded response.

    A tool result answers the latest earlier call with its id (logs that reuse ids
    are answered in order).
    """
    points = call_points(record.messages, record.id)
    pending: dict[str, tuple[str, str, Point]] = {}
    for position, message in enumerate(record.messages):
        for call in message.tool_calls or ():
            _, name, raw, point = next(points)
            pending[call.id] = (name, raw, point)
        if message.role != "tool" or message.tool_call_id not in pending:
            continue
        name, raw, point = pending.pop(message.tool_call_id)
        yield RecordedCall(
            trajectory=record.id,
            position=position,
            name=name,
            arguments=raw,
            normalised=normalise_arguments(raw),
            task=point.task,
            state=point.state,
            response=message.text(),
        )


class ToolDatabase:
    """Recorded tool calls and responses in one SQLite file, safe across threads."""

    def __init__(
        self,
        path: Path | str = ":memory:",
        *,
        timeout_s: float = 5.0,
        max_rows: int | None = 200_000,
    ):
        self.path = str(path)
        self.max_rows = max_rows
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, timeout=timeout_s, check_same_thread=False, isolation_level=None
        )
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT count(*) FROM tool_calls").fetchone()
        return int(count)

    def add(self, calls: Sequence[RecordedCall]) -> int:
        """Store recorded calls; already stored ones are kept. Returns rows added."""
        rows = [
            (
                c.trajectory,
                c.position,
                c.name,
                c.arguments,
                c.normalised,
                c.task,
                c.state,
                c.response,
            )
            for c in calls
        ]
        with self._lock:
            before = self._db.total_changes
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT OR IGNORE INTO tool_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                added = self._db.total_changes - before
                if added and self.max_rows is not None:
                    self._db.execute(
                        "DELETE FROM tool_calls WHERE rowid <= "
                        "(SELECT max(rowid) FROM tool_calls) - ?",
                        (self.max_rows,),
                    )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return added

    def add_record(self, record: TrafficRecord) -> int:
        """Ingest every answered tool call of a record. Returns rows added."""
        return self.add(list(recorded_calls(record)))

    def trajectories(self) -> set[str]:
        """The trajectories with at least one recorded call."""
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT trajectory FROM tool_calls")
            return {row[0] for row in rows}

    def lookup(
        self,
        name: str,
        arguments: str,
        point: Point,
        *,
        widest: Scope = Scope.GLOBAL,
        exclude_trajectory: str | None = None,
    ) -> Match | None:
        """The best recorded response to this call at this point, within `widest`.

        Within a scope, a recorded call from the same trajectory wins, then one
        whose raw arguments are identical, then (same trajectory) the nearest
        earlier position, then the response recorded most often.
        """
        normalised = normalise_arguments(arguments)
        candidates = [
            c
            for c in self._select(name, normalised)
            if c.trajectory != exclude_trajectory
        ]
        if not candidates:
            return None

        responses = Counter(c.response for c in candidates)
        best = min(
            candidates,
            key=lambda c: (
                _scope(c, point),
                c.trajectory != point.trajectory,
                c.arguments != arguments,
                _distance(c, point),
                -responses[c.response],
            ),
        )
        scope = _scope(best, point)
        if scope > widest:
            return None
        return Match(best, scope, exact=best.arguments == arguments)

    def nearby(
        self, point: Point, *, limit: int, exclude_trajectory: str | None = None
    ) -> list[RecordedCall]:
        """Recorded calls of the same trajectory, nearest `point` first."""
        trajectory = point.trajectory
        if trajectory == exclude_trajectory:
            return []
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM tool_calls WHERE trajectory = ? "
                "ORDER BY abs(position - ?) LIMIT ?",
                (trajectory, point.position, limit),
            ).fetchall()
        return [RecordedCall(*row) for row in rows]

    def examples(
        self, name: str, *, limit: int, exclude_trajectory: str | None = None
    ) -> list[RecordedCall]:
        """Recorded calls of one tool from any trajectory, for a simulator's prompt."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM tool_calls WHERE name = ? AND trajectory IS NOT ? "
                "ORDER BY rowid LIMIT ?",
                (name, exclude_trajectory, limit),
            ).fetchall()
        return [RecordedCall(*row) for row in rows]

    def close(self) -> None:
        """Close the file; safe to call twice."""
        with self._lock:
            self._db.close()

    def _select(self, name: str, normalised: str) -> list[RecordedCall]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM tool_calls WHERE name = ? AND normalised = ? "
                "ORDER BY rowid",
                (name, normalised),
            ).fetchall()
        return [RecordedCall(*row) for row in rows]


def _scope(call: RecordedCall, point: Point) -> Scope:
    if call.state == point.state:
        return Scope.STATE
    if call.task == point.task or call.trajectory == point.trajectory:
        return Scope.TASK
    return Scope.GLOBAL


def _distance(call: RecordedCall, point: Point) -> tuple[int, int]:
    """Earlier positions of the same trajectory first, nearest first."""
    if call.trajectory != point.trajectory:
        return (2, 0)
    if call.position <= point.position:
        return (0, point.position - call.position)
    return (1, call.position - point.position)
