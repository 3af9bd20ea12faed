"""`depsim validate`: offline admission of files, ids and reason codes only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from streamer.cli import app
from streamer.validate import Intake, Summary, validate_sources

from .test_records import record

SECRET_TEXT = "jane.roe@gmail.com"


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def traffic(tmp_path: Path) -> Path:
    ok = record(id="ok-1")
    pii = record(
        id="pii-1",
        messages=[
            {"role": "user", "content": f"mail {SECRET_TEXT}"},
            {"role": "assistant", "content": "done"},
        ],
    )
    unconsented = record(id="nc-1", consent=False)
    no_reply = record(id="nr-1", messages=[{"role": "user", "content": "hi"}])
    lines = [json.dumps(r) for r in (ok, pii, unconsented, no_reply)]
    return write_lines(tmp_path / "traffic.jsonl", lines)


def test_each_item_gets_an_outcome_and_reason(traffic: Path) -> None:
    """Valid records are ok; the others carry the worker's reason code."""
    outcomes = list(validate_sources([traffic], Intake(), fmt="openai-chat"))

    assert [(o.record_id, o.outcome, o.reason) for o in outcomes] == [
        ("ok-1", "ok", None),
        ("pii-1", "rejected", "pii_found"),
        ("nc-1", "rejected", "no_consent"),
        ("nr-1", "rejected", "no_assistant_turn"),
    ]


def test_the_summary_counts_by_reason(traffic: Path) -> None:
    """The summary line adds up to the number of input items."""
    summary = Summary()
    for outcome in validate_sources([traffic], Intake(), fmt="openai-chat"):
        summary.add(outcome)

    assert summary.to_json() == {
        "summary": True,
        "total": 4,
        "ok": 1,
        "rejected": 3,
        "trimmed": 0,
        "by_reason": {"pii_found": 1, "no_consent": 1, "no_assistant_turn": 1},
    }


def test_cli_json_prints_one_line_per_record_then_a_summary(traffic: Path) -> None:
    """`--json` output is ids and codes, never conversation content."""
    result = CliRunner().invoke(
        app, ["validate", str(traffic), "--format", "openai-chat", "--json"]
    )

    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line.get("id") for line in lines[:-1]] == ["ok-1", "pii-1", "nc-1", "nr-1"]
    assert lines[1]["detail"] == "email"
    assert lines[-1]["summary"] is True
    assert SECRET_TEXT not in result.output


def test_cli_without_json_prints_a_table(traffic: Path) -> None:
    """The human summary names each reason with its count."""
    result = CliRunner().invoke(
        app, ["validate", str(traffic), "--format", "openai-chat"]
    )

    assert result.exit_code == 0, result.output
    assert "4 records: 1 ok" in result.output
    assert "pii_found" in result.output


def test_unreadable_lines_are_reported_by_position(tmp_path: Path) -> None:
    """A line an adapter cannot read is rejected with the adapter's reason."""
    path = write_lines(
        tmp_path / "pairs.jsonl",
        [
            json.dumps({"chosen": "\n\nHuman: a\n\nAssistant: b", "rejected": 3}),
            json.dumps(
                {
                    "chosen": "\n\nHuman: a\n\nAssistant: b",
                    "rejected": "\n\nHuman: a\n\nAssistant: c",
                }
            ),
        ],
    )

    outcomes = list(validate_sources([path], Intake(), fmt="hh-rlhf"))

    assert [(o.position, o.outcome, o.reason) for o in outcomes] == [
        (0, "rejected", "unsupported_format"),
        (1, "ok", None),
    ]
