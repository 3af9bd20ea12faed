"""`depsim forecast freeze|score` and `depsim graded` files, on real graded records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from estimators import Forecast
from streamer.cli import app
from streamer.forecast import freeze
from streamer.gradedset import dedupe, load_graded, paired_counts, plain_counts
from tests.report.conftest import graded_bodies


@pytest.fixture(scope="module")
def bodies() -> list[dict[str, Any]]:
    return graded_bodies(120)


@pytest.fixture
def graded(bodies: list[dict[str, Any]], tmp_path: Path) -> Path:
    path = tmp_path / "graded.jsonl"
    # Every record twice, as a redelivery would publish it: counted once.
    lines = [json.dumps(body) for body in bodies for _ in range(2)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_freeze_then_score_round_trips_through_files(
    graded: Path, tmp_path: Path
) -> None:
    """A frozen forecast reloads and scores every category against live."""
    runner = CliRunner()
    forecast, scorecard = tmp_path / "forecast.json", tmp_path / "scorecard.json"

    frozen = runner.invoke(
        app, ["forecast", "freeze", "--graded", str(graded), "--out", str(forecast)]
    )
    scored = runner.invoke(
        app,
        [
            "forecast",
            "score",
            str(forecast),
            "--graded",
            str(graded),
            "--json",
            str(scorecard),
        ],
    )

    assert frozen.exit_code == 0, frozen.output
    assert scored.exit_code == 0, scored.output
    data = json.loads(forecast.read_text())
    card = json.loads(scorecard.read_text())
    loaded = Forecast.from_dict(data)
    assert loaded.model.startswith("standin")
    assert data["provenance"]["standin"] is True
    assert data["provenance"]["shadow_records"] == 120
    assert [row["category"] for row in card["rows"]] == [
        band.category for band in loaded.categories
    ]
    assert all(row["live_trials"] == 120 for row in card["rows"])
    assert "noise funnel" in scored.output


def test_the_band_widens_by_the_grader_audit_where_one_exists(graded: Path) -> None:
    """Audited categories carry a correction and a wider log spread."""
    bodies = load_graded(graded, None)
    model = next(b["model"] for b in bodies if b["arm"] != "live")
    data = freeze(bodies, model, datetime(2026, 12, 1, tzinfo=UTC))

    sigma = {band["category"]: band["log_sigma"] for band in data["categories"]}
    audited = data["provenance"]["grader_audits"]["categories"]
    assert audited, data["provenance"]["grader_audits"]
    assert all(sigma[name] > data["structural_sigma"] for name in audited)


def test_duplicates_are_dropped_by_record_arm_cut_and_grader_version(
    bodies: list[dict[str, Any]],
) -> None:
    """A redelivered record is one record; another cut of it is another."""
    other_cut = dict(bodies[0], cut_index=3)

    unique = dedupe([*bodies, *bodies, other_cut])

    assert len(unique) == len(bodies) + 1


def test_pairs_count_prefixes_graded_in_both_arms(
    bodies: list[dict[str, Any]],
) -> None:
    """Paired counts agree with each arm's own counts on the same prefixes."""
    model = next(b["model"] for b in bodies if b["arm"] != "live")
    live = plain_counts(b for b in bodies if b["arm"] == "live")
    shadow = plain_counts(b for b in bodies if b["model"] == model)

    pairs = paired_counts(bodies, model)

    for category, pair in pairs.items():
        assert pair.both + pair.only_shadow == shadow[category].events
        assert pair.both + pair.only_live == live[category].events
