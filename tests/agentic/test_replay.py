"""The replay loop against the stand-in over real HTTP, with simulated tools."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from aiohttp import web

from streamer.agentic.endpoint import ChatEndpoint
from streamer.agentic.model_simulator import ModelToolSimulator
from streamer.agentic.replay import Continuation, Replayer, ReplayLimits
from streamer.agentic.simulator import ToolSimulator
from streamer.agentic.tooldb import Scope, ToolDatabase, recorded_calls
from streamer.candidate import Candidate
from streamer.cutpoints import CutPoint, CutPolicy, choose_cuts
from streamer.reasons import Reason
from streamer.records import Message, TrafficRecord
from streamer.standin import STANDIN_TOOL_SIMULATOR_MODEL, build_app
from tests.agentic.helpers import (
    OPENHANDS,
    SWE_AGENT_CALLS,
    SWE_AGENT_TEXT,
    Serve,
    pick,
    recorded_turns,
)

MakeCandidate = Callable[[str], Candidate]


def early_cut(record: TrafficRecord) -> CutPoint:
    """The first assistant turn after the task: the longest continuation."""
    return choose_cuts(record, CutPolicy(mode="every", every=1, max_cuts=1000))[0]


def database_of(*records: TrafficRecord) -> ToolDatabase:
    database = ToolDatabase()
    for record in records:
        database.add_record(record)
    return database


def model_simulator(base_url: str) -> ModelToolSimulator:
    endpoint = ChatEndpoint(
        base_url=base_url,
        model=STANDIN_TOOL_SIMULATOR_MODEL,
        api_key="unused",
        max_retries=0,
    )
    return ModelToolSimulator(endpoint)


def turns(messages: tuple[Message, ...] | list[Message]) -> list[tuple[object, ...]]:
    """Messages as the stand-in compares them: role, text and tool calls."""
    return [
        (
            m.role,
            m.text(),
            [(c.function.name, c.function.arguments) for c in m.tool_calls or ()],
        )
        for m in messages
    ]


async def server_error(request: web.Request) -> web.Response:
    return web.json_response({"error": {"message": "down"}}, status=500)


async def replay(
    candidate: Candidate,
    record: TrafficRecord,
    simulator: ToolSimulator,
    limits: ReplayLimits | None = None,
) -> Continuation:
    return await Replayer(candidate, simulator, limits).replay(
        record, early_cut(record)
    )


async def test_the_standin_serves_the_recorded_next_turn_with_its_tool_calls(
    trajectories: list[TrafficRecord], serve: Serve, candidate_at: MakeCandidate
) -> None:
    record = pick(trajectories, OPENHANDS)
    candidate = candidate_at(await serve(build_app(recorded_turns([record]))))
    point = early_cut(record)

    generation = await candidate.generate(point.cut.prefix, record.tools)

    assert turns([generation.message]) == turns([point.cut.reply])
    assert generation.message.tool_calls


@pytest.mark.parametrize("record_id", [OPENHANDS, SWE_AGENT_CALLS, SWE_AGENT_TEXT])
async def test_a_replay_answered_from_the_database_follows_the_recording(
    record_id: str,
    trajectories: list[TrafficRecord],
    serve: Serve,
    candidate_at: MakeCandidate,
) -> None:
    record = pick(trajectories, record_id)
    candidate = candidate_at(await serve(build_app(recorded_turns([record]))))
    point = early_cut(record)

    continuation = await replay(
        candidate, record, ToolSimulator(database_of(record), widest=Scope.STATE)
    )

    recorded = record.messages[point.index : point.index + len(continuation.messages)]
    assert continuation.reason is None
    assert turns(continuation.messages) == turns(recorded)
    assert continuation.tool_results
    assert {(r.source, r.scope) for r in continuation.tool_results} == {
        ("database", "state")
    }


async def test_database_misses_are_answered_by_the_model_simulator_endpoint(
    trajectories: list[TrafficRecord], serve: Serve, candidate_at: MakeCandidate
) -> None:
    record = pick(trajectories, SWE_AGENT_CALLS)
    url = await serve(build_app(recorded_turns([record], match_tool_results=False)))
    candidate = candidate_at(url)
    database = ToolDatabase()
    database.add(list(recorded_calls(record))[1:])  # the first call was never recorded
    model = model_simulator(url)

    continuation = await replay(candidate, record, ToolSimulator(database, model))
    await model.close()

    first, *rest = continuation.tool_results
    assert continuation.reason is None
    assert first.source == "model"
    assert first.content.startswith("[depsim stand-in tool simulator")
    assert rest
    assert {r.source for r in rest} == {"database"}


async def test_a_call_of_a_tool_not_offered_gets_an_error_result_and_goes_on(
    trajectories: list[TrafficRecord], serve: Serve, candidate_at: MakeCandidate
) -> None:
    record = pick(trajectories, SWE_AGENT_CALLS)
    url = await serve(build_app(recorded_turns([record], match_tool_results=False)))
    called = early_cut(record).cut.reply.tool_calls or []
    offered = [
        t for t in record.tools or () if t.function.name != called[0].function.name
    ]
    narrowed = record.model_copy(update={"tools": offered})

    continuation = await replay(
        candidate_at(url), narrowed, ToolSimulator(database_of(record))
    )

    error = continuation.tool_results[0]
    body = json.loads(error.content)
    assert error.source == Reason.UNKNOWN_TOOL
    assert body["error"] == "unknown_tool"
    assert called[0].function.name in body["message"]
    assert continuation.messages[1].tool_call_id == called[0].id
    assert continuation.reason is None
    assert continuation.steps > 1


async def test_the_step_limit_stops_with_its_reason(
    trajectories: list[TrafficRecord], serve: Serve, candidate_at: MakeCandidate
) -> None:
    record = pick(trajectories, OPENHANDS)
    candidate = candidate_at(await serve(build_app(recorded_turns([record]))))

    continuation = await replay(
        candidate, record, ToolSimulator(database_of(record)), ReplayLimits(max_steps=2)
    )

    assert continuation.reason == Reason.STEP_LIMIT
    assert continuation.steps == 2
    assert continuation.final is not None
    assert continuation.final.tool_calls


async def test_the_token_limit_stops_with_its_reason(
    trajectories: list[TrafficRecord], serve: Serve, candidate_at: MakeCandidate
) -> None:
    record = pick(trajectories, OPENHANDS)
    candidate = candidate_at(await serve(build_app(recorded_turns([record]))))

    continuation = await replay(
        candidate,
        record,
        ToolSimulator(database_of(record)),
        ReplayLimits(max_tokens=1),
    )

    assert continuation.reason == Reason.TOKEN_LIMIT
    assert continuation.steps == 1
    assert continuation.tokens >= 1


async def test_the_time_limit_stops_with_its_reason(
    trajectories: list[TrafficRecord], serve: Serve, candidate_at: MakeCandidate
) -> None:
    record = pick(trajectories, OPENHANDS)
    app = build_app(recorded_turns([record]), latency_s=0.2)
    candidate = candidate_at(await serve(app))

    continuation = await replay(
        candidate,
        record,
        ToolSimulator(database_of(record)),
        ReplayLimits(max_seconds=0.5),
    )

    assert continuation.reason == Reason.TIME_LIMIT
    assert 1 <= continuation.steps <= 3
    assert continuation.elapsed_s < 2


async def test_a_miss_with_no_model_simulator_stops_as_unsimulated(
    trajectories: list[TrafficRecord], serve: Serve, candidate_at: MakeCandidate
) -> None:
    record = pick(trajectories, OPENHANDS)
    candidate = candidate_at(await serve(build_app(recorded_turns([record]))))

    continuation = await replay(candidate, record, ToolSimulator(ToolDatabase()))

    assert continuation.reason == Reason.TOOL_UNSIMULATED
    assert continuation.steps == 1


async def test_a_failing_model_simulator_stops_with_its_reason(
    trajectories: list[TrafficRecord], serve: Serve, candidate_at: MakeCandidate
) -> None:
    record = pick(trajectories, OPENHANDS)
    candidate = candidate_at(await serve(build_app(recorded_turns([record]))))
    broken = web.Application()
    broken.router.add_post("/v1/chat/completions", server_error)
    model = model_simulator(await serve(broken))

    continuation = await replay(candidate, record, ToolSimulator(None, model))
    await model.close()

    assert continuation.reason == Reason.TOOL_SIMULATOR_FAILED
