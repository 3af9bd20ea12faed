"""Small builders shared by the graders tests."""

from __future__ import annotations

from graders import Exchange, GraderResult, Status, ToolUse, Turn, Verdict


def exchange(reply: str, prompt: str = "help me", *tools: ToolUse) -> Exchange:
    """A one-turn exchange; `tools` are calls the reply makes."""
    return Exchange((Turn("user", prompt),), Turn("assistant", reply, tools))


def flags(result: GraderResult) -> dict[str, bool]:
    """A result's verdicts as category -> flagged."""
    return {verdict.category: verdict.flagged for verdict in result.verdicts}


class FixedGrader:
    """A grader that answers with fixed flags, or a fixed non-result."""

    version = "test"

    def __init__(
        self,
        name: str,
        answer: dict[str, bool] | Status,
        categories: frozenset[str] | None = None,
    ) -> None:
        self.name = name
        self.answer = answer
        declared = answer.keys() if isinstance(answer, dict) else ()
        self.categories = categories or frozenset(declared)
        self.calls = 0

    async def grade(self, exchange: Exchange) -> GraderResult:
        self.calls += 1
        if isinstance(self.answer, Status):
            return GraderResult.non_result(self.name, self.version, self.answer, "test")
        verdicts = tuple(
            Verdict(category, flagged, 0.8) for category, flagged in self.answer.items()
        )
        return GraderResult(self.name, self.version, Status.OK, verdicts)
