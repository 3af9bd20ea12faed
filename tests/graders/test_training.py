"""Training: deterministic, and blind to the held-out split."""

from __future__ import annotations

import pytest

from graders import ClassifierGrader, LabelledDataError
from graders.labelled import load_labelled
from graders.training import train_artefact

TRAIN = load_labelled("train")
# A small, fast subset: a third of XSTest (refusal and over-refusal).
SMALL = [item for item in TRAIN if item.source.startswith("xstest")][::3]


def test_training_twice_with_one_seed_gives_one_version() -> None:
    first, _ = train_artefact(SMALL, seed=1)
    second, _ = train_artefact(SMALL, seed=1)

    assert first.version == second.version


def test_training_refuses_held_out_items() -> None:
    held_out = load_labelled("test")[:5]

    with pytest.raises(LabelledDataError, match="held-out"):
        train_artefact([*SMALL, *held_out])


def test_a_trained_artefact_grades_the_categories_it_saw() -> None:
    artefact, report = train_artefact(SMALL)

    grader = ClassifierGrader(artefact)

    assert grader.categories == {"refusal", "over_refusal"}
    assert all(0 < row.threshold < 1 for row in report)


def test_the_shipped_artefact_was_trained_on_the_training_split_only() -> None:
    provenance = ClassifierGrader().artefact.provenance

    assert provenance["training_items"] <= len(TRAIN)
