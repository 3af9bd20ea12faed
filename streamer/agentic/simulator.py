"""The tool simulator: answers a candidate's tool calls without executing anything.

Live tool calls during replay are unsafe (they would act on real systems) and
unstable (the world has moved on since the recording), so every call the candidate
makes is answered here, in this order:

1. a tool that is not in the record's schemas gets a well-formed error result, as a
   real agent harness would return, and the replay goes on;
2. the tool-call database (`streamer.agentic.tooldb`) answers with a recorded
   response to the same call, matched on normalised arguments, within the widest
   scope allowed. The default is the same state (the same task and the same calls
   before it): on the shipped trajectories a response recorded for the same call
   in another task was the real one for about 25% of calls, and an earlier
   response to the same call in the same trajectory for about 20% (see
   `hitrate`), so wider scopes are for offline use without a model simulator;
3. else a model simulator (`ModelToolSimulator`, any OpenAI-compatible endpoint) is
   shown the tool's schema, the original trajectory, the recorded responses near
   that point and similar recorded calls, and writes the output;
4. else the call cannot be simulated: `ToolUnsimulated`, which ends the
   continuation with reason `tool_unsimulated`.

Nothing is ever executed: the database is read, the model only writes text.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from streamer.agentic.tooldb import Point, RecordedCall, Scope, ToolDatabase
from streamer.errors import DepsimError
from streamer.reasons import Reason
from streamer.records import Message, ToolCall, ToolSpec


class SimulationError(DepsimError):
    """Raised when a tool call cannot be answered; `reason` ends the continuation."""

    reason: str = Reason.TOOL_SIMULATOR_FAILED


class ToolUnsimulated(SimulationError):
    """Raised when the database has no answer and no model simulator is configured."""

    reason = Reason.TOOL_UNSIMULATED


class SimulatorFailed(SimulationError):
    """Raised when the model simulator's endpoint gave no usable output."""

    reason = Reason.TOOL_SIMULATOR_FAILED


@dataclass(frozen=True, slots=True)
class ToolResult:
    """A simulated tool result and where it came from.

    `source` is `database`, `model` or `unknown_tool`; `scope` and `exact` describe a
    database answer (the match's scope, and whether the raw arguments were
    identical, not only equal once normalised).
    """

    call_id: str
    name: str
    content: str
    source: str
    scope: str | None = None
    exact: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def message(self) -> Message:
        """The result as the tool message appended to the conversation."""
        return Message(role="tool", tool_call_id=self.call_id, content=self.content)

    def to_json(self) -> dict[str, object]:
        """The result's provenance, without its content."""
        return {
            "name": self.name,
            "source": self.source,
            "scope": self.scope,
            "exact": self.exact,
        }


@dataclass(frozen=True, slots=True)
class SimulationRequest:
    """Everything a model simulator is shown for one call."""

    tool: ToolSpec
    call: ToolCall
    conversation: Sequence[Message]
    original: Sequence[Message]
    cut_index: int
    nearby: Sequence[RecordedCall]
    examples: Sequence[RecordedCall]


@dataclass(frozen=True, slots=True)
class SimulatedOutput:
    """A model simulator's output text and what it cost."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0


class ToolOutputModel(Protocol):
    """A model that writes a tool's output for a call it never executes."""

    model: str

    async def simulate(self, request: SimulationRequest) -> SimulatedOutput:
        """The output the tool would plausibly have returned."""
        ...

    async def close(self) -> None:
        """Release the model's connections; safe to call twice."""
        ...


@dataclass(frozen=True, slots=True)
class CallSite:
    """Where a call is made: the replayed record, the cut, and the conversation."""

    tools: Sequence[ToolSpec]
    conversation: Sequence[Message]
    original: Sequence[Message]
    cut_index: int
    point: Point


class ToolSimulator:
    """Answers tool calls from recordings, else from a model, never by executing."""

    def __init__(
        self,
        database: ToolDatabase | None,
        model: ToolOutputModel | None = None,
        *,
        widest: Scope = Scope.STATE,
        exclude_trajectory: bool = False,
        nearby: int = 6,
        examples: int = 3,
    ) -> None:
        self.database = database
        self.model = model
        self.widest = widest
        self.exclude_trajectory = exclude_trajectory
        self._nearby = nearby
        self._examples = examples

    async def answer(self, call: ToolCall, site: CallSite) -> ToolResult:
        """The simulated result of `call`; raise `SimulationError` if none."""
        name = call.function.name
        spec = next((t for t in site.tools if t.function.name == name), None)
        if spec is None:
            return unknown_tool_result(call, site.tools)

        excluded = site.point.trajectory if self.exclude_trajectory else None
        if self.database is not None:
            match = await asyncio.to_thread(
                self.database.lookup,
                name,
                call.function.arguments,
                site.point,
                widest=self.widest,
                exclude_trajectory=excluded,
            )
            if match is not None:
                return ToolResult(
                    call.id,
                    name,
                    match.response,
                    "database",
                    scope=match.scope.label,
                    exact=match.exact,
                )

        if self.model is None:
            raise ToolUnsimulated(f"no recorded response for a call of {name}")
        request = SimulationRequest(
            tool=spec,
            call=call,
            conversation=site.conversation,
            original=site.original,
            cut_index=site.cut_index,
            nearby=await self._nearby_calls(site.point, excluded),
            examples=await self._example_calls(name, excluded),
        )
        output = await self.model.simulate(request)
        return ToolResult(
            call.id,
            name,
            output.text,
            "model",
            prompt_tokens=output.prompt_tokens,
            completion_tokens=output.completion_tokens,
        )

    async def _nearby_calls(
        self, point: Point, excluded: str | None
    ) -> list[RecordedCall]:
        if self.database is None or not self._nearby:
            return []
        return await asyncio.to_thread(
            self.database.nearby,
            point,
            limit=self._nearby,
            exclude_trajectory=excluded,
        )

    async def _example_calls(
        self, name: str, excluded: str | None
    ) -> list[RecordedCall]:
        if self.database is None or not self._examples:
            return []
        return await asyncio.to_thread(
            self.database.examples,
            name,
            limit=self._examples,
            exclude_trajectory=excluded,
        )


def unknown_tool_result(call: ToolCall, tools: Sequence[ToolSpec]) -> ToolResult:
    """The error result a harness returns for a call of a tool it does not offer."""
    available = sorted(t.function.name for t in tools)
    body = {
        "error": "unknown_tool",
        "message": (
            f"There is no tool named {call.function.name!r}. "
            f"Available tools: {', '.join(available) or 'none'}."
        ),
    }
    return ToolResult(
        call.id,
        call.function.name,
        json.dumps(body, ensure_ascii=False),
        Reason.UNKNOWN_TOOL.value,
    )
