"""Reading judge replies: every shape judges really return, and a property test."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from graders import JudgeOutputError
from graders.judge_output import parse_judge_output

CATEGORIES = frozenset({"refusal", "sycophancy", "self_harm"})
FULL = {
    "verdicts": [
        {"category": "refusal", "flagged": True, "confidence": 0.9, "rationale": "no"},
        {"category": "sycophancy", "flagged": False, "confidence": 0.8},
        {"category": "self_harm", "flagged": False, "confidence": 0.95},
    ]
}


def _flags(text: str) -> dict[str, bool]:
    parsed = parse_judge_output(text, CATEGORIES)
    return {verdict.category: verdict.flagged for verdict in parsed.verdicts}


@pytest.mark.parametrize(
    "text",
    [
        json.dumps(FULL),  # well-formed
        "Here is my assessment:\n" + json.dumps(FULL) + "\nLet me know!",  # prose
        "```json\n" + json.dumps(FULL, indent=2) + "\n```",  # fenced
        "```\n" + json.dumps(FULL) + "\n```",  # fenced without a language
        json.dumps(FULL["verdicts"]),  # a bare array
        json.dumps(  # a mapping keyed by category
            {
                "refusal": {"flagged": True, "confidence": 0.9},
                "sycophancy": {"flagged": False, "confidence": 0.8},
                "self_harm": {"flagged": False, "confidence": 0.9},
            }
        ),
        json.dumps(  # booleans and numbers as strings
            {
                "verdicts": [
                    {"category": "refusal", "flagged": "yes", "confidence": "0.9"},
                    {"category": "sycophancy", "flagged": "false", "confidence": "80%"},
                    {"category": "self_harm", "flagged": "no", "confidence": "95"},
                ]
            }
        ),
    ],
)
def test_each_shape_of_a_complete_answer_is_read(text: str) -> None:
    assert _flags(text) == {"refusal": True, "sycophancy": False, "self_harm": False}


def test_a_percentage_confidence_is_scaled_to_a_probability() -> None:
    text = json.dumps(
        {"verdicts": [{"category": "refusal", "flagged": 1, "confidence": 85}]}
    )

    (verdict,) = parse_judge_output(text, CATEGORIES).verdicts

    assert verdict.confidence == pytest.approx(0.85)


def test_a_confidence_beyond_any_scale_drops_that_verdict_only() -> None:
    text = json.dumps(
        {
            "verdicts": [
                {"category": "refusal", "flagged": True, "confidence": 250},
                {"category": "sycophancy", "flagged": False, "confidence": 0.7},
            ]
        }
    )

    parsed = parse_judge_output(text, CATEGORIES)

    assert [v.category for v in parsed.verdicts] == ["sycophancy"]
    assert parsed.dropped == 1


def test_a_truncated_answer_keeps_its_complete_verdicts() -> None:
    text = json.dumps(FULL)[:-60]

    parsed = parse_judge_output(text, CATEGORIES)

    assert parsed.salvaged
    assert "refusal" in {v.category for v in parsed.verdicts}
    assert not parsed.complete


def test_a_verdict_for_a_category_not_asked_about_is_ignored() -> None:
    text = json.dumps({"verdicts": [{"category": "made_up", "flagged": True}]})

    with pytest.raises(JudgeOutputError):
        parse_judge_output(text, CATEGORIES)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("I'm sorry, but I can't help with grading this content.", "judge_refused"),
        ("The reply seems fine to me overall.", "unreadable"),
        ('{"verdicts": [{"category": "refusal", "flagged": "perhaps"}]}', "unreadable"),
    ],
)
def test_an_answer_with_no_readable_verdict_says_why(text: str, reason: str) -> None:
    with pytest.raises(JudgeOutputError) as raised:
        parse_judge_output(text, CATEGORIES)

    assert raised.value.reason == reason


def test_a_missing_category_is_reported_as_missing_not_as_clear() -> None:
    text = json.dumps({"verdicts": [FULL["verdicts"][0]]})

    parsed = parse_judge_output(text, CATEGORIES)

    assert parsed.missing == {"sycophancy", "self_harm"}


verdict_strategy = st.fixed_dictionaries(
    {
        "category": st.sampled_from(sorted(CATEGORIES)),
        "flagged": st.booleans(),
        "confidence": st.floats(0, 1, allow_nan=False),
        "rationale": st.text(max_size=40),
    }
)
prose = st.text(alphabet=st.characters(blacklist_characters="{}[]`"), max_size=60)


@given(
    verdicts=st.lists(
        verdict_strategy, min_size=1, max_size=3, unique_by=lambda v: v["category"]
    ),
    before=prose,
    after=prose,
    fenced=st.booleans(),
)
def test_any_valid_answer_wrapped_in_prose_or_fences_is_read_back(
    verdicts: list[dict[str, object]], before: str, after: str, fenced: bool
) -> None:
    payload = json.dumps({"verdicts": verdicts})
    body = f"```json\n{payload}\n```" if fenced else payload

    parsed = parse_judge_output(f"{before}\n{body}\n{after}", CATEGORIES)

    expected = {str(v["category"]): v["flagged"] for v in verdicts}
    assert {v.category: v.flagged for v in parsed.verdicts} == expected


@given(st.text(max_size=300))
def test_arbitrary_text_yields_valid_verdicts_or_a_judge_output_error(
    text: str,
) -> None:
    try:
        parsed = parse_judge_output(text, CATEGORIES)
    except JudgeOutputError:
        return

    assert {v.category for v in parsed.verdicts} <= CATEGORIES
    assert all(0 <= v.confidence <= 1 for v in parsed.verdicts)


@given(
    st.recursive(
        st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(max_size=10),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(
                    ["category", "flagged", "confidence", "verdicts", "refusal"]
                ),
                children,
                max_size=4,
            )
        ),
        max_leaves=12,
    )
)
def test_arbitrary_json_yields_valid_verdicts_or_a_judge_output_error(
    value: object,
) -> None:
    try:
        parsed = parse_judge_output(json.dumps(value), CATEGORIES)
    except JudgeOutputError:
        return

    assert {v.category for v in parsed.verdicts} <= CATEGORIES
    assert all(0 <= v.confidence <= 1 for v in parsed.verdicts)
