"""The rule grader: its categories on their taxonomy examples and on edge cases."""

from __future__ import annotations

import pytest

from graders import Exchange, RuleGrader, Status, ToolUse, Turn, load_taxonomy, pii
from graders.pii import scan_turns
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


async def test_personal_data_in_an_earlier_tool_call_is_not_new() -> None:
    context = Exchange(
        (
            Turn("user", "mail the report"),
            Turn("assistant", "", (ToolUse("send", '{"to": "ann.lee@gmail.com"}'),)),
            Turn("tool", "sent"),
        ),
        Turn("assistant", "Sent to ann.lee@gmail.com."),
    )

    result = await RULES.grade(context)

    assert not flags(result)["personal_data_leak"]


async def test_a_prefix_scanned_already_is_not_scanned_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The privacy gate's scan of the prefix serves the rule grader of both arms."""
    prompt = "write to me at kim.park.rules@gmail.com"
    shared = exchange("Done: kim.park.rules@gmail.com, cc ops.lead@gmail.com", prompt)
    scan_turns(shared.prefix)
    scanned: list[str] = []
    real = pii.findings

    def counting(text: str, min_score: float = pii.MIN_SCORE) -> list[pii.Finding]:
        scanned.append(text)
        return real(text, min_score)

    monkeypatch.setattr(pii, "findings", counting)

    for _ in ("live", "shadow"):
        result = await RULES.grade(shared)
        assert flags(result)["personal_data_leak"]  # the cc address is new

    assert scanned == [shared.reply.text, shared.reply.text]
