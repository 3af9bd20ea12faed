"""Windows, drift and forecast misses, from the time buckets the worker counts.

At every scrape, per (arm, model, category):

- tumbling window: the last closed bucket's rate and Wilson interval;
- sliding window: the latest `sliding` buckets, the open one included;
- a confidence sequence (Howard, Ramdas, McAuliffe & Sekhon 2021) over every retained
  closed bucket: valid at every look, so dashboards and alerts may watch it.

A bucket closes `lateness_s` after its end. When the newest closed bucket changes,
the live arm's drift detectors are rebuilt from the retained buckets: the first
`baseline` closed buckets give each category's baseline rate, and an
`estimators.ChangeDetector` (up and down CUSUMs, false alarms budgeted across the
categories) runs over the closed buckets after them. A category is drifting up or
down while its detector alarmed within the latest `hold` buckets (a shift that
persists raises fresh alarms: each alarm restarts the statistics). Rebuilding from
the buckets, which live in a faust table, keeps the state across restarts and moves
it with the partitions on a rebalance; the baseline slides as old buckets expire.

With a frozen forecast, its band is pinned on the shadow arm, and a forecast miss is
raised when the live confidence sequence of the forecast's model lies wholly outside
the band (the forecast-miss rule in the README's Forecasts section).

Each worker watches the partitions it holds. With several replicas each watches a
share of the traffic, and an alert from any of them stands, so the false-alarm
budget holds per replica, not for the group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Gauge

from estimators import (
    DEFAULT_WOBBLE,
    DEFAULT_WOBBLE_SHAPE,
    ChangeDetector,
    Forecast,
    WobbleShape,
    arl0_for_budget,
    confidence_sequence_interval,
    proportion_interval,
)
from streamer.graded import LIVE_ARM
from streamer.metrics import Metrics
from streamer.tally import Counts, RateKey, Tally

WINDOWS = ("tumbling", "sliding")
RATE_BOUNDS = ("estimate", "low", "high")
MISS_DIRECTIONS = ("above", "below")
CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class WatchPlan:
    """How buckets become windows and alerts."""

    bucket_seconds: int
    lateness_s: float = 300.0
    sliding: int = 24
    baseline: int = 72
    hold: int = 24
    min_baseline_events: int = 5
    false_alarms_per_30_days: float = 1.0
    wobble: float = DEFAULT_WOBBLE
    wobble_shape: WobbleShape = DEFAULT_WOBBLE_SHAPE

    @property
    def updates_per_day(self) -> int:
        """Closed buckets per day: the detectors' update rate."""
        return max(1, round(86_400 / self.bucket_seconds))


class WatchGauges:
    """The series `Watch` exports, beside `Metrics`' drift and forecast band."""

    def __init__(self, registry: CollectorRegistry) -> None:
        labels = ["arm", "model", "category"]
        self.window_graded = Gauge(
            "depsim_window_graded",
            "Replies graded in the window (tumbling: the last closed bucket; "
            "sliding: the latest buckets), this worker's partitions.",
            [*labels, "window"],
            registry=registry,
        )
        self.window_flagged = Gauge(
            "depsim_window_flagged",
            "Replies flagged in the window, this worker's partitions.",
            [*labels, "window"],
            registry=registry,
        )
        self.window_rate = Gauge(
            "depsim_window_rate",
            "Rate in the window with its 95% Wilson interval "
            "(bound=estimate|low|high).",
            [*labels, "window", "bound"],
            registry=registry,
        )
        self.sequence = Gauge(
            "depsim_rate_sequence",
            "95% confidence sequence of the rate over the retained closed buckets, "
            "valid at every look (bound=low|high).",
            [*labels, "bound"],
            registry=registry,
        )
        self.drift_watching = Gauge(
            "depsim_drift_watching",
            "1 when the category's live drift detector has a baseline to watch from.",
            ["category"],
            registry=registry,
        )
        self.forecast_miss = Gauge(
            "depsim_forecast_miss",
            "1 while the live confidence sequence of the forecast model lies wholly "
            "above or below its pinned band (direction=above|below).",
            ["model", "category", "direction"],
            registry=registry,
        )


@dataclass(frozen=True, slots=True)
class DriftVerdict:
    """One category's drift state after the latest closed bucket."""

    watching: bool
    up: bool = False
    down: bool = False


class Watch:
    """Exports windows and keeps the drift and forecast-miss states current."""

    def __init__(
        self,
        plan: WatchPlan,
        metrics: Metrics,
        gauges: WatchGauges,
        *,
        categories: Iterable[str],
        shadow_arm: str,
        forecast: Forecast | None = None,
    ) -> None:
        self.plan = plan
        self.metrics = metrics
        self.gauges = gauges
        self.categories = tuple(sorted(categories))
        self.forecast = forecast
        self.drift: dict[str, DriftVerdict] = {}
        self._newest_closed: int | None = None
        self._window_keys: dict[str, set[RateKey]] = {}
        self._arl0 = arl0_for_budget(
            max(1, len(self.categories)),
            plan.updates_per_day,
            (plan.false_alarms_per_30_days, 30.0),
        )
        for category in self.categories:
            gauges.drift_watching.labels(category)
            for direction in MISS_DIRECTIONS:
                if forecast is not None:
                    gauges.forecast_miss.labels(forecast.model, category, direction)
        if forecast is not None:
            for band in forecast.categories:
                metrics.set_forecast_band(
                    shadow_arm, forecast.model, band.category, band.low, band.high
                )

    def refresh(self, buckets: Mapping[int, Tally], now: float) -> None:
        """Export the windows of `buckets` as of `now`; rebuild alerts on a close."""
        ordered = sorted(buckets)
        closed = [start for start in ordered if self._closed(start, now)]
        latest = ordered[-self.plan.sliding :]
        self._export_window("sliding", [buckets[start] for start in latest])
        self._export_window("tumbling", [buckets[closed[-1]]] if closed else [])
        self._export_sequences([buckets[start] for start in closed])

        if closed and closed[-1] != self._newest_closed:
            self._newest_closed = closed[-1]
            self._rebuild_drift([buckets[start] for start in closed])

    def _closed(self, start: int, now: float) -> bool:
        return start + self.plan.bucket_seconds + self.plan.lateness_s <= now

    def _export_window(self, window: str, tallies: list[Tally]) -> None:
        total = Tally.combined(tallies)
        exported: set[RateKey] = set()
        for (arm, model, category), counts in total.counts.items():
            key = (arm, self.metrics.model_label(model), category)
            exported.add(key)
            self.gauges.window_graded.labels(*key, window).set(counts.graded)
            self.gauges.window_flagged.labels(*key, window).set(counts.flagged)
            interval = proportion_interval(counts.flagged, counts.graded, CONFIDENCE)
            values = (interval.estimate, interval.low, interval.high)
            for bound, value in zip(RATE_BOUNDS, values, strict=True):
                self.gauges.window_rate.labels(*key, window, bound).set(value)

        # Keys whose buckets left the window drop to zero counts.
        for key in self._window_keys.get(window, set()) - exported:
            self.gauges.window_graded.labels(*key, window).set(0)
            self.gauges.window_flagged.labels(*key, window).set(0)
        self._window_keys[window] = exported | self._window_keys.get(window, set())

    def _export_sequences(self, closed: list[Tally]) -> None:
        total = Tally.combined(closed)
        for (arm, model, category), counts in total.counts.items():
            if counts.graded == 0:
                continue
            low, high = confidence_sequence_interval(
                counts.flagged, counts.graded, CONFIDENCE
            )
            label = self.metrics.model_label(model)
            self.gauges.sequence.labels(arm, label, category, "low").set(low)
            self.gauges.sequence.labels(arm, label, category, "high").set(high)
        if self.forecast is not None:
            self._export_forecast_miss(total)

    def _export_forecast_miss(self, closed: Tally) -> None:
        assert self.forecast is not None
        model = self.forecast.model
        for band in self.forecast.categories:
            counts = closed.counts.get((LIVE_ARM, model, band.category), Counts())
            above = below = False
            if counts.graded:
                low, high = confidence_sequence_interval(
                    counts.flagged, counts.graded, CONFIDENCE
                )
                above, below = low > band.high, high < band.low
            label = self.metrics.model_label(model)
            miss = self.gauges.forecast_miss
            miss.labels(label, band.category, "above").set(int(above))
            miss.labels(label, band.category, "below").set(int(below))

    def _rebuild_drift(self, closed: list[Tally]) -> None:
        series = [live_counts(bucket) for bucket in closed]
        for category in self.categories:
            counts = [per_category.get(category, Counts()) for per_category in series]
            verdict = self.drift_of(counts)
            self.drift[category] = verdict
            self.gauges.drift_watching.labels(category).set(int(verdict.watching))
            self.metrics.set_drift_state(category, "up", verdict.up)
            self.metrics.set_drift_state(category, "down", verdict.down)

    def drift_of(self, buckets: list[Counts]) -> DriftVerdict:
        """Drift of one category's live rate over its closed buckets, oldest first."""
        baseline, watched = buckets[: self.plan.baseline], buckets[self.plan.baseline :]
        reference = Counts()
        for counts in baseline:
            reference.add(counts)
        if (
            len(baseline) < self.plan.baseline
            or reference.flagged < self.plan.min_baseline_events
            or reference.flagged >= reference.graded
        ):
            return DriftVerdict(watching=False)

        detector = ChangeDetector(
            reference.flagged / reference.graded,
            self._arl0,
            wobble=self.plan.wobble,
            wobble_shape=self.plan.wobble_shape,
            updates_per_day=self.plan.updates_per_day,
        )
        recent = len(watched) - self.plan.hold
        up = down = False
        for index, counts in enumerate(watched):
            if not detector.update(counts.flagged, counts.graded):
                continue
            if index >= recent:
                up = up or detector.direction == "up"
                down = down or detector.direction == "down"
            detector.reset()

        return DriftVerdict(watching=True, up=up, down=down)


def live_counts(bucket: Tally) -> dict[str, Counts]:
    """The live arm's counts per category in one bucket, summed over models."""
    per_category: dict[str, Counts] = {}
    for (arm, _model, category), counts in bucket.counts.items():
        if arm == LIVE_ARM:
            per_category.setdefault(category, Counts()).add(counts)
    return per_category
