"""ConfidenceSequence: an interval for a rate valid at every look."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from estimators import ConfidenceSequence, confidence_sequence_interval
from estimators import proportion_interval as wilson
from estimators._sequence import sequence_bounds

batches = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=30),
        st.integers(min_value=30, max_value=50_000),
    ),
    min_size=1,
    max_size=40,
)


class TestInterval:
    def test_contains_the_running_share(self) -> None:
        low, high = confidence_sequence_interval(100, 10**6)

        assert low < 100 / 10**6 < high

    @pytest.mark.parametrize("events", [10, 100, 1_000, 10_000])
    def test_is_1_5_to_2_times_wider_than_wilson(self, events: int) -> None:
        low, high = confidence_sequence_interval(events, 10**8)
        once = wilson(events, 10**8)

        ratio = (high - low) / (once.high - once.low)

        assert 1.5 <= ratio <= 2.0

    def test_zero_events_give_low_zero_and_a_finite_high(self) -> None:
        low, high = confidence_sequence_interval(0, 10**6)

        assert low == 0.0
        assert 0.0 < high < 1e-5

    def test_no_trials_give_the_whole_unit_interval(self) -> None:
        assert confidence_sequence_interval(0, 0) == (0.0, 1.0)

    @given(
        events=st.integers(min_value=0, max_value=10**6),
        extra=st.integers(min_value=1, max_value=10**9),
    )
    def test_the_vectorised_kernel_agrees_with_the_scalar_path(
        self, events: int, extra: int
    ) -> None:
        trials = events + extra

        low, high = sequence_bounds([events], [trials])

        assert confidence_sequence_interval(events, trials) == pytest.approx(
            (low[0], high[0]), rel=1e-9, abs=1e-300
        )


class TestSequence:
    @given(updates=batches)
    def test_intervals_are_nested_unless_the_rate_evidently_moved(
        self, updates: list[tuple[int, int]]
    ) -> None:
        """Each look lies inside the last, or restarts when they cannot overlap."""
        sequence = ConfidenceSequence()
        previous, events, trials = sequence.interval(), 0, 0

        for new_events, new_trials in updates:
            events, trials = events + new_events, trials + new_trials
            low, high = sequence.update(new_events, new_trials)
            fresh = confidence_sequence_interval(events, trials)
            nested = previous[0] <= low <= high <= previous[1]
            disjoint = fresh[0] > previous[1] or fresh[1] < previous[0]
            assert 0.0 <= low <= high <= 1.0
            assert nested or (disjoint and (low, high) == fresh)
            previous = (low, high)

    def test_without_intersection_it_follows_the_cumulative_counts(self) -> None:
        sequence = ConfidenceSequence(intersect=False)

        sequence.update(5, 10_000)
        sequence.update(7, 20_000)

        assert sequence.interval() == confidence_sequence_interval(12, 30_000)

    def test_a_moved_rate_restarts_the_intersection(self) -> None:
        """A jump that empties the intersection yields the newest interval."""
        sequence = ConfidenceSequence()
        sequence.update(0, 10**7)

        low, high = sequence.update(10**5, 10**5)

        assert (low, high) == confidence_sequence_interval(10**5, 10**7 + 10**5)

    def test_reset_forgets_the_counts(self) -> None:
        sequence = ConfidenceSequence()
        sequence.update(10, 1_000)

        sequence.reset()

        assert sequence.interval() == (0.0, 1.0)
        assert (sequence.events, sequence.trials) == (0, 0)
