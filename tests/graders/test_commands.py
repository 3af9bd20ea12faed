"""The work behind `depsim graders evaluate` and `hh-check`, end to end, offline."""

from __future__ import annotations

import json
from pathlib import Path

from graders import load_taxonomy
from graders.commands import evaluate_command, hh_check_command

TAXONOMY = load_taxonomy()
SAMPLE = Path(__file__).parents[2] / "streamer/samples/hh_rlhf_harmless_test.jsonl.gz"


def test_evaluate_saves_a_quality_file_with_intervals(tmp_path: Path) -> None:
    target = tmp_path / "quality.json"

    evaluate_command(
        TAXONOMY, judge=None, candidate_models=["x"], as_json=False, save=target
    )

    rows = json.loads(target.read_text())["results"]
    assert {row["grader"] for row in rows} >= {"rules", "classifier", "ensemble"}
    assert all(row["recall"]["low"] <= row["recall"]["high"] for row in rows)


def test_hh_check_reports_a_paired_difference_per_category() -> None:
    text = hh_check_command(
        TAXONOMY, SAMPLE, judge=None, candidate_models=["x"], limit=40, as_json=True
    )

    rows = json.loads(text)["rows"]
    assert {"refusal", "any_harm"} <= {row["category"] for row in rows}
    assert all(row["pairs"] == 40 for row in rows)
