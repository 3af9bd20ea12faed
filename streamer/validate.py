"""Admission of a record, shared by the worker and `depsim validate`.

`Intake.admit` runs everything that stands between raw bytes and a model call:
parsing, the attestations, the cut, the context window and the PII scan. The worker
calls it with the scan offloaded to the grading thread; `validate_sources` runs it
offline over files (read through the same adapters as `depsim replay`) and reports
one outcome per input item, never its content.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streamer.adapters import read_source
from streamer.context import ContextWindow
from streamer.conversation import Cut, cut
from streamer.errors import RecordRejected
from streamer.parse import DEFAULT_MAX_BYTES, parse_record
from streamer.privacy import PrivacyScan, check_attestations, parse_entities
from streamer.records import TrafficRecord
from streamer.settings import Settings


def _never(record: TrafficRecord) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Intake:
    """The limits and policies a record must pass before it reaches a model."""

    max_bytes: int = DEFAULT_MAX_BYTES
    context: ContextWindow = field(default_factory=ContextWindow)
    privacy: PrivacyScan = field(default_factory=PrivacyScan)

    @classmethod
    def from_settings(cls, settings: Settings) -> Intake:
        """The intake a worker with these settings applies."""
        return cls(
            max_bytes=settings.record_max_bytes,
            context=ContextWindow(
                tokens=settings.candidate_context_tokens,
                reply_tokens=settings.candidate_max_tokens,
                policy=settings.context_policy,
                bytes_per_token=settings.context_bytes_per_token,
            ),
            privacy=PrivacyScan(
                enabled=settings.privacy_scan,
                entities=parse_entities(settings.privacy_entities),
                min_score=settings.privacy_min_score,
            ),
        )

    def admit(
        self,
        raw: bytes,
        *,
        scan: bool = True,
        own_context: Callable[[TrafficRecord], bool] = _never,
    ) -> tuple[TrafficRecord, Cut]:
        """The record and its cut, or `RecordRejected` with the first reason.

        With `scan` false the caller runs `privacy.check` on the cut's prefix itself
        (the worker does, off the event loop). Records for which `own_context` is
        true (agent trajectories, replayed under their own token budget) keep their
        whole prefix.
        """
        record = parse_record(raw, self.max_bytes)
        check_attestations(record)
        conversation = cut(record)
        if not own_context(record):
            conversation = self.context.fit(conversation, record.tools)
        if scan:
            self.privacy.check(conversation.prefix)
        return record, conversation


def agentic_records(settings: Settings) -> Callable[[TrafficRecord], bool]:
    """Which records the worker hands to the agentic arms, as `own_context`."""
    if not settings.agentic_enabled:
        return _never
    from streamer.agentic import is_agentic

    return is_agentic


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the worker would do with one input item."""

    position: int
    record_id: str | None
    outcome: str  # ok | rejected
    reason: str | None = None
    detail: str = ""  # a field's location or the PII kinds found, never content
    trimmed_turns: int = 0

    def to_json(self) -> dict[str, Any]:
        """The outcome as one `--json` line: ids and codes, never content."""
        line: dict[str, Any] = {
            "position": self.position,
            "id": self.record_id,
            "outcome": self.outcome,
            "reason": self.reason,
        }
        if self.detail:
            line["detail"] = self.detail
        if self.trimmed_turns:
            line["trimmed_turns"] = self.trimmed_turns
        return line


@dataclass
class Summary:
    """Counts over a validation run."""

    ok: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    trimmed: int = 0

    def add(self, outcome: Outcome) -> None:
        """Count one outcome."""
        if outcome.reason is None:
            self.ok += 1
            self.trimmed += outcome.trimmed_turns > 0
        else:
            self.rejected[outcome.reason] += 1

    def to_json(self) -> dict[str, Any]:
        """The summary line of `--json`."""
        return {
            "summary": True,
            "total": self.ok + sum(self.rejected.values()),
            "ok": self.ok,
            "rejected": sum(self.rejected.values()),
            "trimmed": self.trimmed,
            "by_reason": dict(self.rejected.most_common()),
        }


def validate_sources(
    paths: Iterable[Path],
    intake: Intake,
    *,
    fmt: str = "auto",
    attest_consent: bool = False,
    own_context: Callable[[TrafficRecord], bool] = _never,
) -> Iterator[Outcome]:
    """One outcome per input item of every file, in order; no model is called."""
    position = 0
    for path in paths:
        for item in read_source(path, fmt, attest_consent=attest_consent):
            yield _outcome(position, item.record, item.reason, intake, own_context)
            position += 1


def _outcome(
    position: int,
    record: dict[str, Any] | None,
    unreadable: str | None,
    intake: Intake,
    own_context: Callable[[TrafficRecord], bool],
) -> Outcome:
    if record is None:
        return Outcome(position, None, "rejected", unreadable or "unreadable")
    record_id = record.get("id") if isinstance(record.get("id"), str) else None
    raw = json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass")
    try:
        _, conversation = intake.admit(raw, own_context=own_context)
    except RecordRejected as rejected:
        return Outcome(
            position, record_id, "rejected", rejected.reason, rejected.detail
        )
    return Outcome(position, record_id, "ok", trimmed_turns=conversation.trimmed_turns)
