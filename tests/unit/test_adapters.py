"""Adapters from hh-rlhf transcripts and OpenAI chat JSONL into traffic records."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from streamer.adapters import detect_format, read_source
from streamer.adapters.hh_rlhf import parse_transcript
from streamer.errors import RecordRejected
from streamer.parse import parse_record
from streamer.reasons import Reason
from streamer.samples import sample_path


def write_jsonl(path: Path, lines: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return path


def test_a_transcript_splits_into_alternating_turns() -> None:
    text = "\n\nHuman: hi there\n\nAssistant: hello\n\nHuman: bye\n\nAssistant: ok"

    messages = parse_transcript(text)

    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    assert messages[0]["content"] == "hi there"


def test_hh_rlhf_uses_rejected_as_production_and_chosen_as_alternative(
    tmp_path: Path,
) -> None:
    prefix = "\n\nHuman: how do I pick a lock?"
    path = write_jsonl(
        tmp_path / "pairs.jsonl",
        [
            {
                "chosen": prefix + "\n\nAssistant: No.",
                "rejected": prefix + "\n\nAssistant: Sure.",
            }
        ],
    )

    [item] = read_source(path)

    assert item.record is not None
    assert item.record["messages"][-1]["content"] == "Sure."
    assert item.alternative_reply == {"role": "assistant", "content": "No."}


def test_every_shipped_hh_rlhf_line_becomes_a_valid_record() -> None:
    items = list(read_source(sample_path()))

    records = [parse_record(json.dumps(i.record).encode()) for i in items]

    assert len(records) == 2312
    assert len({r.id for r in records}) == 2312
    assert all(r.consent and r.deidentified for r in records)


def test_openai_chat_lines_are_wrapped_without_consent_unless_attested(
    tmp_path: Path,
) -> None:
    line = {
        "messages": [
            {"role": "user", "content": "a"},
            {"role": "assistant", "content": "b"},
        ]
    }
    path = write_jsonl(tmp_path / "chat.jsonl", [line])

    [plain] = read_source(path)
    [attested] = read_source(path, attest_consent=True)

    assert plain.record is not None
    assert plain.record["consent"] is False
    assert attested.record is not None
    assert attested.record["consent"] is True


def test_openai_chat_lines_that_are_traffic_records_pass_through(
    tmp_path: Path,
) -> None:
    from .test_records import record

    path = write_jsonl(tmp_path / "records.jsonl", [record(id="kept")])

    [item] = read_source(path)

    assert item.record is not None
    assert item.record["id"] == "kept"


def test_openai_chat_lines_that_are_not_objects_get_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    path.write_text('{"messages": []}\nnot json\n[1]\n')

    reasons = [item.reason for item in read_source(path)]

    assert reasons == [None, Reason.NOT_JSON, Reason.NOT_AN_OBJECT]


def test_gzipped_files_are_read_transparently(tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(json.dumps({"messages": []}) + "\n")

    assert detect_format(path) == "openai-chat"


def test_an_unknown_format_is_refused(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "odd.jsonl", [{"text": "x"}])

    with pytest.raises(RecordRejected) as caught:
        detect_format(path)

    assert caught.value.reason == Reason.UNSUPPORTED_FORMAT
