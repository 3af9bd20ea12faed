"""Fitting a prefix into the candidate's context window, counted offline.

Token counts are an upper bound, not an estimate: byte-level BPE tokenizers (the GPT,
Llama 3, Qwen and Mistral families) never produce more tokens than the text has UTF-8
bytes, since every token covers at least one byte. So a prefix counted here at N
tokens is at most N tokens to the candidate, plus `MESSAGE_OVERHEAD` per message for
role markers. No tokenizer is downloaded (tiktoken fetches its tables on first use and
fails offline). The bound is loose, about four times the real count for English; a
deployment that knows its tokenizer may set `context_bytes_per_token` above 1, at the
cost of the guarantee.

Policies when the prefix does not fit in `candidate_context_tokens` less the reply's
`candidate_max_tokens`:

- `trim_oldest`: drop whole turns, oldest first, until it fits. System and developer
  messages stay; an assistant turn that called tools leaves together with the tool
  results that answer it. The number of messages dropped is the cut's
  `trimmed_turns`. A prefix that still does not fit is rejected.
- `skip`: reject the record with `context_too_long`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from streamer.conversation import Cut
from streamer.errors import RecordRejected
from streamer.reasons import Reason
from streamer.records import Message, ToolSpec

ContextPolicy = Literal["trim_oldest", "skip"]

# Role markers and separators a chat template adds per message; generous for the
# templates above (OpenAI documents 3-4, Llama 3 uses 4-5).
MESSAGE_OVERHEAD = 8

_KEPT_ROLES = frozenset({"system", "developer"})


def message_tokens(message: Message, bytes_per_token: float = 1.0) -> int:
    """An upper bound on one message's tokens (with `bytes_per_token` = 1)."""
    size = len(message.text().encode("utf-8", "surrogatepass"))
    for call in message.tool_calls or ():
        size += len(call.id) + len(call.function.name)
        size += len(call.function.arguments.encode("utf-8", "surrogatepass"))
    return MESSAGE_OVERHEAD + math.ceil(size / bytes_per_token)


def tools_tokens(tools: Sequence[ToolSpec] | None, bytes_per_token: float = 1.0) -> int:
    """An upper bound on the tokens of the tool schemas offered to the model."""
    if not tools:
        return 0
    schema = json.dumps([tool.model_dump(mode="json") for tool in tools])
    return math.ceil(len(schema.encode("utf-8", "surrogatepass")) / bytes_per_token)


@dataclass(frozen=True, slots=True)
class ContextWindow:
    """The candidate's context window and what to do with prefixes that overflow."""

    tokens: int = 128_000
    reply_tokens: int = 1024
    policy: ContextPolicy = "trim_oldest"
    bytes_per_token: float = 1.0

    @property
    def budget(self) -> int:
        """Tokens left for the prefix and tool schemas once the reply is reserved."""
        return self.tokens - self.reply_tokens

    def fit(self, conversation: Cut, tools: Sequence[ToolSpec] | None = None) -> Cut:
        """The cut with a prefix that fits; raise `RecordRejected` when none can."""
        sizes = [message_tokens(m, self.bytes_per_token) for m in conversation.prefix]
        total = sum(sizes) + tools_tokens(tools, self.bytes_per_token)
        if total <= self.budget:
            return conversation
        if self.policy == "skip":
            raise RecordRejected(Reason.CONTEXT_TOO_LONG, f"{total} > {self.budget}")

        keep = [True] * len(sizes)
        for group in _droppable_groups(conversation.prefix):
            for index in group:
                keep[index] = False
                total -= sizes[index]
            if total <= self.budget:
                break
        prefix = tuple(
            m for m, kept in zip(conversation.prefix, keep, strict=True) if kept
        )
        if total > self.budget:
            raise RecordRejected(
                Reason.CONTEXT_TOO_LONG, f"{total} > {self.budget} after trimming"
            )
        return replace(conversation, prefix=prefix, trimmed_turns=keep.count(False))


def _droppable_groups(prefix: Sequence[Message]) -> list[list[int]]:
    """Indices of the prefix's droppable turns, oldest first, the newest never.

    An assistant turn with tool calls and the tool results after it form one group,
    so no tool result is left without its call. The last group is what the reply
    answers; dropping it would change the question, so it is not offered.
    """
    groups: list[list[int]] = []
    for index, message in enumerate(prefix):
        if message.role in _KEPT_ROLES:
            continue
        if message.role == "tool" and groups and _is_call_group(prefix, groups[-1]):
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups[:-1]


def _is_call_group(prefix: Sequence[Message], group: list[int]) -> bool:
    return bool(prefix[group[0]].tool_calls)
