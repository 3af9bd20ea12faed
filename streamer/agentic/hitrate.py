"""How often the tool-call database can answer a trajectory's calls by itself.

For each recorded trajectory, every tool call it made is looked up at the point it
was made, as the replay loop would look it up if the candidate repeated the
recording. In-sample the trajectory's own calls are in the database (an upper
bound: the recording always answers itself); leave-one-out they are excluded, so
hits come from other trajectories only, as for traffic never seen before. A hit is
*faithful* when the database's response is the one the trajectory really got.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from streamer.agentic.tooldb import Point, Scope, ToolDatabase, recorded_calls
from streamer.records import TrafficRecord


@dataclass(slots=True)
class HitRate:
    """Lookups of recorded calls: hits by scope, and how many hits were faithful."""

    calls: int = 0
    hits: Counter[str] = field(default_factory=Counter)
    exact_hits: int = 0
    faithful: int = 0

    @property
    def hit_count(self) -> int:
        """Calls the database answered, in any scope."""
        return sum(self.hits.values())

    @property
    def hit_rate(self) -> float:
        """The share of calls the database answered (0 for no calls)."""
        return self.hit_count / self.calls if self.calls else 0.0

    @property
    def faithful_rate(self) -> float:
        """The share of hits whose response is the recorded one (0 for no hits)."""
        return self.faithful / self.hit_count if self.hit_count else 0.0

    def to_json(self) -> dict[str, object]:
        """The figures as plain data."""
        return {
            "calls": self.calls,
            "hits": self.hit_count,
            "hit_rate": round(self.hit_rate, 4),
            "hits_by_scope": dict(sorted(self.hits.items())),
            "exact_argument_hits": self.exact_hits,
            "faithful_hits": self.faithful,
            "faithful_rate": round(self.faithful_rate, 4),
        }


def repeat_faithfulness(records: Sequence[TrafficRecord]) -> tuple[int, int]:
    """(calls repeated within a trajectory, repeats whose response was unchanged).

    The share says how often an earlier response to the same call in the same
    trajectory, at another state, would have been the real one.
    """
    repeats = unchanged = 0
    for record in records:
        seen: dict[tuple[str, str], str] = {}
        for call in recorded_calls(record):
            key = (call.name, call.normalised)
            if key in seen:
                repeats += 1
                unchanged += seen[key] == call.response
            seen[key] = call.response
    return repeats, unchanged


def measure_hit_rate(
    records: Sequence[TrafficRecord],
    *,
    leave_one_out: bool,
    widest: Scope = Scope.GLOBAL,
    group: Iterable[str] | None = None,
) -> dict[str, HitRate]:
    """Hit rates per source (`metadata.source`) and `"all"`, from one shared database.

    `group`, when given, restricts which records are measured (all still fill the
    database).
    """
    database = ToolDatabase()
    try:
        for record in records:
            database.add_record(record)
        measured = set(group) if group is not None else {r.id for r in records}

        rates: dict[str, HitRate] = {"all": HitRate()}
        for record in records:
            if record.id not in measured:
                continue
            source = str((record.metadata or {}).get("source", "unknown"))
            for rate in (rates["all"], rates.setdefault(source, HitRate())):
                _measure(database, record, rate, leave_one_out, widest)
        return rates
    finally:
        database.close()


def _measure(
    database: ToolDatabase,
    record: TrafficRecord,
    rate: HitRate,
    leave_one_out: bool,
    widest: Scope,
) -> None:
    for call in recorded_calls(record):
        rate.calls += 1
        point = Point(call.trajectory, call.position - 1, call.task, call.state)
        match = database.lookup(
            call.name,
            call.arguments,
            point,
            widest=widest,
            exclude_trajectory=record.id if leave_one_out else None,
        )
        if match is None:
            continue
        rate.hits[match.scope.label] += 1
        rate.exact_hits += match.exact
        rate.faithful += match.response == call.response
