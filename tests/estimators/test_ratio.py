"""rate_ratio_interval and paired_rate_ratio_interval: comparing two rates."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from estimators import EstimatorError, paired_rate_ratio_interval, rate_ratio_interval

windows = st.tuples(
    st.integers(min_value=0, max_value=2_000),
    st.integers(min_value=2_000, max_value=10**7),
)


class TestIndependent:
    def test_equal_counts_give_ratio_one_and_no_evidence(self) -> None:
        result = rate_ratio_interval(30, 100_000, 30, 100_000)

        assert result.estimate == 1.0
        assert result.low < 1.0 < result.high
        assert result.p_value == pytest.approx(1.0)

    def test_a_doubling_on_large_counts_is_significant_and_called_up(self) -> None:
        result = rate_ratio_interval(200, 100_000, 100, 100_000)

        assert result.estimate == 2.0
        assert result.low > 1.0
        assert result.direction() == "up"

    def test_zero_first_count_gives_a_zero_lower_limit(self) -> None:
        result = rate_ratio_interval(0, 10_000, 10, 10_000)

        assert result.low == 0.0
        assert 0.0 < result.estimate < result.high

    def test_zero_second_count_gives_an_open_upper_limit(self) -> None:
        result = rate_ratio_interval(10, 10_000, 0, 10_000)

        assert result.high == math.inf
        assert result.to_dict()["high"] is None

    def test_two_zero_counts_give_no_information(self) -> None:
        result = rate_ratio_interval(0, 10_000, 0, 10_000)

        assert (result.low, result.high, result.p_value) == (0.0, math.inf, 1.0)

    def test_the_p_value_is_the_exact_conditional_binomial(self) -> None:
        """Given 19 events, 7 in a window holding a third of the trials."""
        result = rate_ratio_interval(7, 10_000, 12, 20_000)

        assert result.p_value == pytest.approx(0.80876, rel=1e-4)

    def test_the_score_method_is_used_when_both_counts_are_positive(self) -> None:
        exact = rate_ratio_interval(50, 10**6, 100, 10**6)

        score = rate_ratio_interval(50, 10**6, 100, 10**6, method="score")

        assert score.method == "score"
        assert score.high - score.low < exact.high - exact.low

    def test_a_window_without_trials_is_rejected(self) -> None:
        with pytest.raises(EstimatorError):
            rate_ratio_interval(0, 0, 5, 100)

    @given(first=windows, second=windows)
    def test_swapping_the_windows_inverts_the_interval(
        self, first: tuple[int, int], second: tuple[int, int]
    ) -> None:
        forward = rate_ratio_interval(*first, *second)

        backward = rate_ratio_interval(*second, *first)

        assert forward.estimate * backward.estimate == pytest.approx(1.0)
        assert forward.low * backward.high == pytest.approx(1.0) or (
            forward.low == 0.0 and backward.high == math.inf
        )
        assert forward.p_value == pytest.approx(backward.p_value)

    @given(first=windows, second=windows)
    def test_the_interval_holds_the_estimate(
        self, first: tuple[int, int], second: tuple[int, int]
    ) -> None:
        result = rate_ratio_interval(*first, *second)

        assert 0.0 <= result.low <= result.estimate <= result.high
        assert 0.0 <= result.p_value <= 1.0


class TestPaired:
    def test_pairing_narrows_the_interval_when_both_sides_flag_alike(self) -> None:
        """60 vs 45 flags on the same prefixes, 40 of them shared."""
        unpaired = rate_ratio_interval(60, 100_000, 45, 100_000)

        paired = paired_rate_ratio_interval(40, 20, 5, 100_000)

        assert paired.estimate == unpaired.estimate
        assert paired.high - paired.low < unpaired.high - unpaired.low

    def test_the_p_value_is_the_exact_mcnemar_test(self) -> None:
        """5 discordant one way, 1 the other: two-sided binomial 0.21875."""
        result = paired_rate_ratio_interval(3, 5, 1, 1_000)

        assert result.p_value == pytest.approx(0.21875)

    def test_no_discordant_pairs_give_p_value_one(self) -> None:
        assert paired_rate_ratio_interval(10, 0, 0, 1_000).p_value == 1.0

    def test_zero_second_rate_gives_an_open_upper_limit(self) -> None:
        result = paired_rate_ratio_interval(0, 5, 0, 100_000)

        assert result.high == math.inf
        assert result.low > 0.0

    def test_more_flags_than_prefixes_are_rejected(self) -> None:
        with pytest.raises(EstimatorError, match="exceeds"):
            paired_rate_ratio_interval(5, 5, 5, 10)
