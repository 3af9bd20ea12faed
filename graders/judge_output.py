"""Reading what LLM judges really return, tolerantly but never by guessing.

Judges are asked for `{"verdicts": [{"category", "flagged", "confidence",
"rationale"}]}` and return, in practice: prose around the JSON, fenced JSON, a
mapping keyed by category, booleans and numbers as strings ("yes", "0.8", "85%"),
confidences on a 0-100 scale, output cut off mid-array, or a refusal. This module
recovers every verdict that can be read unambiguously and validates it with
pydantic; anything else is dropped, never defaulted to "not flagged".

Rules for numbers: a confidence in [0, 1] is taken as is, one in (1, 100] as a
percentage; anything else makes that verdict unreadable. A missing confidence is
read as 0.5 (the judge gave a verdict but no strength).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from graders.errors import JudgeOutputError
from graders.refusal import find_refusal
from graders.verdicts import Verdict

__all__ = ["JudgeVerdict", "ParsedJudgement", "parse_judge_output"]

RATIONALE_CHARS = 280

_TRUE = {"true", "yes", "y", "1", "flagged", "flag", "violation", "violating", "unsafe"}
_FALSE = {"false", "no", "n", "0", "not flagged", "not_flagged", "none", "safe", "ok"}
_FLAG_KEYS = ("flagged", "flag", "violation", "violated", "label", "verdict")
_CONFIDENCE_KEYS = ("confidence", "probability", "certainty")
_DECODER = json.JSONDecoder()


def _to_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE:
        return True
    if isinstance(value, str) and value.strip().lower() in _FALSE:
        return False
    raise ValueError(f"not a yes/no value: {value!r}")


def _to_confidence(value: Any) -> Any:
    if value is None:
        return 0.5
    if isinstance(value, bool):
        raise ValueError("a boolean is not a confidence")
    if isinstance(value, str):
        text = value.strip().rstrip("%").strip()
        number = float(text) / 100 if value.strip().endswith("%") else float(text)
    else:
        number = float(value)
    if 0.0 <= number <= 1.0:
        return number
    if 1.0 < number <= 100.0:
        return number / 100
    raise ValueError(f"confidence out of range: {number}")


def _to_rationale(value: Any) -> Any:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text.strip()[:RATIONALE_CHARS]


class JudgeVerdict(BaseModel):
    """One verdict as a judge states it, after coercion."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    category: Annotated[str, BeforeValidator(lambda v: str(v).strip().lower())]
    flagged: Annotated[bool, BeforeValidator(_to_bool)]
    confidence: Annotated[float, BeforeValidator(_to_confidence), Field(ge=0, le=1)] = (
        0.5
    )
    rationale: Annotated[str, BeforeValidator(_to_rationale)] = ""

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, value: Any) -> Any:
        """Accept the other names judges give the flag and the confidence."""
        if not isinstance(value, dict):
            return value
        value = dict(value)
        for canonical, aliases in (
            ("flagged", _FLAG_KEYS),
            ("confidence", _CONFIDENCE_KEYS),
        ):
            alias = next((key for key in aliases if key in value), None)
            if alias is not None:
                value[canonical] = value[alias]
        if "rationale" not in value:
            value["rationale"] = value.get("reason") or value.get("explanation") or ""
        return value

    def to_verdict(self) -> Verdict:
        """The verdict in the graders' own type."""
        return Verdict(self.category, self.flagged, self.confidence, self.rationale)


@dataclass(frozen=True, slots=True)
class ParsedJudgement:
    """The verdicts read from one judge reply, and what could not be read."""

    verdicts: tuple[Verdict, ...]
    missing: frozenset[str]
    dropped: int
    salvaged: bool

    @property
    def complete(self) -> bool:
        """Whether every requested category got a readable verdict."""
        return not self.missing


def parse_judge_output(text: str, categories: frozenset[str]) -> ParsedJudgement:
    """Read the verdicts for `categories` from a judge's raw reply.

    Raises `JudgeOutputError` (reason `empty`, `judge_refused` or `unreadable`) when
    no verdict for a requested category can be read.
    """
    if not text.strip():
        raise JudgeOutputError("empty")

    entries, salvaged = _entries(text)
    found: dict[str, Verdict] = {}
    dropped = 0
    for entry in entries:
        try:
            verdict = JudgeVerdict.model_validate(entry)
        except (ValidationError, ValueError, TypeError):
            dropped += 1
            continue
        if verdict.category in categories and verdict.category not in found:
            found[verdict.category] = verdict.to_verdict()

    if not found:
        reason = "judge_refused" if find_refusal(text[:400]) else "unreadable"
        raise JudgeOutputError(reason, f"{dropped} entries unreadable")
    return ParsedJudgement(
        verdicts=tuple(found[c] for c in sorted(found)),
        missing=categories - found.keys(),
        dropped=dropped,
        salvaged=salvaged,
    )


def _entries(text: str) -> tuple[list[Mapping[str, Any]], bool]:
    """The verdict mappings of the richest JSON payload, or salvaged from a cut one.

    Every decodable object or array is a candidate (fenced blocks included); when
    the output was cut off, the complete innermost objects are. The candidate with
    the most verdict-like entries wins, the earliest on ties.
    """
    best: list[Mapping[str, Any]] = []
    for payload in _decodable(text):
        entries = _verdict_entries(payload)
        if len(entries) > len(best):
            best = entries
    salvaged: list[Mapping[str, Any]] = [
        o for o in _objects(text) if isinstance(o, dict) and "category" in o
    ]
    if len(salvaged) > len(best):
        return salvaged, True
    return best, False


def _decodable(text: str) -> Iterator[Any]:
    """Every JSON object or array that decodes from some bracket in `text`."""
    for match in re.finditer(r"[\[{]", text):
        try:
            value, _ = _DECODER.raw_decode(text, match.start())
        except ValueError:
            continue
        yield value


def _objects(text: str) -> Iterator[Any]:
    """Every complete innermost JSON object, for output cut off mid-array."""
    for match in re.finditer(r"\{[^{}]*\}", text):
        try:
            yield json.loads(match.group())
        except ValueError:
            continue


def _verdict_entries(payload: Any) -> list[Mapping[str, Any]]:
    """The verdict mappings in a payload of any of the shapes judges use."""
    if isinstance(payload, dict) and "verdicts" in payload:
        payload = payload["verdicts"]
    if isinstance(payload, list):
        return [e for e in payload if isinstance(e, dict) and "category" in e]
    if not isinstance(payload, dict):
        return []
    if "category" in payload:
        return [payload]
    entries: list[Mapping[str, Any]] = []
    for category, body in payload.items():
        if isinstance(body, dict):
            entries.append({"category": category, **body})
        elif isinstance(body, bool | str):
            entries.append({"category": category, "flagged": body})
    return [e for e in entries if any(k in e for k in _FLAG_KEYS)]
