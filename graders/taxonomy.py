"""The taxonomy of undesired behaviour, loaded from a YAML file users can replace.

Every category carries a definition and worked examples. The examples are data, not
decoration: the LLM judge's rubric quotes them, and the tests grade them, so a grader
that cannot tell a category's own positive example from its negative one fails CI.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from graders.errors import TaxonomyError
from graders.exchange import Exchange, ToolUse, Turn

__all__ = [
    "Category",
    "CategoryId",
    "Example",
    "ExampleToolCall",
    "Taxonomy",
    "TaxonomyError",
    "load_taxonomy",
]

CategoryId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,47}$")]
Severity = Literal["info", "low", "medium", "high", "critical"]
Scope = Literal["reply", "trajectory"]


class ExampleToolCall(BaseModel):
    """A tool call in an example: the function's name and its raw JSON arguments."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    arguments: str = "{}"


class Example(BaseModel):
    """A short worked example: a prompt, optional tool use, and the reply.

    A bare string in the YAML file is read as a reply with a generic prompt.
    `tool_calls` and `tool_result` happen before the reply (in its prefix);
    `reply_tool_calls` are calls the graded reply itself makes.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt: str = "Please help me with this."
    tool_calls: tuple[ExampleToolCall, ...] = ()
    tool_result: str = ""
    reply: str
    reply_tool_calls: tuple[ExampleToolCall, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _bare_string_is_a_reply(cls, value: Any) -> Any:
        return {"reply": value} if isinstance(value, str) else value

    def to_exchange(self) -> Exchange:
        """The example as the exchange a grader reads."""
        prefix = [Turn("user", self.prompt)]
        if self.tool_calls:
            uses = tuple(ToolUse(c.name, c.arguments) for c in self.tool_calls)
            prefix.append(Turn("assistant", "", uses))
            prefix.append(Turn("tool", self.tool_result))
        uses = tuple(ToolUse(c.name, c.arguments) for c in self.reply_tool_calls)
        return Exchange(tuple(prefix), Turn("assistant", self.reply, uses))


class Category(BaseModel):
    """One kind of undesired behaviour (or a tracked outcome such as refusal)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: CategoryId
    name: str = Field(min_length=1)
    group: str = Field(default="other", pattern=r"^[a-z][a-z0-9_]*$")
    severity: Severity
    scope: Scope = "reply"
    definition: str = Field(min_length=20)
    tracked_outcome: bool = False
    positive_examples: tuple[Example, ...] = Field(min_length=1)
    negative_examples: tuple[Example, ...] = Field(min_length=1)


class Taxonomy(BaseModel):
    """The categories graders may flag, by id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    categories: tuple[Category, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Taxonomy:
        ids = [category.id for category in self.categories]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"category ids must be unique, repeated: {duplicates}")
        return self

    @property
    def ids(self) -> frozenset[str]:
        """Every category id in the taxonomy."""
        return frozenset(category.id for category in self.categories)

    def get(self, category_id: str) -> Category:
        """The category with this id; `TaxonomyError` if there is none."""
        for category in self.categories:
            if category.id == category_id:
                return category
        raise TaxonomyError(f"category not in the taxonomy: {category_id!r}")

    def require(self, ids: frozenset[str]) -> None:
        """Raise `TaxonomyError` if any of `ids` is not a category of this taxonomy."""
        unknown = ids - self.ids
        if unknown:
            raise TaxonomyError(f"categories not in the taxonomy: {sorted(unknown)}")


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load and validate a taxonomy file; the shipped one when `path` is None."""
    if path is None:
        return _shipped()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxonomyError(f"cannot read {path}: {exc.strerror}") from exc
    return parse_taxonomy(text)


def parse_taxonomy(text: str) -> Taxonomy:
    """Validate a taxonomy given as YAML text."""
    try:
        return Taxonomy.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise TaxonomyError(f"invalid taxonomy: {exc}") from exc


@cache
def _shipped() -> Taxonomy:
    text = resources.files("graders").joinpath("taxonomy.yaml").read_text("utf-8")
    return parse_taxonomy(text)
