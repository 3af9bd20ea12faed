"""Symmetric multiplicative error and its noise funnel."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from estimators import (
    EstimatorError,
    sme_from_counts,
    sme_funnel,
    symmetric_multiplicative_error,
)

rates = st.floats(min_value=1e-9, max_value=1.0)


class TestSme:
    @given(forecast=rates, observed=rates)
    def test_is_at_least_one_and_symmetric(
        self, forecast: float, observed: float
    ) -> None:
        sme = symmetric_multiplicative_error(forecast, observed)

        assert sme >= 1.0
        assert sme == symmetric_multiplicative_error(observed, forecast)

    def test_a_factor_of_two_either_way_gives_two(self) -> None:
        assert symmetric_multiplicative_error(2e-4, 1e-4) == 2.0
        assert symmetric_multiplicative_error(1e-4, 2e-4) == 2.0

    def test_a_zero_against_a_positive_rate_is_infinite(self) -> None:
        assert symmetric_multiplicative_error(0.0, 1e-4) == math.inf

    def test_zero_counts_use_half_an_event(self) -> None:
        """(0 + 1/2) / 1000 against (2 + 1/2) / 1000."""
        assert sme_from_counts(0, 1_000, 2, 1_000) == pytest.approx(5.0)

    def test_negative_rates_are_rejected(self) -> None:
        with pytest.raises(EstimatorError):
            symmetric_multiplicative_error(-1e-4, 1e-4)


class TestFunnel:
    @pytest.mark.parametrize(
        ("expected", "median"),
        [
            (3, 1.5),  # the source article's "3 expected events give 1.5x"
            (10, 1.25),
            (100, 1.07),
        ],
    )
    def test_median_matches_counting_noise_with_one_noisy_side(
        self, expected: int, median: float
    ) -> None:
        """The forecast side is 10^4 times larger, so only the live side is noisy."""
        live, forecast = 1_000, 10**7
        total = expected + expected * forecast // live

        band = sme_funnel(live, forecast, total)

        assert band.median == pytest.approx(median, abs=0.01)

    def test_the_90_percent_edge_lies_above_the_median(self) -> None:
        band = sme_funnel(10_000, 10_000, 40)

        assert band.high > band.median >= 1.0
        assert band.contains(band.median)
        assert not band.contains(band.high * 1.01)

    def test_more_events_narrow_the_funnel(self) -> None:
        assert sme_funnel(10**5, 10**5, 1_000).high < sme_funnel(10**5, 10**5, 10).high

    def test_no_events_give_a_degenerate_band(self) -> None:
        band = sme_funnel(1_000, 1_000, 0)

        assert (band.median, band.high) == (1.0, 1.0)
