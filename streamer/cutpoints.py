"""Where to cut a trajectory: which assistant turns the candidate replays from.

A chat has one cut, before its last assistant reply (`streamer.conversation.cut`). An
agent trajectory has many assistant turns, and each is a point at which the candidate
can take over: one trajectory then yields one shadow continuation per cut. Policies:

- `last`: the last assistant turn only (the default, the same cut as for chats);
- `every`: every k-th assistant turn counted back from the last, so the last is
  always included;
- `random`: `count` assistant turns drawn without replacement, seeded by the
  policy's seed and the record id, so a redelivered record gets the same cuts.

Each policy keeps at most `max_cuts` cuts (the latest ones). A cut carries its index
(the reply's position in `messages`): graded records carry it as `cut_index`, which
keeps their dedupe keys unique per cut.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Literal

from streamer.conversation import Cut, cut
from streamer.records import Message, TrafficRecord

PolicyMode = Literal["last", "every", "random"]


@dataclass(frozen=True, slots=True)
class CutPolicy:
    """How many assistant turns of a trajectory to replay from, and which."""

    mode: PolicyMode = "last"
    every: int = 1
    count: int = 1
    seed: int = 0
    max_cuts: int = 8

    def __post_init__(self) -> None:
        if self.every < 1 or self.count < 1 or self.max_cuts < 1:
            raise ValueError("every, count and max_cuts must be at least 1")


@dataclass(frozen=True, slots=True)
class CutPoint:
    """A cut and the position of its reply in the record's messages."""

    index: int
    cut: Cut


def parse_policy(spec: str, *, seed: int = 0, max_cuts: int = 8) -> CutPolicy:
    """A policy from its setting: `last`, `every:K` or `random:N`.

    Raises `ValueError` for anything else.
    """
    mode, _, number = spec.strip().partition(":")
    if mode == "last" and not number:
        return CutPolicy("last", max_cuts=max_cuts)
    if mode in ("every", "random") and number.isdigit():
        if mode == "every":
            return CutPolicy("every", every=int(number), seed=seed, max_cuts=max_cuts)
        return CutPolicy("random", count=int(number), seed=seed, max_cuts=max_cuts)
    raise ValueError(f"a cut policy is last, every:K or random:N, not {spec!r}")


def choose_cuts(record: TrafficRecord, policy: CutPolicy) -> list[CutPoint]:
    """The cuts `policy` picks in `record`, in conversation order.

    Raises `RecordRejected` for a record that has no valid last cut (the checks of
    `streamer.conversation.cut`), so a record is rejected the same way whatever the
    policy.
    """
    last = cut(record)
    candidates = replayable_turns(record.messages)

    if policy.mode == "last":
        chosen = [candidates[-1]]
    elif policy.mode == "every":
        chosen = candidates[::-1][:: policy.every][::-1]
    else:
        rng = random.Random(_seed(policy.seed, record.id))
        chosen = sorted(rng.sample(candidates, min(policy.count, len(candidates))))
    chosen = chosen[-policy.max_cuts :]

    return [
        CutPoint(index, last if index == candidates[-1] else _cut_at(record, index))
        for index in chosen
    ]


def replayable_turns(messages: list[Message]) -> list[int]:
    """Positions of assistant turns with something to compare and a prefix before."""
    return [
        index
        for index, message in enumerate(messages)
        if index > 0
        and message.role == "assistant"
        and (message.text().strip() or message.tool_calls)
    ]


def _cut_at(record: TrafficRecord, index: int) -> Cut:
    messages = record.messages
    return Cut(
        prefix=tuple(messages[:index]),
        reply=messages[index],
        dropped_turns=len(messages) - index - 1,
    )


def _seed(seed: int, record_id: str) -> int:
    digest = hashlib.sha256(f"{seed}:{record_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")
