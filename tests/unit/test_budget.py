"""The hourly budget: what it samples, how it prices and when it resets."""

from __future__ import annotations

import pytest

from streamer.budget import Budget, BudgetLimits


class Clock:
    """A clock the test moves, in Unix seconds."""

    def __init__(self, now: float = 7200.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_without_limits_every_record_is_sampled() -> None:
    budget = Budget(BudgetLimits())
    budget.charge(10**9, 10**9)

    admissions = [budget.admit(f"r{i}") for i in range(100)]

    assert all(a.sampled and a.share == 1.0 for a in admissions)


def test_within_the_token_limit_every_record_is_sampled() -> None:
    budget = Budget(BudgetLimits(tokens_per_hour=1000))
    budget.charge(400, 500)

    assert budget.share == 1.0


def test_once_the_tokens_are_spent_the_share_drops() -> None:
    budget = Budget(BudgetLimits(tokens_per_hour=1000, exhausted_share=0.25))
    budget.charge(600, 400)

    assert budget.exhausted
    assert budget.share == 0.25


def test_the_dollar_limit_prices_prompt_and_completion_tokens() -> None:
    limits = BudgetLimits(
        dollars_per_hour=1.0,
        dollars_per_1k_prompt_tokens=0.5,
        dollars_per_1k_completion_tokens=1.5,
    )
    budget = Budget(limits)

    dollars = budget.charge(1000, 200)

    assert dollars == pytest.approx(0.8)
    assert not budget.exhausted
    budget.charge(0, 200)
    assert budget.exhausted


def test_a_new_hour_starts_a_new_budget() -> None:
    clock = Clock()
    budget = Budget(BudgetLimits(tokens_per_hour=10), clock=clock)
    budget.charge(10, 0)

    clock.now += 3600

    assert not budget.exhausted
    assert budget.tokens == 0


def test_a_redelivered_record_is_decided_the_same_way() -> None:
    budget = Budget(BudgetLimits(tokens_per_hour=1, exhausted_share=0.5))
    budget.charge(1, 0)

    first = [budget.admit(f"r{i}").sampled for i in range(200)]
    again = [budget.admit(f"r{i}").sampled for i in range(200)]

    assert first == again


def test_the_sampled_fraction_matches_the_share() -> None:
    budget = Budget(BudgetLimits(tokens_per_hour=1, exhausted_share=0.2))
    budget.charge(1, 0)

    sampled = sum(budget.admit(f"record-{i}").sampled for i in range(20_000))

    assert sampled / 20_000 == pytest.approx(0.2, abs=0.01)
