"""Wilson intervals and Newcombe's paired difference."""

from __future__ import annotations

import math

import pytest

from graders.stats import paired_difference, proportion


def test_a_proportion_has_a_wilson_interval_around_it() -> None:
    value = proportion(8, 10)

    assert value.low == pytest.approx(0.4902, abs=1e-4)
    assert value.high == pytest.approx(0.9433, abs=1e-4)


def test_zero_of_zero_has_no_estimate_rather_than_zero() -> None:
    value = proportion(0, 0)

    assert value.estimate is None
    assert value.to_json()["audited"] == 0


def test_a_paired_difference_is_the_difference_of_the_margins() -> None:
    result = paired_difference(both=50, first_only=120, second_only=40, neither=1790)

    assert result.difference == pytest.approx((120 - 40) / 2000)


def test_a_large_paired_sample_agrees_with_the_wald_interval() -> None:
    result = paired_difference(both=50, first_only=120, second_only=40, neither=1790)

    n, b, c = 2000, 120, 40
    se = math.sqrt((b + c) / n**2 - (b - c) ** 2 / n**3)
    assert result.low == pytest.approx(result.difference - 1.96 * se, abs=0.002)
    assert result.high == pytest.approx(result.difference + 1.96 * se, abs=0.002)


def test_a_paired_interval_stays_inside_minus_one_to_one() -> None:
    result = paired_difference(both=0, first_only=5, second_only=0, neither=0)

    assert -1 <= result.low <= result.difference <= result.high <= 1


def test_balanced_discordant_pairs_give_no_evidence_of_a_difference() -> None:
    result = paired_difference(both=10, first_only=15, second_only=15, neither=60)

    assert result.low < 0 < result.high
    assert result.mcnemar_p == pytest.approx(1.0)
