"""WindowCounts: counts per time bucket and category."""

import json
from datetime import UTC, datetime

import pytest

from estimators import Counts, EstimatorError, WindowCounts

HOUR = 3_600


def _window() -> WindowCounts:
    window = WindowCounts(HOUR)
    window.add(0, "harm", 1, 100)
    window.add(HOUR + 5, "harm", 2, 300)
    window.add(HOUR + 10, "spam", 0, 300)
    window.add(2 * HOUR, "harm", 4, 100)
    return window


class TestWindowCounts:
    def test_counts_land_in_their_bucket(self) -> None:
        assert _window().buckets[HOUR] == {
            "harm": Counts(2, 300),
            "spam": Counts(0, 300),
        }

    def test_a_sliding_window_sums_the_buckets_it_covers(self) -> None:
        assert _window().total(HOUR, 3 * HOUR) == {
            "harm": Counts(6, 400),
            "spam": Counts(0, 300),
        }

    def test_tumbling_windows_regroup_buckets(self) -> None:
        windows = _window().tumbling(2 * HOUR)

        assert windows[0]["harm"] == Counts(3, 400)
        assert windows[2 * HOUR]["harm"] == Counts(4, 100)

    def test_adding_two_containers_merges_their_counts(self) -> None:
        merged = _window() + _window()

        assert merged.total(0, 3 * HOUR)["harm"] == Counts(14, 1_000)

    def test_pruning_drops_old_buckets(self) -> None:
        window = _window()

        window.prune(2 * HOUR)

        assert list(window.buckets) == [2 * HOUR]

    def test_aware_datetimes_and_epoch_seconds_agree(self) -> None:
        window = WindowCounts(HOUR)

        window.add(datetime(1970, 1, 1, 1, 30, tzinfo=UTC), "harm", 1, 10)

        assert window.buckets == {HOUR: {"harm": Counts(1, 10)}}

    def test_naive_datetimes_are_rejected(self) -> None:
        with pytest.raises(EstimatorError, match="timezone"):
            WindowCounts(HOUR).add(datetime(2025, 1, 1), "harm", 1, 10)

    def test_round_trips_through_json(self) -> None:
        window = _window()

        text = json.dumps(window.to_dict())

        assert WindowCounts.from_dict(json.loads(text)) == window

    def test_counts_reject_more_events_than_trials(self) -> None:
        with pytest.raises(EstimatorError):
            Counts(5, 4)
