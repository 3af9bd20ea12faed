"""The accuracy benchmark's frontier between the false-alarm and delay bars."""

from __future__ import annotations

import math

from bench.estimators_accuracy import frontier_margin, g7_floor, g8_ceiling

ARL0 = 14_400.0
RISE = math.log(1.7)


def test_sparse_traffic_leaves_room_for_both_bars() -> None:
    margin, _ = frontier_margin(0.1, ARL0, 0.2, "normal")

    assert margin > 1.0


def test_busy_traffic_under_a_normal_wobble_leaves_none() -> None:
    margin, _ = frontier_margin(3.0, ARL0, 0.2, "normal")

    assert margin < 1.0


def test_a_wobble_raises_the_threshold_the_budget_needs() -> None:
    steady = g7_floor(RISE, 1.0, 2 * ARL0, 0.0, "normal")

    wobbly = g7_floor(RISE, 1.0, 2 * ARL0, 0.2, "uniform")

    assert wobbly > steady


def test_the_delay_ceiling_falls_as_traffic_per_update_grows() -> None:
    """Bigger updates overshoot the threshold by more baseline events."""
    assert g8_ceiling(RISE, 2.0) < g8_ceiling(RISE, 0.1)


def test_the_detectors_false_alarm_margin_narrows_the_frontier() -> None:
    """Thresholds held to 1.5 x ARL0 leave less room for the delay bars."""
    bare, _ = frontier_margin(0.35, ARL0, 0.2, "uniform")

    held, _ = frontier_margin(0.35, ARL0, 0.2, "uniform", safety=1.5)

    assert held < bare


def test_busy_traffic_leaves_no_room_even_on_a_steady_rate() -> None:
    """G8 counts baseline events, the false-alarm budget counts updates."""
    quiet, _ = frontier_margin(0.5, ARL0, 0.0, "normal")

    busy, _ = frontier_margin(5.0, ARL0, 0.0, "normal")

    assert quiet > 1.0 > busy
