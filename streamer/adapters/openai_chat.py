"""OpenAI chat JSONL: one `{"messages": [...], "tools": [...]}` object per line.

A line that already is a traffic record (it has `schema_version`) passes through
unchanged. Other lines are wrapped: `id` defaults to the source name and line number,
and consent and de-identification are attested only when the line says so or the
caller passes `attest_consent` (a user who knows the file's provenance); otherwise the
privacy gate will refuse the record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from streamer.adapters._source import ReadOptions, SourceItem
from streamer.reasons import Reason
from streamer.records import new_record


def read(lines: Iterable[str], options: ReadOptions) -> Iterator[SourceItem]:
    """Yield one record per line; lines that are not JSON objects get a reason."""
    for position, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            yield SourceItem(position, None, reason=Reason.NOT_JSON)
            continue
        if not isinstance(item, dict):
            yield SourceItem(position, None, reason=Reason.NOT_AN_OBJECT)
            continue

        if "schema_version" in item:
            yield SourceItem(position, item)
            continue

        attested = options.attest_consent
        record = new_record(
            str(item.get("id", f"{options.source_name}-{position:06d}")),
            item.get("messages", []),  # validated later, like any producer's
            source_model=str(item.get("model", item.get("source_model", "unknown"))),
            sampled_at=options.sampled_at,
            sampling_probability=item.get("sampling_probability", 1.0),
            consent=item.get("consent", attested),
            deidentified=item.get("deidentified", attested),
            tools=item.get("tools"),
            metadata=item.get("metadata"),
        )
        yield SourceItem(position, record)
