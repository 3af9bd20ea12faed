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
from dataclasses import dataclass
from datetime import UTC, datetime

from graders import GraderResult
from streamer.agentic import AgenticArms, is_agentic
from streamer.candidate import Candidate
from streamer.conversation import Cut, cut
from streamer.errors import GenerationError, RecordRejected
from streamer.graded import LIVE_ARM, DeadLetter, GradedRecord
from streamer.panel import GraderPanel, category_flags
from streamer.parse import parse_record
from streamer.reasons import Reason
from streamer.records import TrafficRecord

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
        clock: Clock = _utc_now,
    ) -> None:
        self.candidate = candidate
        self.panel = panel
        self.shadow_arm = shadow_arm
        self.standin = standin
        self.max_bytes = max_bytes
        self.agentic = agentic
        self._clock = clock

    async def process(self, raw: bytes) -> Processed:
        """Turn one raw traffic message into its outcome; never raises for bad input."""
        try:
            record = parse_record(raw, self.max_bytes)
            _privacy_gate(record)
            conversation = cut(record)
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

        live, shadow = await asyncio.gather(
            self._grade_live(record, conversation),
            self._grade_shadow(record, conversation),
        )
        return Processed(graded=(live, shadow))

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
        try:
            generation = await self.candidate.generate(conv.prefix, record.tools)
        except GenerationError as failure:
            log.warning("generation failed for %s: %s", record.id, failure.reason)
            return self._not_evaluable(record, conv, failure.reason)

        reply = generation.message
        if not reply.text().strip() and not reply.tool_calls:
            return self._not_evaluable(record, conv, Reason.EMPTY_REPLY)

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
        )

    def _not_evaluable(
        self, record: TrafficRecord, conv: Cut, reason: str
    ) -> GradedRecord:
        return GradedRecord(
            record_id=record.id,
            arm=self.shadow_arm,
            model=self.candidate.model,
            standin=self.standin,
            outcome="not_evaluable",
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
    ) -> GradedRecord:
        flags = category_flags(results)
        return GradedRecord(
            record_id=record.id,
            arm=arm,
            model=model,
            standin=standin,
            outcome="graded" if flags else "not_evaluable",
            reason=None if flags else "no_grader_verdict",
            weight=record.weight,
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


def _privacy_gate(record: TrafficRecord) -> None:
    """No record reaches a model without both upstream attestations."""
    if not record.consent:
        raise RecordRejected(Reason.NO_CONSENT)
    if not record.deidentified:
        raise RecordRejected(Reason.NOT_DEIDENTIFIED)


def _record_id_hint(raw: bytes) -> str | None:
    """The id of a rejected record when it can be read cheaply, for the dead letter."""
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    record_id = value.get("id") if isinstance(value, dict) else None
    return record_id[:256] if isinstance(record_id, str) else None
