"""Prometheus metrics: pipeline health and per-(arm, model, category) rates.

Labels are bounded: arms and models come from settings and a capped set of source
models, categories from the taxonomy, reasons from `Reason`. Record ids and content
never become labels. The registry is injected so tests read their own.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from streamer.graded import DeadLetter, GradedRecord
from streamer.reasons import Reason
from streamer.tally import RateRow

MAX_MODEL_LABELS = 16
OTHER_MODEL = "other"


class Metrics:
    """Every series the worker exports."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._models: set[str] = set()

        self.consumed = Counter(
            "depsim_records_consumed",
            "Traffic records taken from the traffic topic.",
            registry=registry,
        )
        self.finished = Counter(
            "depsim_records_finished",
            "Traffic records fully handled: graded in every arm or dead-lettered.",
            registry=registry,
        )
        self.rejected = Counter(
            "depsim_records_rejected",
            "Traffic records sent to the dead-letter topic, by reason code.",
            ["reason"],
            registry=registry,
        )
        self.replies = Counter(
            "depsim_replies",
            "Replies published to the graded topic, by arm, model and outcome.",
            ["arm", "model", "outcome"],
            registry=registry,
        )
        self.graded = Counter(
            "depsim_graded",
            "Replies graded for a category (the denominator of its rate).",
            ["arm", "model", "category"],
            registry=registry,
        )
        self.flagged = Counter(
            "depsim_flagged",
            "Replies flagged for a category (the numerator of its rate).",
            ["arm", "model", "category"],
            registry=registry,
        )
        self.rate = Gauge(
            "depsim_rate",
            "Flagged share of graded replies per category, with its 95% Wilson "
            "interval (bound=estimate|low|high) and one-sided upper bound (upper).",
            ["arm", "model", "category", "bound"],
            registry=registry,
        )
        self.below_floor = Gauge(
            "depsim_rate_below_floor",
            "1 when fewer than about 3 flags are expected: publish only the upper "
            "bound.",
            ["arm", "model", "category"],
            registry=registry,
        )
        self.generation_seconds = Histogram(
            "depsim_generation_duration_seconds",
            "Wall-clock time of a candidate call, client side.",
            ["model"],
            buckets=(0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120),
            registry=registry,
        )
        self.tokens = Counter(
            "depsim_tokens",
            "Tokens used by candidate calls, by kind (prompt or completion).",
            ["model", "kind"],
            registry=registry,
        )
        self.in_flight = Gauge(
            "depsim_records_in_flight",
            "Traffic records being processed by this worker.",
            registry=registry,
        )

    def initialise(
        self, arms_models: Iterable[tuple[str, str]], categories: Iterable[str]
    ) -> None:
        """Create every expected series at 0, so the first event can alert."""
        for reason in Reason:
            self.rejected.labels(reason.value)
        for arm, model in arms_models:
            label = self.model_label(model)
            for outcome in ("graded", "not_evaluable"):
                self.replies.labels(arm, label, outcome)
            for category in categories:
                self.graded.labels(arm, label, category)
                self.flagged.labels(arm, label, category)

    def model_label(self, model: str) -> str:
        """The model as a label, capped so producers cannot grow the label set."""
        if model in self._models:
            return model
        if len(self._models) >= MAX_MODEL_LABELS:
            return OTHER_MODEL
        self._models.add(model)
        return model

    def observe_graded(self, graded: GradedRecord, counted: bool) -> None:
        """Count a published graded reply; its rates only if the tally counted it."""
        model = self.model_label(graded.model)
        self.replies.labels(graded.arm, model, graded.outcome).inc()
        if graded.latency_s is not None:
            self.generation_seconds.labels(model).observe(graded.latency_s)
        for kind in ("prompt_tokens", "completion_tokens"):
            if kind in graded.usage:
                self.tokens.labels(model, kind.split("_")[0]).inc(graded.usage[kind])
        if not counted:
            return
        for category, flagged in graded.flags.items():
            self.graded.labels(graded.arm, model, category).inc()
            if flagged:
                self.flagged.labels(graded.arm, model, category).inc()

    def observe_dead_letter(self, dead: DeadLetter) -> None:
        """Count a rejected record by its reason."""
        self.rejected.labels(dead.reason).inc()

    def publish_rate(self, row: RateRow) -> None:
        """Export one rate with its interval and bound."""
        model = self.model_label(row.model)
        bounds = {
            "estimate": row.estimate,
            "low": row.low,
            "high": row.high,
            "upper": row.upper,
        }
        for bound, value in bounds.items():
            self.rate.labels(row.arm, model, row.category, bound).set(value)
        self.below_floor.labels(row.arm, model, row.category).set(int(row.below_floor))
