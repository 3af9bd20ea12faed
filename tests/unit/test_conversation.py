"""Cutting a conversation before its last assistant reply."""

from __future__ import annotations

from typing import Any

import pytest

from streamer.conversation import cut
from streamer.errors import RecordRejected
from streamer.reasons import Reason
from streamer.records import TrafficRecord

from .test_records import record


def parsed(messages: list[dict[str, Any]]) -> TrafficRecord:
    return TrafficRecord.model_validate(record(messages=messages), strict=False)


def call(call_id: str) -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": "f", "arguments": "{}"},
    }


def test_the_prefix_is_everything_before_the_last_assistant_reply() -> None:
    conversation = parsed(
        [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "b"},
            {"role": "user", "content": "c"},
            {"role": "assistant", "content": "d"},
        ]
    )

    result = cut(conversation)

    assert [m.text() for m in result.prefix] == ["a", "b", "c"]
    assert result.reply.text() == "d"
    assert result.dropped_turns == 0


def test_turns_after_the_last_reply_are_dropped_and_counted() -> None:
    conversation = parsed(
        [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "b"},
            {"role": "user", "content": "unanswered"},
        ]
    )

    result = cut(conversation)

    assert result.reply.text() == "b"
    assert result.dropped_turns == 1


def test_tool_turns_stay_in_the_prefix() -> None:
    conversation = parsed(
        [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": None, "tool_calls": [call("c1")]},
            {"role": "tool", "tool_call_id": "c1", "content": "42"},
            {"role": "assistant", "content": "it is 42"},
        ]
    )

    result = cut(conversation)

    assert [m.role for m in result.prefix] == ["user", "assistant", "tool"]


def test_a_final_reply_made_only_of_tool_calls_is_a_reply() -> None:
    conversation = parsed(
        [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": None, "tool_calls": [call("c1")]},
        ]
    )

    assert cut(conversation).reply.tool_calls is not None


def test_content_as_parts_is_read_as_text() -> None:
    parts = [{"type": "text", "text": "x"}, {"type": "input_audio", "input_audio": {}}]
    conversation = parsed(
        [{"role": "user", "content": parts}, {"role": "assistant", "content": parts}]
    )

    assert cut(conversation).reply.text() == "x"


@pytest.mark.parametrize(
    ("messages", "reason"),
    [
        # only user turns
        ([{"role": "user", "content": "a"}], Reason.NO_ASSISTANT_TURN),
        # an assistant speaking first has nothing to answer
        ([{"role": "assistant", "content": "a"}], Reason.EMPTY_PREFIX),
        # the production reply is empty
        (
            [{"role": "user", "content": "a"}, {"role": "assistant", "content": " "}],
            Reason.EMPTY_PRODUCTION_REPLY,
        ),
        # a tool result answering a call nobody made
        (
            [
                {"role": "user", "content": "a"},
                {"role": "tool", "tool_call_id": "nope", "content": "x"},
                {"role": "assistant", "content": "b"},
            ],
            Reason.ORPHAN_TOOL_RESULT,
        ),
    ],
)
def test_conversations_that_cannot_be_cut_are_rejected(
    messages: list[dict[str, Any]], reason: str
) -> None:
    with pytest.raises(RecordRejected) as caught:
        cut(parsed(messages))

    assert caught.value.reason == reason
