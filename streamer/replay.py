"""The replay producer: files of conversations into the traffic topic.

Records are validated with the worker's own parser before they are sent; lines that
cannot become a valid record go to the dead-letter topic with their reason, so every
line of the input ends somewhere and is counted.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kafka import KafkaProducer
from kafka.errors import KafkaError
from tqdm import tqdm

from streamer.adapters import SourceItem, read_source
from streamer.errors import BrokerError, RecordRejected
from streamer.graded import DeadLetter
from streamer.parse import parse_record
from streamer.settings import Settings


@dataclass
class ReplaySummary:
    """What a replay sent, and what it rejected and why."""

    sent: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    record_ids: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """The summary as printed with `--json`."""
        return {
            "sent": self.sent,
            "rejected": sum(self.rejected.values()),
            "by_reason": dict(self.rejected),
        }


def encode(item: SourceItem, max_bytes: int) -> tuple[str, bytes] | DeadLetter:
    """A valid record's id and bytes, or the dead letter for this input line."""
    if item.record is None:
        return DeadLetter(
            reason=item.reason or "unreadable",
            detail="",
            record_id=None,
            stage="replay",
            source={"position": item.position},
        )
    raw = json.dumps(item.record, ensure_ascii=False).encode("utf-8", "surrogatepass")
    try:
        record = parse_record(raw, max_bytes)
    except RecordRejected as rejected:
        record_id = item.record.get("id")
        return DeadLetter(
            reason=rejected.reason,
            detail=rejected.detail,
            record_id=record_id if isinstance(record_id, str) else None,
            stage="replay",
            source={"position": item.position},
        )
    return record.id, raw


def iter_sources(
    paths: Iterable[Path], fmt: str, attest_consent: bool
) -> Iterator[SourceItem]:
    """Every item of every file, in order."""
    for path in paths:
        yield from read_source(path, fmt, attest_consent=attest_consent)


def replay(
    paths: Iterable[Path],
    settings: Settings,
    *,
    fmt: str = "auto",
    attest_consent: bool = False,
    limit: int | None = None,
    progress: bool = True,
) -> ReplaySummary:
    """Publish every valid record of `paths`; dead-letter the rest."""
    summary = ReplaySummary()
    try:
        producer = KafkaProducer(
            bootstrap_servers=settings.bootstrap_servers.split(","),
            acks="all",
            linger_ms=5,
            max_request_size=settings.record_max_bytes + 4096,
        )
    except KafkaError as exc:
        raise BrokerError(f"cannot reach {settings.bootstrap_servers}: {exc}") from exc

    items = iter_sources(paths, fmt, attest_consent)
    bar = tqdm(items, desc="replay", unit="rec", disable=not progress, total=limit)
    try:
        for count, item in enumerate(bar):
            if limit is not None and count >= limit:
                break
            outcome = encode(item, settings.record_max_bytes)
            if isinstance(outcome, DeadLetter):
                producer.send(settings.dead_letter_topic, value=outcome.to_bytes())
                summary.rejected[outcome.reason] += 1
                continue
            record_id, raw = outcome
            producer.send(settings.traffic_topic, key=record_id.encode(), value=raw)
            summary.sent += 1
            summary.record_ids.append(record_id)
        producer.flush()
    except KafkaError as exc:
        raise BrokerError(f"publishing failed: {exc}") from exc
    finally:
        bar.close()
        producer.close()
    return summary
