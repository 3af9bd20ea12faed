"""The LLM judge against a stand-in judge served over real HTTP.

The stand-in is an aiohttp app on 127.0.0.1 that answers chat completions with a
scripted sequence of raw replies (or HTTP errors), one per request, and records
every request body, so the tests see what the real `openai` client sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from graders import JudgeConfigError, LLMJudge, Status, load_taxonomy
from graders.judge import JudgeEndpoint
from tests.graders.helpers import exchange, flags

TAXONOMY = load_taxonomy()
RUBRIC = [TAXONOMY.get("refusal"), TAXONOMY.get("sycophancy")]
GOOD = json.dumps(
    {
        "verdicts": [
            {"category": "refusal", "flagged": True, "confidence": 0.9},
            {"category": "sycophancy", "flagged": False, "confidence": 0.8},
        ]
    }
)


@dataclass
class StandInJudge:
    """Scripted answers: a string is the reply's content, an int an HTTP status,
    bytes the whole body."""

    script: list[str | int | bytes | dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    async def completions(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        answer = self.script.pop(0) if self.script else GOOD
        if isinstance(answer, int):
            return web.json_response({"error": {"message": "no"}}, status=answer)
        if isinstance(answer, bytes):
            return web.Response(body=answer, content_type="application/json")
        message = answer if isinstance(answer, dict) else {"content": answer}
        return web.json_response(
            {
                "id": "judge-1",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", **message},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": 1,
                    "completion_tokens": 1,
                    "total_tokens": 2,
                },
            }
        )


@pytest.fixture
async def stand_in() -> AsyncIterator[tuple[StandInJudge, str]]:
    judge = StandInJudge()
    app = web.Application()
    app.router.add_post("/v1/chat/completions", judge.completions)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield judge, str(server.make_url("/v1"))
    await server.close()


@pytest.fixture
async def judge(stand_in: tuple[StandInJudge, str]) -> AsyncIterator[LLMJudge]:
    _, url = stand_in
    grader = LLMJudge(
        JudgeEndpoint(base_url=url, model="judge-model", max_retries=0, timeout_s=5),
        RUBRIC,
        candidate_models=["candidate-model"],
    )
    yield grader
    await grader.close()


FULL_SHAPES = [
    GOOD,  # well-formed
    "Sure! Here is my verdict:\n" + GOOD + "\nThanks.",  # prose around JSON
    "```json\n" + GOOD + "\n```",  # fenced JSON
    json.dumps(  # numbers and booleans as strings, a 0-100 confidence
        {
            "verdicts": [
                {"category": "refusal", "flagged": "yes", "confidence": "90"},
                {"category": "sycophancy", "flagged": "no", "confidence": "0.8"},
            ]
        }
    ),
]


@pytest.mark.parametrize("answer", FULL_SHAPES)
async def test_each_readable_shape_gives_verdicts_in_one_call(
    stand_in: tuple[StandInJudge, str], judge: LLMJudge, answer: str
) -> None:
    server, _ = stand_in
    server.script = [answer]

    result = await judge.grade(exchange("I can't help with that."))

    assert flags(result) == {"refusal": True, "sycophancy": False}
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "first",
    [
        "I think the reply is a refusal.",  # prose only
        "I'm sorry, but I can't evaluate this conversation.",  # the judge refuses
        "",  # empty content
        GOOD[:40],  # cut off before any verdict completes
        {"content": None, "refusal": "I can't help with that."},  # structured refusal
    ],
)
async def test_an_unreadable_answer_is_retried_once(
    stand_in: tuple[StandInJudge, str], judge: LLMJudge, first: str | dict[str, Any]
) -> None:
    server, _ = stand_in
    server.script = [first, GOOD]

    result = await judge.grade(exchange("I can't help with that."))

    assert result.status is Status.OK
    assert len(server.requests) == 2


async def test_two_unreadable_answers_are_a_grader_error_not_a_negative(
    stand_in: tuple[StandInJudge, str], judge: LLMJudge
) -> None:
    server, _ = stand_in
    server.script = ["no idea", "still no idea"]

    result = await judge.grade(exchange("I can't help with that."))

    assert result.status is Status.GRADER_ERROR
    assert result.verdicts == ()
    assert result.reason == "unreadable"


async def test_a_refusing_judge_is_a_grader_error_with_its_reason(
    stand_in: tuple[StandInJudge, str], judge: LLMJudge
) -> None:
    server, _ = stand_in
    server.script = ["I'm sorry, I can't do that.", "I'm sorry, I can't do that."]

    result = await judge.grade(exchange("Whatever."))

    assert result.reason == "judge_refused"


async def test_an_incomplete_answer_is_retried_and_the_fuller_one_kept(
    stand_in: tuple[StandInJudge, str], judge: LLMJudge
) -> None:
    server, _ = stand_in
    partial = json.dumps({"verdicts": [{"category": "refusal", "flagged": True}]})
    server.script = [partial, "unreadable the second time"]

    result = await judge.grade(exchange("I can't help with that."))

    assert flags(result) == {"refusal": True}
    assert result.extra["missing"] == ["sycophancy"]


async def test_a_body_that_is_not_a_completion_is_retried_as_unreadable(
    stand_in: tuple[StandInJudge, str], judge: LLMJudge
) -> None:
    server, _ = stand_in
    server.script = [b'{"choices": [', b'{"choices": "none"}']

    result = await judge.grade(exchange("I can't help with that."))

    assert result.status is Status.GRADER_ERROR
    assert result.reason == "unreadable"
    assert len(server.requests) == 2


async def test_an_http_error_is_a_grader_error(
    stand_in: tuple[StandInJudge, str], judge: LLMJudge
) -> None:
    server, _ = stand_in
    server.script = [400]

    result = await judge.grade(exchange("I can't help with that."))

    assert result.status is Status.GRADER_ERROR
    assert result.reason == "judge_rejected"


async def test_the_judge_is_never_told_the_arm_or_the_model(
    stand_in: tuple[StandInJudge, str], judge: LLMJudge
) -> None:
    server, _ = stand_in

    await judge.grade(exchange("I can't help with that.", "please help"))

    sent = json.dumps(server.requests[0]["messages"]).lower()
    assert not re.search(r"\b(?:shadow|live|arm|candidate-model)\b", sent)


async def test_the_rubric_names_every_category_asked_about(
    stand_in: tuple[StandInJudge, str], judge: LLMJudge
) -> None:
    server, _ = stand_in

    await judge.grade(exchange("I can't help with that."))

    system = server.requests[0]["messages"][0]["content"]
    assert "- refusal:" in system
    assert "- sycophancy:" in system


async def test_an_empty_reply_is_not_evaluable_without_a_call(
    stand_in: tuple[StandInJudge, str], judge: LLMJudge
) -> None:
    server, _ = stand_in

    result = await judge.grade(exchange(" "))

    assert result.status is Status.NOT_EVALUABLE
    assert server.requests == []


@pytest.mark.parametrize(
    "candidate", ["judge-model", "JUDGE-MODEL", "openai/judge-model", "judge-model@v2"]
)
def test_a_judge_that_is_the_candidate_model_is_refused(candidate: str) -> None:
    endpoint = JudgeEndpoint(base_url="http://127.0.0.1:1/v1", model="judge-model")

    with pytest.raises(JudgeConfigError, match="may not grade its own replies"):
        LLMJudge(endpoint, RUBRIC, candidate_models=[candidate])


def test_a_judge_without_a_model_is_refused() -> None:
    with pytest.raises(JudgeConfigError):
        LLMJudge(JudgeEndpoint(base_url="http://127.0.0.1:1/v1", model=""), RUBRIC)


def test_no_base_url_means_no_judge() -> None:
    assert JudgeEndpoint.configured("", "judge-model", "key") is None
