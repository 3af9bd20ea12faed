"""Cutting a conversation before its last assistant reply.

The production reply is the last assistant message; the prefix is everything before
it. Turns after that reply (a user turn nobody answered, say) are dropped: they came
after the reply and cannot have shaped it. A conversation with no assistant turn, an
empty prefix, an empty production reply, or a tool result answering no earlier call
cannot be replayed and is rejected with a reason code.
"""

from __future__ import annotations

from dataclasses import dataclass

from streamer.errors import RecordRejected
from streamer.reasons import Reason
from streamer.records import Message, TrafficRecord


@dataclass(frozen=True, slots=True)
class Cut:
    """A conversation split into what the model saw and what it said."""

    prefix: tuple[Message, ...]
    reply: Message
    dropped_turns: int
    trimmed_turns: int = 0  # oldest prefix turns left out to fit the context window


def cut(record: TrafficRecord) -> Cut:
    """Split a record at its last assistant message; raise `RecordRejected`."""
    messages = record.messages
    _check_tool_results(messages)

    last = _last_assistant_index(messages)
    if last is None:
        raise RecordRejected(Reason.NO_ASSISTANT_TURN)
    if last == 0:
        raise RecordRejected(Reason.EMPTY_PREFIX)

    reply = messages[last]
    if not reply.text().strip() and not reply.tool_calls:
        raise RecordRejected(Reason.EMPTY_PRODUCTION_REPLY)

    return Cut(
        prefix=tuple(messages[:last]),
        reply=reply,
        dropped_turns=len(messages) - last - 1,
    )


def _last_assistant_index(messages: list[Message]) -> int | None:
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].role == "assistant":
            return index
    return None


def _check_tool_results(messages: list[Message]) -> None:
    """Every tool message must answer a tool call made earlier in the conversation."""
    called: set[str] = set()
    for position, message in enumerate(messages):
        if message.tool_calls:
            called.update(call.id for call in message.tool_calls)
        if message.role == "tool" and message.tool_call_id not in called:
            raise RecordRejected(Reason.ORPHAN_TOOL_RESULT, f"messages.{position}")
