"""Windows, drift and forecast misses over closed time buckets."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from prometheus_client import CollectorRegistry

from estimators import Forecast, proportion_interval
from streamer.graded import LIVE_ARM
from streamer.metrics import Metrics
from streamer.tally import Counts, Tally
from streamer.watch import Watch, WatchGauges, WatchPlan
from tests.forecasts import one_band_forecast

HOUR = 3600
SHADOW = "shadow:cand"
PLAN = WatchPlan(bucket_seconds=HOUR, lateness_s=60, sliding=3, baseline=48)


def bucket(
    flagged: int, graded: int, arm: str = LIVE_ARM, model: str = "prod"
) -> Tally:
    tally = Tally()
    tally.counts[(arm, model, "refusal")] = Counts(graded, flagged, float(graded))
    return tally


def watch(
    forecast: Forecast | None = None, plan: WatchPlan = PLAN
) -> tuple[Watch, CollectorRegistry]:
    registry = CollectorRegistry()
    metrics = Metrics(registry)
    metrics.initialise([(SHADOW, "cand")], ["refusal"])
    made = Watch(
        plan,
        metrics,
        WatchGauges(registry),
        categories=["refusal"],
        shadow_arm=SHADOW,
        forecast=forecast,
    )
    return made, registry


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def hours(counts: list[tuple[int, int]]) -> dict[int, Tally]:
    return {hour * HOUR: bucket(k, n) for hour, (k, n) in enumerate(counts)}


def test_the_tumbling_window_is_the_last_closed_bucket() -> None:
    watcher, registry = watch()

    watcher.refresh(hours([(1, 100), (2, 100), (5, 100)]), now=2 * HOUR + 61)

    series = {"arm": LIVE_ARM, "model": "prod", "category": "refusal"}
    assert value(registry, "depsim_window_flagged", **series, window="tumbling") == 2


def test_a_bucket_stays_open_until_its_lateness_has_passed() -> None:
    watcher, registry = watch()

    watcher.refresh(hours([(1, 100), (2, 100)]), now=2 * HOUR + 59)

    series = {"arm": LIVE_ARM, "model": "prod", "category": "refusal"}
    assert value(registry, "depsim_window_flagged", **series, window="tumbling") == 1


def test_the_sliding_window_sums_the_latest_buckets_open_one_included() -> None:
    watcher, registry = watch()

    watcher.refresh(hours([(1, 10), (2, 10), (3, 10), (4, 10)]), now=3 * HOUR)

    series = {"arm": LIVE_ARM, "model": "prod", "category": "refusal"}
    assert value(registry, "depsim_window_flagged", **series, window="sliding") == 9
    assert value(registry, "depsim_window_graded", **series, window="sliding") == 30


def test_a_window_rate_carries_its_wilson_interval() -> None:
    watcher, registry = watch()

    watcher.refresh(hours([(3, 1000)]), now=HOUR + 61)

    series = {"arm": LIVE_ARM, "model": "prod", "category": "refusal"}
    wilson = proportion_interval(3, 1000)
    low = value(
        registry, "depsim_window_rate", **series, window="tumbling", bound="low"
    )
    assert low == pytest.approx(wilson.low)


def test_the_confidence_sequence_is_wider_than_one_look_s_interval() -> None:
    watcher, registry = watch()

    watcher.refresh(hours([(10, 1000)] * 5), now=5 * HOUR + 61)

    series = {"arm": LIVE_ARM, "model": "prod", "category": "refusal"}
    low = value(registry, "depsim_rate_sequence", **series, bound="low")
    high = value(registry, "depsim_rate_sequence", **series, bound="high")
    wilson = proportion_interval(50, 5000)
    assert low is not None
    assert high is not None
    assert low < wilson.low < wilson.high < high


def steady_then(rate_after: float, seed: int = 1) -> dict[int, Tally]:
    rng = np.random.default_rng(seed)
    trials = 1000
    rates = [0.002] * PLAN.baseline + [rate_after] * 48
    return hours([(int(rng.binomial(trials, rate)), trials) for rate in rates])


def drift(registry: CollectorRegistry, direction: str) -> float | None:
    return value(
        registry, "depsim_drift_state", category="refusal", direction=direction
    )


def test_a_doubled_live_rate_after_the_baseline_is_drift_up() -> None:
    watcher, registry = watch()
    buckets = steady_then(0.004)

    watcher.refresh(buckets, now=max(buckets) + HOUR + 61)

    assert drift(registry, "up") == 1
    assert drift(registry, "down") == 0


def test_a_halved_live_rate_after_the_baseline_is_drift_down() -> None:
    watcher, registry = watch()
    buckets = steady_then(0.0005)

    watcher.refresh(buckets, now=max(buckets) + HOUR + 61)

    assert drift(registry, "down") == 1


def test_a_steady_live_rate_raises_no_drift() -> None:
    watcher, registry = watch()
    buckets = steady_then(0.002, seed=3)

    watcher.refresh(buckets, now=max(buckets) + HOUR + 61)

    assert value(registry, "depsim_drift_watching", category="refusal") == 1
    assert drift(registry, "up") == drift(registry, "down") == 0


def test_a_plan_for_a_steady_rate_catches_a_rise_the_default_still_weighs() -> None:
    """Thresholds that allow no day-to-day wobble alarm on less evidence.

    Exactly 2 then 4 flags an hour: the up statistic gains 4 ln 1.7 - 1.4 = 0.72
    an hour, past the steady threshold (5.6) in 8 hours, the default's (10.2) in 15.
    """
    buckets = hours([(2, 1000)] * PLAN.baseline + [(4, 1000)] * 11)
    now = max(buckets) + HOUR + 61
    default, default_registry = watch(plan=replace(PLAN, hold=11))
    steady, steady_registry = watch(plan=replace(PLAN, hold=11, wobble=0.0))

    default.refresh(buckets, now)
    steady.refresh(buckets, now)

    assert drift(steady_registry, "up") == 1
    assert drift(default_registry, "up") == 0


def test_without_baseline_events_a_category_is_not_watched() -> None:
    watcher, registry = watch()
    buckets = hours([(0, 1000)] * (PLAN.baseline + 10) + [(30, 1000)])

    watcher.refresh(buckets, now=max(buckets) + HOUR + 61)

    assert value(registry, "depsim_drift_watching", category="refusal") == 0
    assert drift(registry, "up") == 0


def forecast(low: float, high: float) -> Forecast:
    return one_band_forecast("prod", low, high)


def test_a_forecast_band_is_pinned_on_the_shadow_arm() -> None:
    _, registry = watch(forecast(0.01, 0.02))

    series = {"arm": SHADOW, "model": "prod", "category": "refusal"}
    assert value(registry, "depsim_forecast_band", **series, bound="high") == 0.02


def test_live_wholly_above_the_band_is_a_forecast_miss_above() -> None:
    watcher, registry = watch(forecast(0.01, 0.02))

    watcher.refresh(hours([(40, 1000)] * 6), now=6 * HOUR + 61)

    miss = {"model": "prod", "category": "refusal"}
    assert value(registry, "depsim_forecast_miss", **miss, direction="above") == 1
    assert value(registry, "depsim_forecast_miss", **miss, direction="below") == 0


def test_live_overlapping_the_band_is_no_forecast_miss() -> None:
    watcher, registry = watch(forecast(0.01, 0.02))

    watcher.refresh(hours([(22, 1000)] * 6), now=6 * HOUR + 61)

    miss = {"model": "prod", "category": "refusal"}
    assert value(registry, "depsim_forecast_miss", **miss, direction="above") == 0
