"""Anthropic hh-rlhf transcripts: `{"chosen": str, "rejected": str}` per line.

Each transcript is flat text, "\\n\\nHuman: ...\\n\\nAssistant: ...". The two share a
prefix and differ in the last assistant turn. The `rejected` reply, which crowdworkers
judged the more harmful, plays the production reply; `chosen` is recorded as the
alternative reply that the stand-in serves as the candidate's.

The data were published by their authors for research on harmlessness, written by
crowdworkers who consented to that use; the adapter attests consent and
de-identification for them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from streamer.adapters._source import ReadOptions, SourceItem
from streamer.reasons import Reason
from streamer.records import new_record

SOURCE_MODEL = "hh-rlhf-52b-context-distilled"
_TURN = re.compile(r"\n\n(Human|Assistant): ?")
_ROLES = {"Human": "user", "Assistant": "assistant"}


def parse_transcript(text: str) -> list[dict[str, Any]]:
    """Split a flat transcript into chat messages; text before any turn is dropped."""
    pieces = _TURN.split(text)
    speakers, bodies = pieces[1::2], pieces[2::2]
    return [
        {"role": _ROLES[speaker], "content": body.strip()}
        for speaker, body in zip(speakers, bodies, strict=True)
    ]


def read(lines: Iterable[str], options: ReadOptions) -> Iterator[SourceItem]:
    """Yield one traffic record per line, `rejected` as production, `chosen` aside."""
    for position, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            pair = json.loads(line)
            chosen = parse_transcript(pair["chosen"])
            rejected = parse_transcript(pair["rejected"])
        except (json.JSONDecodeError, KeyError, TypeError):
            yield SourceItem(position, None, reason=Reason.UNSUPPORTED_FORMAT)
            continue

        record = new_record(
            f"{options.source_name}-{position:06d}",
            rejected,
            source_model=SOURCE_MODEL,
            sampled_at=options.sampled_at,
            consent=True,
            deidentified=True,
            metadata={"source": "anthropic/hh-rlhf harmless-base test"},
        )
        same_prefix = chosen[:-1] == rejected[:-1] and chosen[-1:] != []
        alternative = chosen[-1] if same_prefix else None
        yield SourceItem(position, record, alternative_reply=alternative)
