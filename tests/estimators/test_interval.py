"""proportion_interval: one rate from k events in n trials."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from estimators import EstimatorError, proportion_interval

METHODS = ["wilson", "jeffreys", "clopper-pearson"]


@st.composite
def counts(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(min_value=1, max_value=10**7))
    k = draw(st.integers(min_value=0, max_value=min(n, 10**4)))
    return k, n


class TestKnownValues:
    def test_wilson_for_0_of_10_matches_the_textbook(self) -> None:
        """Wilson 95% for 0/10 is [0, 0.2775] (Brown, Cai & DasGupta 2001)."""
        interval = proportion_interval(0, 10)

        assert interval.low == 0.0
        assert interval.high == pytest.approx(0.27753, abs=1e-5)

    def test_wilson_for_3_of_1000_matches_a_hand_computation(self) -> None:
        """Wilson: (k + z^2/2 +- z sqrt(k(n-k)/n + z^2/4)) / (n + z^2)."""
        z = 1.959963984540054
        centre, spread = 3 + z * z / 2, z * math.sqrt(3 * 997 / 1000 + z * z / 4)

        interval = proportion_interval(3, 1000)

        assert interval.low == pytest.approx((centre - spread) / (1000 + z * z))
        assert interval.high == pytest.approx((centre + spread) / (1000 + z * z))

    def test_clopper_pearson_for_1_of_100_matches_the_beta_quantiles(self) -> None:
        """Exact limits: Beta(1, 100) at 2.5% and Beta(2, 99) at 97.5%."""
        interval = proportion_interval(1, 100, method="clopper-pearson")

        assert interval.low == pytest.approx(0.000253146, rel=1e-5)
        assert interval.high == pytest.approx(0.0544594, rel=1e-5)

    def test_estimate_is_the_plain_share(self) -> None:
        """The estimate is k / n, not the Wilson centre."""
        assert proportion_interval(7, 1000).estimate == 0.007


class TestEdgeCases:
    def test_zero_events_give_a_positive_upper_bound_and_below_floor(self) -> None:
        interval = proportion_interval(0, 100_000)

        assert interval.high > 0.0
        assert interval.upper == pytest.approx(3.0 / 100_000, rel=0.01)
        assert interval.below_floor

    def test_no_trials_give_the_whole_unit_interval(self) -> None:
        interval = proportion_interval(0, 0)

        assert (interval.low, interval.high, interval.upper) == (0.0, 1.0, 1.0)
        assert interval.below_floor

    def test_three_events_in_a_large_window_are_at_the_floor(self) -> None:
        """Three events reach the ~2.996-event floor at 95%; two do not."""
        assert not proportion_interval(3, 10**6).below_floor
        assert proportion_interval(2, 10**6).below_floor

    @pytest.mark.parametrize(
        ("events", "trials"),
        [
            (-1, 10),  # negative count
            (11, 10),  # more events than trials
            (1.5, 10),  # not a count
            (True, 10),  # a bool is not a count
        ],
    )
    def test_impossible_counts_are_rejected(self, events: object, trials: int) -> None:
        with pytest.raises(EstimatorError):
            proportion_interval(events, trials)  # type: ignore[arg-type]

    @pytest.mark.parametrize("confidence", [0.0, 1.0, 1.5, -0.1])
    def test_confidence_outside_0_1_is_rejected(self, confidence: float) -> None:
        with pytest.raises(EstimatorError):
            proportion_interval(1, 10, confidence)

    def test_an_unknown_method_is_rejected(self) -> None:
        with pytest.raises(EstimatorError, match="method"):
            proportion_interval(1, 10, method="wald")  # type: ignore[arg-type]


class TestProperties:
    @pytest.mark.parametrize("method", METHODS)
    @given(kn=counts())
    def test_bounds_lie_in_0_1_around_the_estimate(
        self, method: str, kn: tuple[int, int]
    ) -> None:
        interval = proportion_interval(*kn, method=method)  # type: ignore[arg-type]

        assert 0.0 <= interval.low <= interval.estimate <= interval.high <= 1.0
        assert 0.0 < interval.upper <= 1.0

    @pytest.mark.parametrize("method", METHODS)
    @given(kn=counts())
    def test_bounds_do_not_decrease_when_k_grows(
        self, method: str, kn: tuple[int, int]
    ) -> None:
        k, n = kn
        more = min(k + 1, n)

        fewer_events = proportion_interval(k, n, method=method)  # type: ignore[arg-type]
        more_events = proportion_interval(more, n, method=method)  # type: ignore[arg-type]

        assert more_events.low >= fewer_events.low
        assert more_events.high >= fewer_events.high
        assert more_events.upper >= fewer_events.upper

    @given(kn=counts())
    def test_a_higher_confidence_gives_a_wider_interval(
        self, kn: tuple[int, int]
    ) -> None:
        narrow = proportion_interval(*kn, confidence=0.9)

        wide = proportion_interval(*kn, confidence=0.99)

        assert wide.low <= narrow.low
        assert wide.high >= narrow.high

    def test_the_result_serialises_to_plain_data(self) -> None:
        data = proportion_interval(4, 1000).to_dict()

        assert data["events"] == 4
        assert data["method"] == "wilson"
