"""The one interface every grader implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from graders.exchange import Exchange
from graders.verdicts import GraderResult


@runtime_checkable
class Grader(Protocol):
    """Grades a reply in its context for a fixed set of taxonomy categories.

    `grade` must not raise for a bad reply or a failing backend: it returns a
    non-result instead, so one grader's trouble never loses a record.
    """

    name: str
    version: str
    categories: frozenset[str]

    async def grade(self, exchange: Exchange) -> GraderResult:
        """Grade one reply."""
        ...
