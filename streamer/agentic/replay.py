"""The replay loop: a candidate continues a trajectory with simulated tools.

From a cut, the candidate gets the prefix and the record's tools. While it answers
with tool calls, each call is answered by the tool simulator and the loop asks
again. It stops when the candidate answers without a tool call or calls a terminal
tool (one after which the harness ends the run, such as OpenHands' `finish`: named
in `ReplayLimits.terminal_tools` or by the adapter in `metadata.terminal_tools`),
or at a limit:

    step_limit              `max_steps` candidate calls, the last still calling tools
    token_limit             `max_tokens` spent (candidate and model simulator together)
    time_limit              `max_seconds` of wall-clock time for the continuation
    tool_unsimulated        a call neither the database nor a model could answer
    tool_simulator_failed   the model simulator's endpoint failed
    <generation reason>     the candidate's endpoint failed (`streamer.errors`)

A limit is an outcome with its reason, not an error: the continuation up to that
point is returned, so graders can still read what the candidate did. A call of a
tool the record does not offer gets an error result and the loop goes on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from streamer.agentic.simulator import (
    CallSite,
    SimulationError,
    ToolResult,
    ToolSimulator,
)
from streamer.agentic.tooldb import call_points
from streamer.candidate import Generation
from streamer.cutpoints import CutPoint
from streamer.errors import GenerationError
from streamer.reasons import Reason
from streamer.records import Message, ToolSpec, TrafficRecord

Clock = Callable[[], float]


class Generator(Protocol):
    """What the loop needs of a candidate: `streamer.candidate.Candidate` fits."""

    model: str

    async def generate(
        self, prefix: Sequence[Message], tools: Sequence[ToolSpec] | None = None
    ) -> Generation:
        """The next assistant turn after `prefix`."""
        ...


@dataclass(frozen=True, slots=True)
class ReplayLimits:
    """Bounds on one continuation; each one reached is a reason-coded outcome."""

    max_steps: int = 30
    max_tokens: int = 500_000
    max_seconds: float = 300.0
    terminal_tools: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.max_steps < 1 or self.max_tokens < 1 or self.max_seconds <= 0:
            raise ValueError("replay limits must be positive")


@dataclass(frozen=True, slots=True)
class Continuation:
    """What the candidate did from a cut: its turns and the simulated results.

    `reason` is None when the candidate finished by itself, else why the loop
    stopped. `messages` alternate assistant turns and tool results, as they would
    be appended to the prefix.
    """

    cut_index: int
    model: str
    messages: tuple[Message, ...]
    reason: str | None
    steps: int
    prompt_tokens: int
    completion_tokens: int
    simulator_tokens: int
    elapsed_s: float
    tool_results: tuple[ToolResult, ...] = field(default=())

    @property
    def final(self) -> Message | None:
        """The candidate's last assistant turn, if it produced one."""
        for message in reversed(self.messages):
            if message.role == "assistant":
                return message
        return None

    @property
    def tokens(self) -> int:
        """Every token spent on this continuation."""
        return self.prompt_tokens + self.completion_tokens + self.simulator_tokens

    def summary(self) -> dict[str, Any]:
        """How the continuation went, without content: for graded records."""
        sources: dict[str, int] = {}
        for result in self.tool_results:
            key = result.source if result.scope is None else f"database:{result.scope}"
            sources[key] = sources.get(key, 0) + 1
        return {
            "cut_index": self.cut_index,
            "steps": self.steps,
            "stop_reason": self.reason,
            "tool_calls": len(self.tool_results),
            "tool_results_by_source": sources,
            "simulator_tokens": self.simulator_tokens,
            "elapsed_s": round(self.elapsed_s, 6),
        }


class Replayer:
    """Runs continuations of one candidate against one tool simulator."""

    def __init__(
        self,
        candidate: Generator,
        simulator: ToolSimulator,
        limits: ReplayLimits | None = None,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self.candidate = candidate
        self.simulator = simulator
        self.limits = limits or ReplayLimits()
        self._clock = clock

    async def replay(self, record: TrafficRecord, point: CutPoint) -> Continuation:
        """Continue `record` from `point` until the candidate stops or a limit."""
        run = _Run(self, record, point)
        try:
            async with asyncio.timeout(self.limits.max_seconds):
                await run.loop()
        except TimeoutError:
            run.reason = Reason.TIME_LIMIT.value
        return run.result()


class _Run:
    """The state of one continuation."""

    def __init__(self, replayer: Replayer, record: TrafficRecord, point: CutPoint):
        self.replayer = replayer
        self.record = record
        self.point = point
        self.tools = tuple(record.tools or ())
        self.terminal = replayer.limits.terminal_tools | _terminal_tools(record)
        self.conversation = list(point.cut.prefix)
        self.results: list[ToolResult] = []
        self.reason: str | None = None
        self.steps = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.simulator_tokens = 0
        self.started = replayer._clock()

    async def loop(self) -> None:
        limits = self.replayer.limits
        while True:
            try:
                generation = await self.replayer.candidate.generate(
                    self.conversation, self.tools or None
                )
            except GenerationError as failure:
                self.reason = str(failure.reason)
                return
            self.steps += 1
            self.prompt_tokens += generation.prompt_tokens
            self.completion_tokens += generation.completion_tokens

            reply = generation.message
            if not reply.text().strip() and not reply.tool_calls:
                self.reason = Reason.EMPTY_REPLY.value
                return
            self.conversation.append(reply)
            calls = reply.tool_calls or []
            if not calls or any(c.function.name in self.terminal for c in calls):
                return
            if self._spent() >= limits.max_tokens:
                self.reason = Reason.TOKEN_LIMIT.value
                return
            if self.steps >= limits.max_steps:
                self.reason = Reason.STEP_LIMIT.value
                return

            try:
                await self._simulate(calls)
            except SimulationError as failure:
                self.reason = str(failure.reason)
                return
            if self._spent() >= limits.max_tokens:
                self.reason = Reason.TOKEN_LIMIT.value
                return

    async def _simulate(self, calls: Sequence[Any]) -> None:
        points = list(call_points(self.conversation, self.record.id))[-len(calls) :]
        for call, (_, _, _, where) in zip(calls, points, strict=True):
            site = CallSite(
                tools=self.tools,
                conversation=tuple(self.conversation),
                original=tuple(self.record.messages),
                cut_index=self.point.index,
                point=where,
            )
            result = await self.replayer.simulator.answer(call, site)
            self.simulator_tokens += result.prompt_tokens + result.completion_tokens
            self.results.append(result)
            self.conversation.append(result.message())

    def _spent(self) -> int:
        return self.prompt_tokens + self.completion_tokens + self.simulator_tokens

    def result(self) -> Continuation:
        return Continuation(
            cut_index=self.point.index,
            model=self.replayer.candidate.model,
            messages=tuple(self.conversation[len(self.point.cut.prefix) :]),
            reason=self.reason,
            steps=self.steps,
            prompt_tokens=self.prompt_tokens,
            completion_tokens=self.completion_tokens,
            simulator_tokens=self.simulator_tokens,
            elapsed_s=self.replayer._clock() - self.started,
            tool_results=tuple(self.results),
        )


def _terminal_tools(record: TrafficRecord) -> frozenset[str]:
    """Terminal tools an adapter named in the record's metadata."""
    named = (record.metadata or {}).get("terminal_tools")
    if not isinstance(named, list):
        return frozenset()
    return frozenset(name for name in named if isinstance(name, str))
