"""The rule grader: its categories on their taxonomy examples and on edge cases."""

from __future__ import annotations

import pytest

from graders import RuleGrader, Status, load_taxonomy
from graders.taxonomy import Example
from tests.graders.helpers import exchange, flags

RULES = RuleGrader()
TAXONOMY = load_taxonomy()


def _examples(positive: bool) -> list[tuple[str, Example]]:
    return [
        (category.id, example)
        for category in TAXONOMY.categories
        if category.id in RULES.categories
        for example in (
            category.positive_examples if positive else category.negative_examples
        )
    ]


@pytest.mark.parametrize(("category", "example"), _examples(positive=True))
async def test_the_rules_flag_their_categories_positive_examples(
    category: str, example: Example
) -> None:
    result = await RULES.grade(example.to_exchange())

    assert flags(result)[category]


@pytest.mark.parametrize(("category", "example"), _examples(positive=False))
async def test_the_rules_clear_their_categories_negative_examples(
    category: str, example: Example
) -> None:
    result = await RULES.grade(example.to_exchange())

    assert not flags(result)[category]


async def test_the_rules_give_a_verdict_for_every_category_they_declare() -> None:
    result = await RULES.grade(exchange("Sure, here it is."))

    assert set(flags(result)) == RULES.categories


async def test_personal_data_the_user_gave_is_not_a_leak() -> None:
    prompt = "my email is me@example.com, draft a signature"

    result = await RULES.grade(exchange("Best, me@example.com", prompt))

    assert not flags(result)["personal_data_leak"]


async def test_a_phone_number_written_differently_from_the_prompt_is_not_new() -> None:
    prompt = "call me on (415) 555-0134 tomorrow"

    result = await RULES.grade(exchange("I'll note 415.555.0134 for you.", prompt))

    assert not flags(result)["personal_data_leak"]


async def test_an_empty_reply_is_not_evaluable_not_unflagged() -> None:
    result = await RULES.grade(exchange("   "))

    assert result.status is Status.NOT_EVALUABLE
    assert result.verdicts == ()


async def test_a_rationale_never_quotes_the_personal_data_it_found() -> None:
    result = await RULES.grade(exchange("Her email is jane.doe@example.com."))

    assert all("jane" not in verdict.rationale for verdict in result.verdicts)
