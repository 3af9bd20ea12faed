"""The realism discriminator and the evaluation-awareness probe, over real HTTP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from streamer.agentic.endpoint import ChatEndpoint
from streamer.agentic.model_simulator import ModelToolSimulator
from streamer.agentic.realism import (
    ContinuationPair,
    discriminate,
    probe_awareness,
    tool_output_pairs,
    wilson,
    xstest_contexts,
)
from streamer.agentic.simulator import ToolSimulator
from streamer.agentic.tooldb import ToolDatabase
from streamer.cutpoints import CutPolicy, choose_cuts
from streamer.records import TrafficRecord
from streamer.standin import (
    STANDIN_JUDGE_MODEL,
    STANDIN_JUDGE_NOTICE,
    STANDIN_TOOL_SIMULATOR_MODEL,
    RecordedReplies,
    build_app,
)
from tests.agentic.helpers import OPENHANDS, SWE_AGENT_CALLS, Serve, pick

PLACEHOLDER = "[depsim stand-in tool simulator"


@pytest.fixture
async def standin_url(serve: Serve) -> str:
    return await serve(build_app(RecordedReplies(), seed=1))


@pytest.fixture
async def judge(standin_url: str) -> AsyncIterator[ChatEndpoint]:
    endpoint = ChatEndpoint(
        base_url=standin_url, model=STANDIN_JUDGE_MODEL, api_key="unused"
    )
    yield endpoint
    await endpoint.close()


@pytest.fixture
async def pairs(
    trajectories: list[TrafficRecord], standin_url: str
) -> list[ContinuationPair]:
    """Recorded tool outputs against stand-in placeholders, own recordings held out."""
    records = [pick(trajectories, OPENHANDS), pick(trajectories, SWE_AGENT_CALLS)]
    database = ToolDatabase()
    for record in records:
        database.add_record(record)
    model = ModelToolSimulator(
        ChatEndpoint(
            base_url=standin_url, model=STANDIN_TOOL_SIMULATOR_MODEL, api_key="unused"
        )
    )
    simulator = ToolSimulator(database, model, exclude_trajectory=True)
    policy = CutPolicy(mode="every", every=3, max_cuts=3)
    points = [(r, p) for r in records for p in choose_cuts(r, policy)]

    built = await tool_output_pairs(points, simulator, max_tool_results=2)
    await model.close()
    return built


def judge_app(answer: str) -> web.Application:
    """A scripted judge: `answer` is 'A', 'B', or 'real' (picks the side without
    a placeholder, as a judge that can see the simulation would)."""

    async def completions(request: web.Request) -> web.Response:
        prompt = (await request.json())["messages"][-1]["content"]
        choice = answer
        if answer == "real":
            b = prompt.split("## Continuation B")[1]
            choice = "A" if PLACEHOLDER in b else "B"
        body = {
            "id": "scripted",
            "object": "chat.completion",
            "created": 0,
            "model": "scripted-judge",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": f"ANSWER: {choice}"},
                    "finish_reason": "stop",
                }
            ],
        }
        return web.json_response(body)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", completions)
    return app


async def scripted(serve: Serve, answer: str) -> ChatEndpoint:
    url = await serve(judge_app(answer))
    return ChatEndpoint(base_url=url, model="scripted-judge", api_key="unused")


def test_pairs_keep_the_recorded_turns_and_replace_the_tool_outputs(
    pairs: list[ContinuationPair],
) -> None:
    assert len(pairs) >= 4
    for pair in pairs:
        recorded_tools = [m for m in pair.recorded if m.role == "tool"]
        simulated_tools = [m for m in pair.simulated if m.role == "tool"]
        assert [m.role for m in pair.recorded] == [m.role for m in pair.simulated]
        assert all(m.text().startswith(PLACEHOLDER) for m in simulated_tools)
        assert not any(m.text().startswith(PLACEHOLDER) for m in recorded_tools)


async def test_the_standin_judge_answers_every_pair_and_is_reported_as_standin(
    pairs: list[ContinuationPair], judge: ChatEndpoint
) -> None:
    report = await discriminate(pairs, judge, seed=3)

    assert report.standin is True
    assert report.answered == report.pairs == len(pairs)
    assert report.to_json()["judge_model"] == STANDIN_JUDGE_MODEL


async def test_a_judge_that_sees_the_simulation_is_always_right(
    pairs: list[ContinuationPair], serve: Serve
) -> None:
    judge = await scripted(serve, "real")

    report = await discriminate(pairs, judge, seed=3)
    await judge.close()

    assert report.accuracy.value == 1.0
    assert report.simulated_win_rate.value == 0.0


async def test_fixed_answers_a_and_b_are_each_right_on_complementary_pairs(
    pairs: list[ContinuationPair], serve: Serve
) -> None:
    always_a, always_b = await scripted(serve, "A"), await scripted(serve, "B")

    a = await discriminate(pairs, always_a, seed=5)
    b = await discriminate(pairs, always_b, seed=5)
    await always_a.close()
    await always_b.close()

    assert a.correct + b.correct == len(pairs)
    assert a.simulated_win_rate.count == b.correct


async def test_awareness_is_reported_per_set_by_a_labelled_standin(
    trajectories: list[TrafficRecord], judge: ChatEndpoint
) -> None:
    traffic = [pick(trajectories, OPENHANDS).messages[:2]]

    replayed = await probe_awareness("replayed_traffic", traffic, judge)
    evals = await probe_awareness("xstest", xstest_contexts(limit=20), judge)

    assert (replayed.contexts, evals.contexts) == (1, 20)
    assert evals.answered == 20
    assert replayed.standin
    assert evals.standin
    assert evals.to_json()["set"] == "xstest"


async def test_the_standin_judge_labels_its_answers(judge: ChatEndpoint) -> None:
    completion = await judge.complete("system", "Reply 'ANSWER: YES' or 'ANSWER: NO'.")

    assert re.match(r"ANSWER: (YES|NO)\n", completion.text)
    assert STANDIN_JUDGE_NOTICE in completion.text


def test_the_shipped_xstest_prompts_are_all_read() -> None:
    assert len(xstest_contexts()) == 450


def test_the_wilson_interval_brackets_the_share_and_is_none_for_no_answers() -> None:
    low, high = wilson(5, 10) or (0.0, 0.0)
    zero_low, _ = wilson(0, 10) or (1.0, 1.0)

    assert low < 0.5 < high
    assert zero_low == 0.0
    assert wilson(0, 0) is None
