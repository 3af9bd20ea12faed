"""The traffic record: depsim's public wire contract (DESIGN.md section 3).

One conversation per Kafka message, in OpenAI chat-completions format. Validation is
strict: a field of the wrong type, an unknown role or an unknown field is a rejection,
never a silent coercion. Structural rules that a schema cannot express (a final
assistant reply to cut before, tool results that answer an earlier call) live in
`streamer.conversation`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    field_validator,
)

SCHEMA_VERSION = 1

Role = Literal["system", "developer", "user", "assistant", "tool"]


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class FunctionCall(_Strict):
    """The function an assistant asked to call, with its JSON-encoded arguments."""

    name: Annotated[str, Field(min_length=1, max_length=256)]
    arguments: str


class ToolCall(_Strict):
    """One tool call made by an assistant turn."""

    id: Annotated[str, Field(min_length=1, max_length=256)]
    type: Literal["function"] = "function"
    function: FunctionCall


class TextPart(_Strict):
    """A text part of a message's content."""

    type: Literal["text"]
    text: str


class OtherPart(BaseModel):
    """A non-text part (image, audio, file...): kept, never sent to text graders."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: Annotated[str, Field(min_length=1, max_length=64)]

    @field_validator("type")
    @classmethod
    def _not_text(cls, value: str) -> str:
        if value == "text":
            raise ValueError("a text part needs a string 'text' field")
        return value


ContentPart = TextPart | OtherPart
Content = str | list[ContentPart] | None


class Message(_Strict):
    """One turn of a conversation."""

    role: Role
    content: Content = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None
    tool_call_id: str | None = None
    refusal: str | None = None

    def text(self) -> str:
        """The turn's text: the string content or its text parts joined."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(p.text for p in self.content if isinstance(p, TextPart))

    def to_openai(self) -> dict[str, Any]:
        """The message as the chat-completions API takes it."""
        return self.model_dump(mode="json", exclude_none=True)


class FunctionSpec(BaseModel):
    """A function schema offered to the model; parameters are free-form JSON."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=256)]
    description: str | None = None
    parameters: dict[str, JsonValue] = Field(default_factory=dict)


class ToolSpec(_Strict):
    """A tool offered to the model, in chat-completions form."""

    type: Literal["function"] = "function"
    function: FunctionSpec


class TrafficRecord(_Strict):
    """A sampled, consented, de-identified production conversation."""

    schema_version: Literal[1]
    id: Annotated[str, Field(min_length=1, max_length=256)]
    sampled_at: AwareDatetime
    source_model: Annotated[str, Field(min_length=1, max_length=256)]
    sampling_probability: Annotated[float, Field(gt=0.0, le=1.0)]
    consent: bool
    deidentified: bool
    messages: Annotated[list[Message], Field(min_length=1)]
    tools: list[ToolSpec] | None = None
    metadata: dict[str, JsonValue] | None = None

    @property
    def weight(self) -> float:
        """Inverse-probability weight of this record in the estimates."""
        return 1.0 / self.sampling_probability


def new_record(
    record_id: str,
    messages: list[dict[str, Any]],
    *,
    source_model: str,
    sampled_at: datetime,
    sampling_probability: float = 1.0,
    consent: bool = False,
    deidentified: bool = False,
    tools: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A traffic record as plain JSON data, as adapters hand it to validation."""
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "id": record_id,
        "sampled_at": sampled_at.isoformat(),
        "source_model": source_model,
        "sampling_probability": sampling_probability,
        "consent": consent,
        "deidentified": deidentified,
        "messages": messages,
    }
    if tools is not None:
        record["tools"] = tools
    if metadata is not None:
        record["metadata"] = metadata
    return record
