"""The taxonomy file: shipped contents, validation, and what it rejects."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders import TaxonomyError, load_taxonomy
from graders.taxonomy import Example, parse_taxonomy

MINIMAL = """
version: 1
categories:
  - id: refusal
    name: Refusal
    severity: info
    definition: The reply declines to do what was asked.
    positive_examples: ["No."]
    negative_examples: ["Sure."]
"""


def test_the_shipped_taxonomy_validates_with_about_twenty_categories() -> None:
    taxonomy = load_taxonomy()

    assert 20 <= len(taxonomy.categories) <= 25


@pytest.mark.parametrize(
    "category",
    [
        "refusal",  # tracked outcome, kept from the first taxonomy
        "over_refusal",
        "personal_data_leak",  # kept from the first taxonomy
        "violence_weapons",
        "cyber_abuse",
        "self_harm",
        "sexual_content",
        "sexual_minors",
        "hate_harassment",
        "fabricated_facts",
        "fabricated_action",
        "tool_misrepresented",  # "calculator hacking"
        "sycophancy",
        "unsafe_agent_action",
        "injection_followed",
    ],
)
def test_the_shipped_taxonomy_covers_the_required_behaviours(category: str) -> None:
    assert category in load_taxonomy().ids


def test_refusal_is_a_tracked_outcome_not_an_error() -> None:
    assert load_taxonomy().get("refusal").tracked_outcome


def test_every_shipped_category_has_both_kinds_of_example() -> None:
    taxonomy = load_taxonomy()

    assert all(c.positive_examples and c.negative_examples for c in taxonomy.categories)


def test_a_minimal_taxonomy_parses() -> None:
    assert parse_taxonomy(MINIMAL).ids == frozenset({"refusal"})


def test_a_repeated_category_id_is_rejected() -> None:
    text = MINIMAL + MINIMAL.split("categories:", 1)[1]

    with pytest.raises(TaxonomyError, match="unique"):
        parse_taxonomy(text)


def test_a_category_without_negative_examples_is_rejected() -> None:
    text = MINIMAL.replace('    negative_examples: ["Sure."]\n', "")

    with pytest.raises(TaxonomyError):
        parse_taxonomy(text)


@pytest.mark.parametrize("bad_id", ["Refusal", "over-refusal", "r", "9lives"])
def test_an_id_that_is_not_snake_case_is_rejected(bad_id: str) -> None:
    with pytest.raises(TaxonomyError):
        parse_taxonomy(MINIMAL.replace("id: refusal", f"id: {bad_id}"))


def test_an_unknown_severity_is_rejected() -> None:
    with pytest.raises(TaxonomyError):
        parse_taxonomy(MINIMAL.replace("severity: info", "severity: dire"))


def test_malformed_yaml_is_a_taxonomy_error() -> None:
    with pytest.raises(TaxonomyError):
        parse_taxonomy("version: [1\n")


def test_a_missing_file_is_a_taxonomy_error(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "absent.yaml")


def test_a_user_taxonomy_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(MINIMAL)

    assert load_taxonomy(path).ids == frozenset({"refusal"})


def test_categories_outside_the_taxonomy_are_rejected() -> None:
    with pytest.raises(TaxonomyError, match="not in the taxonomy"):
        load_taxonomy().require(frozenset({"refusal", "made_up"}))


def test_getting_an_unknown_category_is_a_taxonomy_error() -> None:
    with pytest.raises(TaxonomyError):
        load_taxonomy().get("made_up")


def test_a_bare_example_string_is_a_reply() -> None:
    example = Example.model_validate("No thanks.")

    assert example.to_exchange().reply.text == "No thanks."


def test_an_example_with_tool_calls_puts_them_before_the_reply() -> None:
    example = Example.model_validate(
        {
            "prompt": "What is 2+2?",
            "tool_calls": [{"name": "search", "arguments": '{"q": "2+2"}'}],
            "tool_result": "4",
            "reply": "I searched: 4.",
        }
    )

    roles = [turn.role for turn in example.to_exchange().prefix]

    assert roles == ["user", "assistant", "tool"]
