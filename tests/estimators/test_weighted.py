"""weighted_proportion_interval: Hajek estimate, Kish effective counts, Fay-Feuer."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from estimators import (
    EstimatorError,
    WeightedCounts,
    weighted_interval,
    weighted_proportion_interval,
)

records = st.lists(
    st.tuples(st.booleans(), st.floats(min_value=0.01, max_value=1000.0)),
    min_size=1,
    max_size=200,
)


def _split(pairs: list[tuple[bool, float]]) -> tuple[list[bool], list[float]]:
    return [flag for flag, _ in pairs], [weight for _, weight in pairs]


class TestEstimates:
    def test_estimate_is_the_weighted_share(self) -> None:
        """Hajek: sum(w y) / sum(w)."""
        result = weighted_proportion_interval([1, 0, 0, 1], [1.0, 2.0, 3.0, 4.0])

        assert result.estimate == pytest.approx(0.5)

    def test_effective_counts_follow_the_positives_weights(self) -> None:
        """k_eff = (sum w+)^2 / sum w+^2 and n_eff = k_eff / estimate."""
        result = weighted_proportion_interval([1, 1, 0, 0], [1.0, 3.0, 2.0, 4.0])

        assert result.k_eff == pytest.approx(16.0 / 10.0)
        assert result.n_eff == pytest.approx(1.6 / 0.4)

    def test_equal_weights_give_the_exact_poisson_interval(self) -> None:
        """With equal weights Fay-Feuer is Garwood's interval for k of n."""
        result = weighted_proportion_interval([1] * 5 + [0] * 995, [2.0] * 1000)

        assert (result.k_eff, result.n_eff) == pytest.approx((5.0, 1000.0))
        assert result.low == pytest.approx(stats.gamma.ppf(0.025, 5) / 1000)
        assert result.high == pytest.approx(stats.gamma.ppf(0.975, 6) / 1000)

    def test_no_positives_keep_a_positive_upper_limit(self) -> None:
        result = weighted_proportion_interval([0] * 100, [1.0] * 50 + [9.0] * 50)

        assert result.estimate == 0.0
        assert result.low == 0.0
        assert result.high > 0.0
        assert result.k_eff == 0.0

    def test_a_heavy_stratum_without_positives_widens_the_upper_limit(self) -> None:
        """The pseudo-event sits at the largest weight, so heavy zeros count."""
        flags = [1] * 20 + [0] * 980
        light = weighted_proportion_interval(flags, [1.0] * 1000)

        heavy = weighted_proportion_interval(flags, [1.0] * 990 + [50.0] * 10)

        assert heavy.high > light.high


class TestProperties:
    @given(pairs=records)
    def test_bounds_lie_in_0_1_around_the_estimate(
        self, pairs: list[tuple[bool, float]]
    ) -> None:
        result = weighted_proportion_interval(*_split(pairs))

        assert 0.0 <= result.low <= result.estimate <= result.high <= 1.0

    @given(pairs=records, seed=st.integers(min_value=0, max_value=2**32 - 1))
    def test_record_order_does_not_matter(
        self, pairs: list[tuple[bool, float]], seed: int
    ) -> None:
        shuffled = list(pairs)
        np.random.default_rng(seed).shuffle(shuffled)

        original = weighted_proportion_interval(*_split(pairs))
        reordered = weighted_proportion_interval(*_split(shuffled))

        assert reordered.estimate == pytest.approx(original.estimate)
        assert reordered.low == pytest.approx(original.low)
        assert reordered.high == pytest.approx(original.high)

    @given(first=records, second=records)
    def test_merged_sums_equal_the_sums_of_all_records(
        self,
        first: list[tuple[bool, float]],
        second: list[tuple[bool, float]],
    ) -> None:
        merged = WeightedCounts.from_records(*_split(first)) + (
            WeightedCounts.from_records(*_split(second))
        )

        together = weighted_interval(merged)
        direct = weighted_proportion_interval(*_split(first + second))

        assert together.estimate == pytest.approx(direct.estimate)
        assert together.high == pytest.approx(direct.high)


class TestInputs:
    def test_counts_round_trip_through_plain_data(self) -> None:
        counts = WeightedCounts.from_records([1, 0, 1], [1.0, 2.0, 5.0])

        assert WeightedCounts.from_dict(counts.to_dict()) == counts

    def test_no_records_give_the_whole_unit_interval(self) -> None:
        result = weighted_proportion_interval([], [])

        assert (result.low, result.high) == (0.0, 1.0)

    @pytest.mark.parametrize(
        ("flags", "weights"),
        [
            ([1, 0], [1.0]),  # lengths differ
            ([1, 2], [1.0, 1.0]),  # a flag that is not 0/1
            ([1, 0], [1.0, 0.0]),  # a zero weight
            ([1, 0], [1.0, float("nan")]),  # a missing weight
        ],
    )
    def test_malformed_records_are_rejected(
        self, flags: list[int], weights: list[float]
    ) -> None:
        with pytest.raises(EstimatorError):
            weighted_proportion_interval(flags, weights)
