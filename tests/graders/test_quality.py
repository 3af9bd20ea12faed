"""Measuring graders on held-out data, and the shipped quality file."""

from __future__ import annotations

import json

import pytest

from graders import LabelledDataError, Status, build_ensemble, load_taxonomy
from graders.ensemble import CategoryPlan, Ensemble
from graders.labelled import LabelledItem
from graders.quality import evaluate, shipped_quality_path
from tests.graders.helpers import FixedGrader

TAXONOMY = load_taxonomy()


def _item(key: str, refusal: bool) -> LabelledItem:
    return LabelledItem(
        "test_set", key, "test", "hi", f"reply {key}", {"refusal": refusal}
    )


def _ensemble(*members: FixedGrader) -> Ensemble:
    plans = {"refusal": CategoryPlan(graders=("rules", "classifier"), rule="first")}
    return Ensemble({m.name: m for m in members}, plans, TAXONOMY)


async def test_the_confusion_table_counts_each_verdict_against_its_label() -> None:
    items = [_item("a", True), _item("b", False), _item("c", True)]
    ensemble = _ensemble(FixedGrader("rules", {"refusal": True}))

    report = await evaluate(ensemble, items)

    rules = next(r for r in report.rows if r.grader == "rules")
    assert (rules.tp, rules.fp, rules.fn, rules.tn) == (2, 1, 0, 0)
    assert rules.precision.estimate == pytest.approx(2 / 3)


async def test_non_results_are_counted_apart_never_as_negatives() -> None:
    items = [_item("a", True), _item("b", False)]
    failing = FixedGrader("classifier", Status.GRADER_ERROR, frozenset({"refusal"}))
    ensemble = _ensemble(FixedGrader("rules", {"refusal": True}), failing)

    report = await evaluate(ensemble, items)

    row = next(r for r in report.rows if r.grader == "classifier")
    assert row.non_results == 2
    assert row.n == 0


async def test_evaluation_refuses_training_items() -> None:
    train_item = LabelledItem("s", "k", "train", "", "x", {"refusal": True})

    with pytest.raises(LabelledDataError, match="held-out"):
        await evaluate(_ensemble(FixedGrader("rules", {"refusal": True})), [train_item])


def test_the_saved_row_keeps_hits_and_audit_sizes_for_the_estimators() -> None:
    report = json.loads(shipped_quality_path().read_text())

    row = report["results"][0]

    assert {"hits", "audited", "low", "high"} <= row["ppv"].keys()
    assert row["recall"]["audited"] == row["positives"]


def test_the_shipped_quality_file_measures_the_shipped_graders() -> None:
    report = json.loads(shipped_quality_path().read_text())

    ensemble = build_ensemble(TAXONOMY)

    assert report["versions"]["ensemble"] == ensemble.version
    assert report["versions"]["classifier"] == ensemble.members["classifier"].version
