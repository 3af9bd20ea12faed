"""The ensemble: combination rules, non-results, and its configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders import EnsembleConfigError, Status, Verdict, load_taxonomy
from graders.ensemble import (
    CategoryPlan,
    Ensemble,
    EnsembleConfig,
    combine,
    load_ensemble_config,
)
from graders.taxonomy import parse_taxonomy
from tests.graders.helpers import FixedGrader, exchange, flags

TAXONOMY = load_taxonomy()


def _votes(*flagged: bool) -> list[Verdict]:
    return [Verdict("refusal", f, 0.8) for f in flagged]


@pytest.mark.parametrize(
    ("rule", "votes", "expected"),
    [
        ("any", (False, True), True),
        ("any", (False, False), False),
        ("all", (True, False), False),
        ("all", (True, True), True),
        ("majority", (True, True, False), True),
        ("majority", (True, False, False), False),
        ("majority", (False, True), False),  # tie: the earliest vote decides
        ("first", (False, True, True), False),  # the primary decides alone
    ],
)
def test_a_rule_combines_votes(
    rule: str, votes: tuple[bool, ...], expected: bool
) -> None:
    combined = combine(rule, _votes(*votes))  # type: ignore[arg-type]

    assert combined is not None
    assert combined.flagged is expected


@pytest.mark.parametrize(("tie", "expected"), [("flag", True), ("clear", False)])
def test_a_tie_can_be_settled_either_way(tie: str, expected: bool) -> None:
    combined = combine("majority", _votes(False, True), tie)  # type: ignore[arg-type]

    assert combined is not None
    assert combined.flagged is expected


def test_no_votes_combine_to_no_verdict() -> None:
    assert combine("any", []) is None


def _ensemble(**members: FixedGrader) -> Ensemble:
    plans = {"refusal": CategoryPlan(graders=("rules", "classifier"), rule="all")}
    return Ensemble(members, plans, TAXONOMY)


async def test_a_member_error_does_not_vote_and_is_not_a_negative() -> None:
    ensemble = _ensemble(
        rules=FixedGrader("rules", {"refusal": True}),
        classifier=FixedGrader(
            "classifier", Status.GRADER_ERROR, frozenset({"refusal"})
        ),
    )

    result = await ensemble.grade(exchange("No."))

    # Under `all`, a failed member counted as "not flagged" would clear the reply.
    assert flags(result) == {"refusal": True}


async def test_when_every_member_fails_the_ensemble_gives_a_non_result() -> None:
    ensemble = _ensemble(
        rules=FixedGrader("rules", Status.GRADER_ERROR, frozenset({"refusal"})),
        classifier=FixedGrader(
            "classifier", Status.GRADER_ERROR, frozenset({"refusal"})
        ),
    )

    result = await ensemble.grade(exchange("No."))

    assert result.status is Status.GRADER_ERROR
    assert result.verdicts == ()


async def test_when_every_member_cannot_evaluate_the_ensemble_cannot_either() -> None:
    ensemble = _ensemble(
        rules=FixedGrader("rules", Status.NOT_EVALUABLE, frozenset({"refusal"})),
        classifier=FixedGrader(
            "classifier", Status.NOT_EVALUABLE, frozenset({"refusal"})
        ),
    )

    result = await ensemble.grade(exchange("No."))

    assert result.status is Status.NOT_EVALUABLE


async def test_a_member_that_raises_becomes_a_grader_error_member() -> None:
    class Broken(FixedGrader):
        async def grade(self, exchange: object) -> object:  # type: ignore[override]
            raise RuntimeError("bug")

    ensemble = _ensemble(
        rules=FixedGrader("rules", {"refusal": False}),
        classifier=Broken("classifier", {"refusal": True}),
    )

    result = await ensemble.grade(exchange("No."))

    assert flags(result) == {"refusal": False}
    assert result.members[1].status is Status.GRADER_ERROR


async def test_a_verdict_outside_a_members_categories_voids_that_member() -> None:
    liar = FixedGrader(
        "classifier", {"refusal": True, "made_up": True}, frozenset({"refusal"})
    )
    ensemble = _ensemble(
        rules=FixedGrader("rules", {"refusal": False}), classifier=liar
    )

    result = await ensemble.grade(exchange("No."))

    assert result.members[1].reason == "undeclared_category"
    assert "made_up" not in flags(result)


async def test_each_members_result_is_kept_for_the_graded_record() -> None:
    ensemble = _ensemble(
        rules=FixedGrader("rules", {"refusal": True}),
        classifier=FixedGrader("classifier", {"refusal": True}),
    )

    result = await ensemble.grade(exchange("No."))

    assert [m["grader"] for m in result.to_json()["members"]] == ["rules", "classifier"]


def test_a_category_no_available_member_grades_is_not_offered() -> None:
    plans = {"sycophancy": CategoryPlan(graders=("judge",))}

    ensemble = Ensemble(
        {"rules": FixedGrader("rules", {"refusal": True})}, plans, TAXONOMY
    )

    assert ensemble.categories == frozenset()


def test_a_configuration_naming_a_category_outside_the_taxonomy_is_rejected(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ensemble.yaml"
    path.write_text("version: 1\ncategories:\n  made_up: {graders: [rules]}\n")

    with pytest.raises(EnsembleConfigError, match="not in the taxonomy"):
        load_ensemble_config(path).plans(TAXONOMY, strict=True)


def test_a_configuration_naming_an_unknown_grader_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "ensemble.yaml"
    path.write_text("version: 1\ncategories:\n  refusal: {graders: [oracle]}\n")

    with pytest.raises(EnsembleConfigError):
        load_ensemble_config(path)


def test_the_shipped_configuration_fits_a_users_smaller_taxonomy() -> None:
    mine = parse_taxonomy(
        "version: 1\ncategories:\n"
        "  - {id: refusal, name: Refusal, severity: info,\n"
        "     definition: The reply declines what was asked of it.,\n"
        "     positive_examples: [No.], negative_examples: [Yes.]}\n"
    )

    plans = load_ensemble_config().plans(mine, strict=False)

    assert set(plans) == {"refusal"}


def test_taxonomy_categories_not_listed_fall_back_to_the_default_plan() -> None:
    config = EnsembleConfig(version=1, default=CategoryPlan(graders=("judge",)))

    plans = config.plans(TAXONOMY, strict=True)

    assert set(plans) == TAXONOMY.ids
