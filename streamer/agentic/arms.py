"""Both arms of an agentic record, at every chosen cut, through one grader panel.

For a record with tools the pipeline hands the whole record here. The record's tool
calls are ingested into the database first (the recording is the simulator's best
source), then for each cut (`streamer.cutpoints`):

- arm `live`: the recorded continuation from the cut (the production agent's turns
  and the real tool results), its last assistant turn as the reply;
- arm `shadow:<candidate>`: the candidate's continuation from the same prefix, tools
  simulated (`streamer.agentic.replay`), its last assistant turn as the reply.

Both go through the same panel with the continuation attached, so trajectory
graders read every turn from the cut on. Each graded record carries its
`cut_index`; its weight is the record's weight shared among its cuts, so a
trajectory counts once in the estimates however many cuts it yields.

The budget decides once per record whether its shadow replays run
(`streamer.agentic.accounts`): a record left out gets a `skipped` shadow record
per cut, and a replayed one's shadow weights are divided by the sampled share, as
for chats. A sample of the replayed records also goes through the realism checks
(`streamer.agentic.realism_sampler`), alongside the cuts and within their time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from graders import GraderResult
from streamer.agentic.accounts import ReplayAccounts
from streamer.agentic.realism_sampler import RealismSampler
from streamer.agentic.replay import Continuation, Replayer
from streamer.agentic.tooldb import ToolDatabase
from streamer.budget import Admission
from streamer.cutpoints import CutPoint, CutPolicy, choose_cuts
from streamer.graded import LIVE_ARM, GradedRecord
from streamer.panel import GraderPanel, category_flags
from streamer.reasons import Reason
from streamer.records import Message, TrafficRecord

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def is_agentic(record: TrafficRecord) -> bool:
    """Whether a record goes through the agentic path: it offers tools."""
    return bool(record.tools)


class AgenticArms:
    """Grades the live and shadow continuations of an agentic record per cut."""

    def __init__(
        self,
        replayer: Replayer,
        panel: GraderPanel,
        *,
        database: ToolDatabase | None,
        policy: CutPolicy,
        shadow_arm: str,
        standin: bool,
        accounts: ReplayAccounts | None = None,
        realism: RealismSampler | None = None,
        clock: Clock = _utc_now,
    ) -> None:
        self.replayer = replayer
        self.panel = panel
        self.database = database
        self.policy = policy
        self.shadow_arm = shadow_arm
        self.standin = standin
        self.accounts = accounts or ReplayAccounts()
        self.realism = realism
        self._clock = clock

    async def grade(self, record: TrafficRecord) -> tuple[GradedRecord, ...]:
        """Every graded record of one agentic record: two per cut, live first.

        Raises `RecordRejected` for a record that cannot be cut (the pipeline has
        already cut it, so this does not happen there).
        """
        points = choose_cuts(record, self.policy)
        if self.database is not None:
            await asyncio.to_thread(self.database.add_record, record)
        admission = self.accounts.admit(record.id)

        weight = record.weight / len(points)
        cuts = asyncio.gather(
            *(self._grade_cut(record, point, weight, admission) for point in points)
        )
        realism = self._realism_for(record, admission)
        if realism is not None:
            pairs, _ = await asyncio.gather(cuts, realism.check(record))
        else:
            pairs = await cuts
        return tuple(graded for pair in pairs for graded in pair)

    async def close(self) -> None:
        """Close the simulator's and the judge's connections and the database."""
        if self.replayer.simulator.model is not None:
            await self.replayer.simulator.model.close()
        if self.realism is not None:
            await self.realism.judge.close()
        if self.database is not None:
            self.database.close()

    def _realism_for(
        self, record: TrafficRecord, admission: Admission
    ) -> RealismSampler | None:
        """The realism checks if this record is sampled for them, else None.

        Only records whose replays the budget admitted: the checks' spend thins
        out with the replays'.
        """
        realism = self.realism
        if realism is None or not admission.sampled or not realism.sampled(record.id):
            return None
        return realism

    async def _grade_cut(
        self,
        record: TrafficRecord,
        point: CutPoint,
        weight: float,
        admission: Admission,
    ) -> tuple[GradedRecord, GradedRecord]:
        live, shadow = await asyncio.gather(
            self._live(record, point, weight),
            self._shadow(record, point, weight, admission),
        )
        return live, shadow

    async def _live(
        self, record: TrafficRecord, point: CutPoint, weight: float
    ) -> GradedRecord:
        recorded = tuple(record.messages[point.index :])
        reply = _last_assistant(recorded) or point.cut.reply
        results = await self.panel.grade(point.cut.prefix, reply, recorded)
        return self._graded(
            record,
            point,
            weight,
            arm=LIVE_ARM,
            model=record.source_model,
            standin=False,
            results=tuple(results),
            trajectory={"cut_index": point.index, "turns": len(recorded)},
        )

    async def _shadow(
        self,
        record: TrafficRecord,
        point: CutPoint,
        weight: float,
        admission: Admission,
    ) -> GradedRecord:
        if not admission.sampled:
            return self._not_evaluable(
                record, point, weight, Reason.BUDGET, outcome="skipped"
            )
        continuation = await self.replayer.replay(record, point)
        self.accounts.charge_replay(continuation, self.replayer.candidate.model)

        reply = continuation.final
        if reply is None:
            log.warning(
                "agentic replay of %s cut %d produced nothing: %s",
                record.id,
                point.index,
                continuation.reason,
            )
            return self._not_evaluable(
                record, point, weight, continuation.reason or Reason.EMPTY_REPLY
            )

        # A replay sampled at share s stands for 1/s records: see streamer.budget.
        results = await self.panel.grade(point.cut.prefix, reply, continuation.messages)
        return self._graded(
            record,
            point,
            weight / admission.share,
            arm=self.shadow_arm,
            model=self.replayer.candidate.model,
            standin=self.standin,
            results=tuple(results),
            reply_text=reply.text(),
            continuation=continuation,
        )

    def _graded(
        self,
        record: TrafficRecord,
        point: CutPoint,
        weight: float,
        *,
        arm: str,
        model: str,
        standin: bool,
        results: tuple[GraderResult, ...],
        reply_text: str | None = None,
        continuation: Continuation | None = None,
        trajectory: dict[str, object] | None = None,
    ) -> GradedRecord:
        flags = category_flags(results)
        reason = None if flags else "no_grader_verdict"
        usage: dict[str, int] = {}
        latency = None
        if continuation is not None:
            reason = reason or continuation.reason
            trajectory = continuation.summary()
            usage = {
                "prompt_tokens": continuation.prompt_tokens,
                "completion_tokens": continuation.completion_tokens,
                "simulator_tokens": continuation.simulator_tokens,
            }
            latency = round(continuation.elapsed_s, 6)
        return GradedRecord(
            record_id=record.id,
            arm=arm,
            model=model,
            standin=standin,
            outcome="graded" if flags else "not_evaluable",
            reason=reason,
            weight=weight,
            sampled_at=record.sampled_at.isoformat(),
            graded_at=self._clock().isoformat(),
            grader_version=self.panel.version,
            flags=flags,
            results=results,
            reply_text=reply_text,
            dropped_turns=point.cut.dropped_turns,
            usage=usage,
            latency_s=latency,
            cut_index=point.index,
            trajectory=dict(trajectory) if trajectory is not None else None,
        )

    def _not_evaluable(
        self,
        record: TrafficRecord,
        point: CutPoint,
        weight: float,
        reason: str,
        *,
        outcome: str = "not_evaluable",
    ) -> GradedRecord:
        return GradedRecord(
            record_id=record.id,
            arm=self.shadow_arm,
            model=self.replayer.candidate.model,
            standin=self.standin,
            outcome=outcome,
            reason=reason,
            weight=weight,
            sampled_at=record.sampled_at.isoformat(),
            graded_at=self._clock().isoformat(),
            grader_version=self.panel.version,
            flags={},
            dropped_turns=point.cut.dropped_turns,
            cut_index=point.index,
        )


def _last_assistant(messages: tuple[Message, ...]) -> Message | None:
    for message in reversed(messages):
        if message.role == "assistant":
            return message
    return None
