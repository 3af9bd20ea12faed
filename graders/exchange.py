"""What a grader reads: a prefix and a reply, as plain text turns.

Graders depend on nothing else of depsim; the streamer converts its records into
these before grading. The arm that produced the reply is deliberately absent, so no
grader can treat shadow and live replies differently.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ToolUse:
    """A tool call as the reply made it: the function's name and raw arguments."""

    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Turn:
    """One turn: its role, its text, and any tool calls it made."""

    role: str
    text: str
    tool_uses: tuple[ToolUse, ...] = ()


@dataclass(frozen=True, slots=True)
class Exchange:
    """The prefix the model saw and the reply it gave.

    For an agent, `continuation` holds every turn from the cut on: its assistant
    turns and the tool results it got (simulated, in a replay), ending with `reply`,
    its last assistant turn. It is empty for a single reply.
    """

    prefix: tuple[Turn, ...]
    reply: Turn
    continuation: tuple[Turn, ...] = ()

    @property
    def reply_is_empty(self) -> bool:
        """A reply with neither text nor tool calls cannot be graded."""
        return not self.reply.text.strip() and not self.reply.tool_uses

    @property
    def turns_after_cut(self) -> tuple[Turn, ...]:
        """The continuation, or the reply alone when there is none."""
        return self.continuation or (self.reply,)

    @property
    def chars(self) -> int:
        """Characters of text in the prefix, the continuation and the reply."""
        turns = (*self.prefix, *self.continuation, self.reply)
        return sum(len(turn.text) for turn in turns)

    def last_user_text(self) -> str:
        """The text of the last user turn before the reply, or an empty string."""
        for turn in reversed(self.prefix):
            if turn.role == "user":
                return turn.text
        return ""
