"""The result of grading one reply: verdicts per category, or a non-result.

A non-result (`not_evaluable`, `grader_error`) is never a silent "not flagged": the
estimators leave it out of both the numerator and the denominator. A category a
grader gave no verdict for is likewise absent, never counted as not flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Whether a grader produced verdicts for a reply."""

    OK = "ok"
    NOT_EVALUABLE = "not_evaluable"
    GRADER_ERROR = "grader_error"


@dataclass(frozen=True, slots=True)
class Verdict:
    """A grader's call on one category for one reply."""

    category: str
    flagged: bool
    confidence: float
    rationale: str = ""

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must lie in [0, 1], got {self.confidence}")


@dataclass(frozen=True, slots=True)
class GraderResult:
    """All a grader said of one reply."""

    grader: str
    version: str
    status: Status
    verdicts: tuple[Verdict, ...] = ()
    reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    members: tuple[GraderResult, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the grader produced verdicts (rather than a non-result)."""
        return self.status is Status.OK

    @classmethod
    def non_result(
        cls, grader: str, version: str, status: Status, reason: str
    ) -> GraderResult:
        """A result that carries no verdicts and says why."""
        return cls(grader=grader, version=version, status=status, reason=reason)

    def to_json(self) -> dict[str, Any]:
        """The result as it appears in a graded record, with any member results."""
        body: dict[str, Any] = {
            "grader": self.grader,
            "version": self.version,
            "status": self.status.value,
            "reason": self.reason,
            "verdicts": [
                {
                    "category": v.category,
                    "flagged": v.flagged,
                    "confidence": round(v.confidence, 4),
                    "rationale": v.rationale,
                }
                for v in self.verdicts
            ],
        }
        if self.members:
            body["members"] = [member.to_json() for member in self.members]
        return body
