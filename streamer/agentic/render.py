"""Transcripts as plain text for helper-model prompts, within a character budget."""

from __future__ import annotations

from collections.abc import Sequence

from streamer.records import Message


def render_message(message: Message, *, max_chars: int = 4000) -> str:
    """One turn as `[role] text` plus a line per tool call, clipped in the middle."""
    lines = [f"[{message.role}] {clip(message.text(), max_chars)}".rstrip()]
    for call in message.tool_calls or ():
        arguments = clip(call.function.arguments, max_chars)
        lines.append(f"  -> call {call.function.name}({arguments})")
    return "\n".join(lines)


def render_transcript(
    messages: Sequence[Message],
    *,
    budget: int = 24_000,
    per_message: int = 4000,
    keep_head: int = 2,
) -> str:
    """A transcript within `budget` characters: its first turns and as many last
    turns as fit, with a marker where turns were left out."""
    rendered = [render_message(m, max_chars=per_message) for m in messages]
    head = rendered[:keep_head]
    used = sum(len(text) + 1 for text in head)

    tail: list[str] = []
    for text in reversed(rendered[keep_head:]):
        if used + len(text) + 1 > budget:
            break
        tail.append(text)
        used += len(text) + 1
    tail.reverse()

    omitted = len(rendered) - len(head) - len(tail)
    marker = [f"[... {omitted} turns omitted ...]"] if omitted else []
    return "\n".join(head + marker + tail)


def clip(text: str, max_chars: int) -> str:
    """`text` cut in the middle to at most about `max_chars` characters."""
    if len(text) <= max_chars:
        return text
    half = max_chars // 2
    omitted = len(text) - 2 * half
    return f"{text[:half]}\n[... {omitted} characters omitted ...]\n{text[-half:]}"
