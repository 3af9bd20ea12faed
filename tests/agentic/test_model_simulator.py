"""What the model tool simulator is shown for a call."""

from __future__ import annotations

from streamer.agentic.model_simulator import CALL_MARKER, build_prompt
from streamer.agentic.simulator import SimulationRequest
from streamer.agentic.tooldb import ToolDatabase, point_of
from streamer.cutpoints import CutPolicy, choose_cuts
from streamer.records import TrafficRecord
from tests.agentic.helpers import OPENHANDS, pick


def request_at_a_middle_cut(record: TrafficRecord) -> SimulationRequest:
    points = choose_cuts(record, CutPolicy(mode="every", every=1, max_cuts=1000))
    point = points[len(points) // 2]
    call = (point.cut.reply.tool_calls or [])[0]
    conversation = (*point.cut.prefix, point.cut.reply)
    database = ToolDatabase()
    database.add_record(record)
    where = point_of(conversation, record.id, call.id)
    tool = next(t for t in record.tools or () if t.function.name == call.function.name)
    return SimulationRequest(
        tool=tool,
        call=call,
        conversation=conversation,
        original=record.messages,
        cut_index=point.index,
        nearby=database.nearby(where, limit=3),
        examples=database.examples(call.function.name, limit=2),
    )


def test_the_prompt_shows_schema_trajectory_recordings_and_the_call(
    trajectories: list[TrafficRecord],
) -> None:
    request = request_at_a_middle_cut(pick(trajectories, OPENHANDS))

    prompt = build_prompt(request, budget=20_000)

    assert f"{CALL_MARKER}{request.call.function.name}\n" in prompt
    for section in (
        "## Tool schema",
        "## Original trajectory",
        "## How the recorded trajectory went on",
        "## Recorded outputs near that point",
        "## Simulate this call",
    ):
        assert section in prompt
    assert request.nearby[0].response[:200] in prompt


def test_the_prompt_stays_near_its_budget(trajectories: list[TrafficRecord]) -> None:
    request = request_at_a_middle_cut(pick(trajectories, OPENHANDS))

    prompt = build_prompt(request, budget=8_000)

    assert len(prompt) < 8_000 * 1.5
