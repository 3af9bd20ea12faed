"""upper_bound, detection_floor and publish_rate: what may be claimed at rare rates."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from estimators import detection_floor, floor_events, publish_rate, upper_bound


class TestUpperBound:
    @pytest.mark.parametrize(
        ("trials", "confidence", "expected"),
        [
            (1_000, 0.95, 2.9913e-3),  # 1 - 0.05^(1/n), about 3/n
            (100_000, 0.95, 2.9957e-5),  # about -ln(0.05) / n for large n
            (1_000, 0.99, 4.5947e-3),  # about 4.6/n at 99%
        ],
    )
    def test_zero_events_give_the_rule_of_three(
        self, trials: int, confidence: float, expected: float
    ) -> None:
        assert upper_bound(0, trials, confidence) == pytest.approx(expected, rel=1e-4)

    def test_no_trials_give_one(self) -> None:
        assert upper_bound(0, 0) == 1.0

    def test_all_events_give_one(self) -> None:
        assert upper_bound(10, 10) == 1.0

    def test_one_event_in_100_matches_the_beta_quantile(self) -> None:
        """One-sided 95% Clopper-Pearson for 1/100 is 0.04656."""
        assert upper_bound(1, 100) == pytest.approx(0.046560, rel=1e-4)

    @given(
        n=st.integers(min_value=1, max_value=10**8),
        k=st.integers(min_value=0, max_value=500),
    )
    def test_is_positive_and_grows_with_k(self, n: int, k: int) -> None:
        k = min(k, n)

        bound = upper_bound(k, n)

        assert bound > 0.0
        assert bound >= k / n
        assert upper_bound(min(k + 1, n), n) >= bound


class TestDetectionFloor:
    @given(n=st.integers(min_value=100, max_value=10**9))
    def test_is_about_three_over_n_at_95(self, n: int) -> None:
        assert detection_floor(n) * n == pytest.approx(2.9957, rel=0.02)

    def test_equals_the_upper_bound_at_zero_events(self) -> None:
        assert detection_floor(12_345) == upper_bound(0, 12_345)

    def test_needs_about_three_events_per_window(self) -> None:
        assert floor_events(10**6) == pytest.approx(2.9957, rel=1e-3)

    def test_is_one_for_an_empty_window(self) -> None:
        assert detection_floor(0) == 1.0


class TestPublishRate:
    def test_below_the_floor_only_the_upper_bound_is_published(self) -> None:
        published = publish_rate(1, 100_000)

        assert published.below_floor
        assert published.estimate is None
        assert published.low is None
        assert published.upper > 0.0
        assert "below measurable floor" in published.describe()

    def test_above_the_floor_the_interval_is_published_with_its_floor(self) -> None:
        published = publish_rate(40, 100_000)

        assert published.estimate == pytest.approx(4e-4)
        assert published.low is not None
        assert published.floor == detection_floor(100_000)
        assert "floor" in published.describe()

    def test_describes_rates_per_100k_messages(self) -> None:
        assert publish_rate(40, 100_000).describe().startswith("40 per 100,000")

    def test_a_zero_count_is_never_shown_as_a_bare_zero(self) -> None:
        text = publish_rate(0, 50_000).describe()

        assert text.startswith("< ")
