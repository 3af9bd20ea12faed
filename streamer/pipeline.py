"""The transport-free core: raw record bytes in, graded records or a dead letter out.

The faust worker and any batch path call `Pipeline.process`; nothing here knows about
Kafka. For each conversation the production reply (arm `live`) and the candidate's
regenerated reply (arm `shadow:<candidate>`) go through the same grader panel, and
the two arms run concurrently.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from graders import GraderResult
from graders.offload import run_cpu
from streamer.agentic import AgenticArms, is_agentic
from streamer.budget import Admission, Budget
from streamer.candidate import Candidate
from streamer.conversation import Cut
from streamer.errors import GenerationError, RecordRejected
from streamer.graded import LIVE_ARM, DeadLetter, GradedRecord
from streamer.metrics import Metrics
from streamer.panel import GraderPanel, category_flags
from streamer.reasons import Reason
from streamer.records import TrafficRecord
from streamer.validate import Intake

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Processed:
    """What became of one input record: graded replies, or a dead letter."""

    graded: tuple[GradedRecord, ...] = ()
    dead_letter: DeadLetter | None = None


class Pipeline:
    """Parses, gates, cuts, regenerates and grades one record at a time."""

    def __init__(
        self,
        candidate: Candidate,
        panel: GraderPanel,
        *,
        shadow_arm: str,
        standin: bool,
        max_bytes: int,
        agentic: AgenticArms | None = None,
        budget: Budget | None = None,
        metrics: Metrics | None = None,
        intake: Intake | None = None,
        clock: Clock = _utc_now,
    ) -> None:
        self.candidate = candidate
        self.panel = panel
        self.shadow_arm = shadow_arm
        self.standin = standin
        self.max_bytes = max_bytes
        self.intake = intake or Intake(max_bytes=max_bytes)
        self.agentic = agentic
        self.budget = budget
        self.metrics = metrics
        self._clock = clock

    async def process(self, raw: bytes) -> Processed:
        """Turn one raw traffic message into its outcome; never raises for bad input."""
        try:
            record, conversation = self.intake.admit(
                raw, scan=False, own_context=self._is_agentic
            )
            await _privacy_gate(self.intake, conversation)
        except RecordRejected as rejected:
            record_id = _record_id_hint(raw)
            log.warning("rejected record %s: %s", record_id, rejected.reason)
            return Processed(
                dead_letter=DeadLetter(
                    reason=rejected.reason,
                    detail=rejected.detail,
                    record_id=record_id,
                    stage="worker",
                )
            )

        if self.agentic is not None and is_agentic(record):
            return Processed(graded=tuple(await self.agentic.grade(record)))

        graded = await asyncio.gather(
            self._grade_live(record, conversation),
            self._grade_shadow(record, conversation),
        )
        trimmed = conversation.trimmed_turns
        return Processed(
            graded=tuple(replace(arm, trimmed_turns=trimmed) for arm in graded)
        )

    def _is_agentic(self, record: TrafficRecord) -> bool:
        """Agent trajectories are replayed by the agentic arms, under their budget."""
        return self.agentic is not None and is_agentic(record)

    async def _grade_live(self, record: TrafficRecord, conv: Cut) -> GradedRecord:
        results = await self.panel.grade(conv.prefix, conv.reply)
        return self._graded(
            record,
            conv,
            arm=LIVE_ARM,
            model=record.source_model,
            standin=False,
            results=tuple(results),
        )

    async def _grade_shadow(self, record: TrafficRecord, conv: Cut) -> GradedRecord:
        admission = self._admit(record)
        if not admission.sampled:
            if self.metrics is not None:
                self.metrics.budget_skipped.inc()
            return self._not_evaluable(record, conv, Reason.BUDGET, outcome="skipped")

        try:
            generation = await self.candidate.generate(conv.prefix, record.tools)
        except GenerationError as failure:
            log.warning("generation failed for %s: %s", record.id, failure.reason)
            return self._not_evaluable(record, conv, failure.reason)
        self._charge(generation.prompt_tokens, generation.completion_tokens)

        # A refusal is the candidate's answer, graded as such, not a failure.
        reply = generation.message
        note = None
        if reply.refusal and not reply.text().strip() and not reply.tool_calls:
            reply = reply.model_copy(update={"content": reply.refusal})
            note = Reason.REFUSAL
        if not reply.text().strip() and not reply.tool_calls:
            return self._not_evaluable(record, conv, Reason.EMPTY_REPLY)

        # A reply sampled at share s stands for 1/s records: see streamer.budget.
        results = await self.panel.grade(conv.prefix, reply)
        return self._graded(
            record,
            conv,
            arm=self.shadow_arm,
            model=self.candidate.model,
            standin=self.standin,
            results=tuple(results),
            reply_text=reply.text(),
            usage={
                "prompt_tokens": generation.prompt_tokens,
                "completion_tokens": generation.completion_tokens,
            },
            latency_s=round(generation.latency_s, 6),
            weight=record.weight / admission.share,
            note=note,
        )

    def _admit(self, record: TrafficRecord) -> Admission:
        """Whether the budget lets this record's shadow reply be generated."""
        if self.budget is None:
            return Admission(sampled=True, share=1.0)
        admission = self.budget.admit(record.id)
        if self.metrics is not None:
            self.metrics.set_budget_share(admission.share)
            self.metrics.set_budget(
                self.budget.limits.dollars_per_hour, self.budget.exhausted
            )
        return admission

    def _charge(self, prompt_tokens: int, completion_tokens: int) -> None:
        if self.budget is None:
            return
        dollars = self.budget.charge(prompt_tokens, completion_tokens)
        if self.metrics is not None and dollars:
            self.metrics.add_cost("candidate", self.candidate.model, dollars)

    def _not_evaluable(
        self,
        record: TrafficRecord,
        conv: Cut,
        reason: str,
        *,
        outcome: str = "not_evaluable",
    ) -> GradedRecord:
        return GradedRecord(
            record_id=record.id,
            arm=self.shadow_arm,
            model=self.candidate.model,
            standin=self.standin,
            outcome=outcome,
            reason=reason,
            weight=record.weight,
            sampled_at=record.sampled_at.isoformat(),
            graded_at=self._clock().isoformat(),
            grader_version=self.panel.version,
            flags={},
            dropped_turns=conv.dropped_turns,
        )

    def _graded(
        self,
        record: TrafficRecord,
        conv: Cut,
        *,
        arm: str,
        model: str,
        standin: bool,
        results: tuple[GraderResult, ...],
        reply_text: str | None = None,
        usage: dict[str, int] | None = None,
        latency_s: float | None = None,
        weight: float | None = None,
        note: str | None = None,
    ) -> GradedRecord:
        flags = category_flags(results)
        return GradedRecord(
            record_id=record.id,
            arm=arm,
            model=model,
            standin=standin,
            outcome="graded" if flags else "not_evaluable",
            reason=note if flags else "no_grader_verdict",
            weight=record.weight if weight is None else weight,
            sampled_at=record.sampled_at.isoformat(),
            graded_at=self._clock().isoformat(),
            grader_version=self.panel.version,
            flags=flags,
            results=results,
            reply_text=reply_text,
            dropped_turns=conv.dropped_turns,
            usage=usage or {},
            latency_s=latency_s,
        )


async def _privacy_gate(intake: Intake, conversation: Cut) -> None:
    """The PII scan of the prefix (the attestations were checked on admission).

    The scan is pure CPU, so a long prefix goes to the grading thread rather than
    holding the event loop (`graders.offload.run_cpu`).
    """
    if intake.privacy.enabled:
        chars = sum(len(message.text()) for message in conversation.prefix)
        await run_cpu(chars, intake.privacy.check, conversation.prefix)


def _record_id_hint(raw: bytes) -> str | None:
    """The id of a rejected record when it can be read cheaply, for the dead letter."""
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    record_id = value.get("id") if isinstance(value, dict) else None
    return record_id[:256] if isinstance(record_id, str) else None
