"""The panel of graders every reply goes through, the same for every arm."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from graders import Exchange, Grader, GraderResult, Status, Taxonomy, ToolUse, Turn
from streamer.records import Message

log = logging.getLogger(__name__)


def to_turn(message: Message) -> Turn:
    """A record's message as the plain turn graders read."""
    uses = tuple(
        ToolUse(call.function.name, call.function.arguments)
        for call in message.tool_calls or ()
    )
    return Turn(role=message.role, text=message.text(), tool_uses=uses)


class GraderPanel:
    """Runs every grader on a reply concurrently; a failing grader yields an error."""

    def __init__(self, graders: Sequence[Grader], taxonomy: Taxonomy) -> None:
        for grader in graders:
            taxonomy.require(grader.categories)
        self.graders = tuple(graders)
        self.taxonomy = taxonomy
        self.version = "+".join(f"{g.name}@{g.version}" for g in self.graders)

    async def grade(
        self,
        prefix: Sequence[Message],
        reply: Message,
        continuation: Sequence[Message] = (),
    ) -> list[GraderResult]:
        """Every grader's result for one reply (and its agent continuation)."""
        exchange = Exchange(
            tuple(map(to_turn, prefix)),
            to_turn(reply),
            tuple(map(to_turn, continuation)),
        )
        return list(
            await asyncio.gather(*(self._run(g, exchange) for g in self.graders))
        )

    async def _run(self, grader: Grader, exchange: Exchange) -> GraderResult:
        try:
            return await grader.grade(exchange)
        except Exception as exc:  # a grader bug must not lose the record
            log.error("grader %s failed: %s", grader.name, type(exc).__name__)
            return GraderResult.non_result(
                grader.name, grader.version, Status.GRADER_ERROR, type(exc).__name__
            )


def category_flags(results: Sequence[GraderResult]) -> dict[str, bool]:
    """Per category, whether any grader that produced a verdict flagged it.

    A category no grader produced a verdict for is absent: it was not evaluated,
    which is different from "not flagged".
    """
    flags: dict[str, bool] = {}
    for result in results:
        if result.status is not Status.OK:
            continue
        for verdict in result.verdicts:
            flags[verdict.category] = flags.get(verdict.category, False) or (
                verdict.flagged
            )
    return flags
