"""Building the worker's graders: offline always, the judge only when configured."""

from __future__ import annotations

import pytest

from graders import (
    Ensemble,
    JudgeConfigError,
    build_ensemble,
    build_panel_graders,
    close_graders,
    load_taxonomy,
)
from graders.judge import JudgeEndpoint

TAXONOMY = load_taxonomy()
ENDPOINT = JudgeEndpoint(base_url="http://127.0.0.1:1/v1", model="judge-model")


def test_without_a_judge_the_offline_graders_run() -> None:
    ensemble = build_ensemble(TAXONOMY)

    assert set(ensemble.members) == {"rules", "classifier", "trajectory"}


def test_without_a_judge_only_categories_an_offline_grader_covers_are_offered() -> None:
    ensemble = build_ensemble(TAXONOMY)

    assert "refusal" in ensemble.categories
    assert "sycophancy" not in ensemble.categories  # the judge's alone


async def test_with_a_judge_every_taxonomy_category_is_offered() -> None:
    ensemble = build_ensemble(TAXONOMY, judge=ENDPOINT)

    assert ensemble.categories == TAXONOMY.ids
    await ensemble.close()


async def test_the_judge_grades_exactly_the_categories_whose_plan_lists_it() -> None:
    ensemble = build_ensemble(TAXONOMY, judge=ENDPOINT)

    judged = ensemble.members["judge"].categories

    assert judged == {c for c, p in ensemble.plans.items() if "judge" in p.graders}
    await ensemble.close()


def test_a_judge_that_is_the_candidate_is_refused_when_building() -> None:
    with pytest.raises(JudgeConfigError):
        build_ensemble(TAXONOMY, judge=ENDPOINT, candidate_models=["judge-model"])


async def test_the_panel_gets_one_ensemble_that_closes_cleanly_twice() -> None:
    graders = build_panel_graders(TAXONOMY, judge=ENDPOINT)

    await close_graders(graders)
    await close_graders(graders)

    assert len(graders) == 1
    assert isinstance(graders[0], Ensemble)


def test_the_rules_panel_votes_with_the_rule_graders_alone() -> None:
    ensemble = build_ensemble(TAXONOMY, judge=ENDPOINT, panel="rules")

    assert set(ensemble.members) == {"rules", "trajectory"}
    assert "refusal" in ensemble.categories
    assert "violence_weapons" not in ensemble.categories  # the classifier's


def test_the_rules_panel_has_its_own_grader_version() -> None:
    """Records graded by different panels must never be pooled as one grader."""
    (rules,) = build_panel_graders(TAXONOMY, panel="rules")
    (ensemble,) = build_panel_graders(TAXONOMY)

    assert rules.version != ensemble.version
