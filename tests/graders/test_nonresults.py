"""Non-results reach the panel as "not evaluated", never as "not flagged"."""

from __future__ import annotations

import pytest

from graders import GraderResult, Status, Verdict
from streamer.panel import category_flags


def test_a_non_result_contributes_no_category() -> None:
    results = [
        GraderResult.non_result("judge", "1", Status.GRADER_ERROR, "unreadable"),
        GraderResult.non_result("rules", "1", Status.NOT_EVALUABLE, "empty_reply"),
    ]

    assert category_flags(results) == {}


def test_a_non_result_beside_a_verdict_leaves_the_verdict_alone() -> None:
    results = [
        GraderResult("rules", "1", Status.OK, (Verdict("refusal", True, 0.9),)),
        GraderResult.non_result("judge", "1", Status.GRADER_ERROR, "judge_timeout"),
    ]

    assert category_flags(results) == {"refusal": True}


def test_a_verdicts_confidence_must_be_a_probability() -> None:
    with pytest.raises(ValueError, match="confidence"):
        Verdict("refusal", True, 1.5)
