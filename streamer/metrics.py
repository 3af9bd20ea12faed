"""Prometheus metrics: pipeline health and per-(arm, model, category) rates.

Labels are bounded: arms and models come from settings and a capped set of source
models, categories from the taxonomy, reasons from `Reason`, roles, error kinds,
statuses and directions from the fixed tuples below, graders from the panel. Record
ids and content never become labels. The registry is injected so tests read their
own.

Every gauge and counter here is this worker's own. With several workers in a consumer
group, whole-stream figures come from summing the counters across pods in Prometheus
(the recording rules in `deploy/prometheus/`), never from the per-pod `depsim_rate`.
Metrics whose producer lives elsewhere (forecast band, drift, quota, budget, grader
timings) have a setter here and start at 0, so rules and dashboards find their series.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
)

from graders import Status
from streamer.graded import LIVE_ARM, DeadLetter, GradedRecord
from streamer.reasons import Reason
from streamer.tally import Counts, PairCounts, RateKey, RateRow

# The client's `_created` series double every counter and histogram on the page, and
# Prometheus does not use them: depsim's processes never export them.
disable_created_metrics()  # type: ignore[no-untyped-call]  # the client's hints miss it

MAX_MODEL_LABELS = 16
OTHER_MODEL = "other"

# Who made a model call: the candidate regenerating a reply, an LLM judge grading
# one, or the tool simulator answering an agent's tool call.
ROLES = ("candidate", "judge", "simulator")

# Why a model or grader call failed. The first eight are `GenerationError.reason`s;
# anything not listed is counted as `other`, so the label set stays fixed.
ERROR_KINDS = (
    "endpoint_unavailable",
    "endpoint_rejected",
    "rate_limited",
    "incomplete_reply",
    "generation_failed",
    "quota_exhausted",
    "generation_timeout",
    "circuit_open",
    "empty_reply",
    "timeout",
    "invalid_output",
    "other",
)
OTHER_ERROR = "other"

DRIFT_DIRECTIONS = ("up", "down")
BAND_BOUNDS = ("low", "high")

# The realism checks on sampled agent records (`streamer.agentic.realism_sampler`):
# what the discriminator took for the recording, what the awareness probe took a
# context for (`none`: a counted non-result, such as a failed or unreadable judge
# call), the sets probed, and why a sampled record yielded no pair to judge.
REALISM_VERDICTS = ("recorded", "simulated", "none")
AWARENESS_VERDICTS = ("eval_like", "real_use", "none")
AWARENESS_SETS = ("recorded_trajectory", "simulated_trajectory", "xstest")
UNPAIRED_REASONS = (
    "no_tool_results",
    "tool_unsimulated",
    "tool_simulator_failed",
    "timeout",
)
RATE_BOUNDS = ("estimate", "low", "high")
RateBounds = tuple[float, float, float]
"""A share with its interval: estimate, low, high."""

# The detection floor is the one-sided upper bound with zero flags among n graded
# replies, 1 - (1 - c)^(1/n) (about 3/n at c = 0.95): a rate below it cannot be told
# from zero with this sample.
FLOOR_CONFIDENCE = 0.95

LATENCY_BUCKETS = (0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120)
GRADER_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60)


def error_kind(reason: str | None) -> str:
    """A failure reason as a bounded `kind` label."""
    if reason in ERROR_KINDS:
        return reason
    if reason in ("TimeoutError", "deadline_exceeded"):
        return "timeout"
    return OTHER_ERROR


def detection_floor(graded: int) -> float:
    """The smallest rate `graded` replies can tell from zero; 1 before any."""
    if graded <= 0:
        return 1.0
    return float(1.0 - (1.0 - FLOOR_CONFIDENCE) ** (1.0 / graded))


class Metrics:
    """Every series the worker exports."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._models: set[str] = set()
        self._arm_models: set[tuple[str, str]] = set()
        self._categories: tuple[str, ...] = ()
        ProcessCollector(registry=registry)
        self._define_records(registry)
        self._define_rates(registry)
        self._define_calls(registry)
        self._define_spend(registry)
        self._define_consumer(registry)
        self._define_realism(registry)
        self._rate_families = (
            self.graded,
            self.flagged,
            self.estimate_graded,
            self.estimate_flagged,
            self.estimate_weight,
            self.estimate_flagged_weight,
        )

    def _define_records(self, registry: CollectorRegistry) -> None:
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
        self.in_flight = Gauge(
            "depsim_records_in_flight",
            "Traffic records being processed by this worker.",
            registry=registry,
        )
        self.reread = Counter(
            "depsim_partition_rereads",
            "Times a traffic partition was read again from a record that never "
            "reached the agents.",
            registry=registry,
        )
        self.given_up = Counter(
            "depsim_offsets_given_up",
            "Traffic offsets a partition's ledger stopped waiting for, with 20,000 "
            "counted above them: never graded.",
            registry=registry,
        )
        self.redelivered = Counter(
            "depsim_records_redelivered",
            "Traffic records received again after their outcome was counted, and "
            "skipped.",
            registry=registry,
        )
        self.estimate_records = Gauge(
            "depsim_estimate_records",
            "Traffic records counted in the ledgers of the partitions this worker "
            "owns; summed over workers: the whole stream.",
            registry=registry,
        )
        self.replies = Counter(
            "depsim_replies",
            "Replies published to the graded topic, by arm, model and outcome.",
            ["arm", "model", "outcome"],
            registry=registry,
        )

    def _define_rates(self, registry: CollectorRegistry) -> None:
        labels = ["arm", "model", "category"]
        self.graded = Counter(
            "depsim_graded",
            "Replies graded for a category (the denominator of its rate).",
            labels,
            registry=registry,
        )
        self.flagged = Counter(
            "depsim_flagged",
            "Replies flagged for a category (the numerator of its rate).",
            labels,
            registry=registry,
        )
        self.estimate_graded = Gauge(
            "depsim_estimate_graded_replies",
            "Replies graded for a category in the ledgers of the partitions this "
            "worker owns, counted once each; summed over workers: the whole stream.",
            labels,
            registry=registry,
        )
        self.estimate_flagged = Gauge(
            "depsim_estimate_flagged_replies",
            "Replies flagged for a category in the ledgers of the partitions this "
            "worker owns; summed over workers: the whole stream.",
            labels,
            registry=registry,
        )
        self.estimate_weight = Gauge(
            "depsim_estimate_graded_weight",
            "Sum of the weights (1 / sampling probability) of the graded replies "
            "in the ledgers of the partitions this worker owns.",
            labels,
            registry=registry,
        )
        self.estimate_flagged_weight = Gauge(
            "depsim_estimate_flagged_weight",
            "Sum of the weights of the flagged replies in the ledgers of the "
            "partitions this worker owns.",
            labels,
            registry=registry,
        )
        self.rate = Gauge(
            "depsim_rate",
            "Per pod only: flagged share of this worker's graded replies, with its "
            "95% Wilson interval (bound=estimate|low|high) and one-sided upper "
            "bound (upper). Whole-stream rates: the depsim:rate_* recording rules.",
            [*labels, "bound"],
            registry=registry,
        )
        self.below_floor = Gauge(
            "depsim_rate_below_floor",
            "Per pod only: 1 when fewer than about 3 flags are expected; publish "
            "only the upper bound.",
            labels,
            registry=registry,
        )
        self.floor = Gauge(
            "depsim_rate_floor",
            "Per pod only: the smallest rate this worker's sample can tell from "
            "zero (one-sided 95% upper bound with no flag, about 3/n); 1 before any "
            "reply is graded.",
            labels,
            registry=registry,
        )
        self.rate_ratio = Gauge(
            "depsim_rate_ratio",
            "Shadow rate over live rate on the same prefixes (paired), with its 95% "
            "interval (bound=estimate|low|high), from this worker's partitions.",
            [*labels, "bound"],
            registry=registry,
        )
        self.forecast_band = Gauge(
            "depsim_forecast_band",
            "The pinned forecast of a category's live rate for a model "
            "(bound=low|high); 0 until a forecast is set.",
            [*labels, "bound"],
            registry=registry,
        )
        self.drift = Gauge(
            "depsim_drift_state",
            "1 while this worker's drift detector says the live rate of a category "
            "moved (direction=up|down), else 0.",
            ["category", "direction"],
            registry=registry,
        )

    def _define_calls(self, registry: CollectorRegistry) -> None:
        self.model_requests = Counter(
            "depsim_model_requests",
            "Model calls made, by role (candidate, judge, simulator) and model.",
            ["role", "model"],
            registry=registry,
        )
        self.model_errors = Counter(
            "depsim_model_errors",
            "Model calls that yielded nothing usable, by role, model and kind.",
            ["role", "model", "kind"],
            registry=registry,
        )
        self.model_seconds = Histogram(
            "depsim_model_request_duration_seconds",
            "Wall-clock time of a successful model call, client side, retries "
            "included.",
            ["role", "model"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.model_retries = Counter(
            "depsim_model_retries",
            "Model calls tried again after a retriable error, by role, model and "
            "the kind of error.",
            ["role", "model", "kind"],
            registry=registry,
        )
        self.circuit_open = Gauge(
            "depsim_circuit_open",
            "1 while the circuit breaker of an endpoint is open and its calls are "
            "skipped, else 0.",
            ["role", "model"],
            registry=registry,
        )
        self.circuit_opens = Counter(
            "depsim_circuit_opens",
            "Times the circuit breaker of an endpoint opened.",
            ["role", "model"],
            registry=registry,
        )
        self.grader_results = Counter(
            "depsim_grader_results",
            "Grader results, by grader and status (ok, not_evaluable, grader_error).",
            ["grader", "status"],
            registry=registry,
        )
        self.grader_errors = Counter(
            "depsim_grader_errors",
            "Grader results with status grader_error, by grader and kind.",
            ["grader", "kind"],
            registry=registry,
        )
        self.grader_seconds = Histogram(
            "depsim_grader_duration_seconds",
            "Wall-clock time of one grader on one reply.",
            ["grader"],
            buckets=GRADER_BUCKETS,
            registry=registry,
        )

    def _define_spend(self, registry: CollectorRegistry) -> None:
        self.tokens = Counter(
            "depsim_tokens",
            "Tokens used by model calls, by role, model and kind (prompt or "
            "completion).",
            ["role", "model", "kind"],
            registry=registry,
        )
        self.cost = Counter(
            "depsim_cost_dollars",
            "Spend on model calls in US dollars, by role and model.",
            ["role", "model"],
            registry=registry,
        )
        self.quota_exhausted = Gauge(
            "depsim_quota_exhausted",
            "1 while an endpoint refuses calls because a quota is used up, else 0.",
            ["role", "model"],
            registry=registry,
        )
        self.budget = Gauge(
            "depsim_budget_dollars",
            "The spend limit of the current budget period in US dollars; 0 when "
            "no budget is set.",
            registry=registry,
        )
        self.budget_exhausted = Gauge(
            "depsim_budget_exhausted",
            "1 while the budget is spent and model calls are held back, else 0.",
            registry=registry,
        )
        self.budget_share = Gauge(
            "depsim_budget_sampled_share",
            "Share of records whose shadow reply is generated: 1 within budget, "
            "lower once the hour's budget is spent. Graded shadow weights are "
            "divided by it.",
            registry=registry,
        )
        self.budget_share.set(1.0)
        self.budget_skipped = Counter(
            "depsim_budget_skipped",
            "Records whose shadow generation the budget's sampling skipped.",
            registry=registry,
        )

    def _define_consumer(self, registry: CollectorRegistry) -> None:
        self.consumer_lag = Gauge(
            "depsim_consumer_lag_records",
            "Traffic records not yet committed in the partitions assigned to this "
            "worker (log end offset minus committed offset, summed).",
            registry=registry,
        )
        self.assigned_partitions = Gauge(
            "depsim_assigned_partitions",
            "Traffic topic partitions assigned to this worker.",
            registry=registry,
        )
        self.last_commit = Gauge(
            "depsim_last_commit_timestamp_seconds",
            "Unix time this worker last advanced a committed traffic offset, or "
            "its start time before the first commit.",
            registry=registry,
        )
        self.last_commit.set_to_current_time()

    def _define_realism(self, registry: CollectorRegistry) -> None:
        self.realism_pairs = Counter(
            "depsim_realism_pairs",
            "Recorded and re-simulated continuations of sampled agent records put "
            "to the realism discriminator, by judge and verdict: recorded (it found "
            "the recording), simulated (the simulation won), none (no usable "
            "answer). A simulated share of 0.5 of the answered is chance.",
            ["judge", "verdict"],
            registry=registry,
        )
        self.realism_unpaired = Counter(
            "depsim_realism_unpaired",
            "Agent records sampled for the realism checks that yielded no pair for "
            "the discriminator, by reason.",
            ["reason"],
            registry=registry,
        )
        self.awareness_probes = Counter(
            "depsim_eval_awareness_probes",
            "Contexts put to the evaluation-awareness probe, by set, judge and "
            "verdict: eval_like, real_use, none (no usable answer).",
            ["set", "judge", "verdict"],
            registry=registry,
        )
        self.realism_accuracy = Gauge(
            "depsim_realism_discriminator_accuracy",
            "Per pod only: share of this worker's answered pairs in which the judge "
            "found the recording, with its 95% Wilson interval (bound=estimate|low|"
            "high); 0.5 is chance. Whole stream: from depsim_realism_pairs_total.",
            ["judge", "bound"],
            registry=registry,
        )
        self.realism_win_rate = Gauge(
            "depsim_realism_simulated_win_rate",
            "Per pod only: share of this worker's answered pairs in which the judge "
            "took the simulation for the recording, with its 95% Wilson interval; "
            "0.5 is chance, i.e. the simulation cannot be told apart.",
            ["judge", "bound"],
            registry=registry,
        )
        self.awareness_rate = Gauge(
            "depsim_eval_awareness_rate",
            "Per pod only: share of this worker's answered contexts of a set that "
            "the judge took for an evaluation, with its 95% Wilson interval.",
            ["set", "judge", "bound"],
            registry=registry,
        )

    def initialise(
        self,
        arms_models: Iterable[tuple[str, str]],
        categories: Iterable[str],
        *,
        graders: Iterable[str] = (),
    ) -> None:
        """Create every expected series at 0, so the first event can alert."""
        self._categories = tuple(categories)
        for reason in Reason:
            self.rejected.labels(reason.value)
        for arm, model in arms_models:
            label = self._arm_model(arm, model)
            for category in self._categories:
                for bound in BAND_BOUNDS:
                    self.forecast_band.labels(arm, label, category, bound)
            if arm != LIVE_ARM:
                self._model_series("candidate", label)
        for category in self._categories:
            for direction in DRIFT_DIRECTIONS:
                self.drift.labels(category, direction)
        for grader in graders:
            self.grader_seconds.labels(grader)
            for status in Status:
                self.grader_results.labels(grader, status.value)
            for kind in ERROR_KINDS:
                self.grader_errors.labels(grader, kind)

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
        model = self._arm_model(graded.arm, graded.model)
        self.replies.labels(graded.arm, model, graded.outcome).inc()
        if graded.arm != LIVE_ARM:
            self._observe_candidate_call(graded, model)
        for result in graded.results:
            self.grader_results.labels(result.grader, result.status.value).inc()
            if result.status is Status.GRADER_ERROR:
                kind = error_kind(result.reason)
                self.grader_errors.labels(result.grader, kind).inc()
        if not counted:
            return
        for category, flagged in graded.flags.items():
            self.graded.labels(graded.arm, model, category).inc()
            if flagged:
                self.flagged.labels(graded.arm, model, category).inc()

    def observe_dead_letter(self, dead: DeadLetter) -> None:
        """Count a rejected record by its reason."""
        self.rejected.labels(dead.reason).inc()

    def publish_counts(self, key: RateKey, counts: Counts) -> None:
        """Export one key's counts from the ledgers this worker owns."""
        arm, model, category = key
        label = self._arm_model(arm, model)
        self.estimate_graded.labels(arm, label, category).set(counts.graded)
        self.estimate_flagged.labels(arm, label, category).set(counts.flagged)
        self.estimate_weight.labels(arm, label, category).set(counts.weight)
        self.estimate_flagged_weight.labels(arm, label, category).set(
            counts.flagged_weight
        )

    def publish_rate(self, row: RateRow) -> None:
        """Export one rate with its interval, bound and detection floor."""
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
        self.floor.labels(row.arm, model, row.category).set(detection_floor(row.graded))

    def publish_ratio(self, key: RateKey, pairs: PairCounts) -> None:
        """Export the paired shadow/live rate ratio of one shadow key."""
        if pairs.pairs == 0:
            return
        arm, model, category = key
        ratio = pairs.ratio()
        label = self.model_label(model)
        bounds = {"estimate": ratio.estimate, "low": ratio.low, "high": ratio.high}
        for bound, value in bounds.items():
            self.rate_ratio.labels(arm, label, category, bound).set(value)

    # Setters for producers outside this module.

    def observe_model_call(
        self,
        role: str,
        model: str,
        *,
        seconds: float | None = None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        error: str | None = None,
    ) -> None:
        """Count one model call: its latency and tokens, or its error kind."""
        label = self.model_label(model)
        self.model_requests.labels(role, label).inc()
        if error is not None:
            self.model_errors.labels(role, label, error_kind(error)).inc()
        if seconds is not None:
            self.model_seconds.labels(role, label).observe(seconds)
        if prompt_tokens:
            self.tokens.labels(role, label, "prompt").inc(prompt_tokens)
        if completion_tokens:
            self.tokens.labels(role, label, "completion").inc(completion_tokens)

    def add_cost(self, role: str, model: str, dollars: float) -> None:
        """Add the price of a model call, in US dollars."""
        self.cost.labels(role, self.model_label(model)).inc(dollars)

    def observe_grader_call(self, grader: str, seconds: float) -> None:
        """Record how long one grader took on one reply."""
        self.grader_seconds.labels(grader).observe(seconds)

    def set_forecast_band(
        self, arm: str, model: str, category: str, low: float, high: float
    ) -> None:
        """Pin the forecast of `model`'s live rate for `category` to [low, high]."""
        if not 0.0 <= low <= high <= 1.0:
            raise ValueError(
                f"a forecast band needs 0 <= low <= high <= 1: {low, high}"
            )
        label = self.model_label(model)
        self.forecast_band.labels(arm, label, category, "low").set(low)
        self.forecast_band.labels(arm, label, category, "high").set(high)

    def set_drift_state(self, category: str, direction: str, drifting: bool) -> None:
        """Say whether the live rate of `category` drifted `up` or `down`."""
        if direction not in DRIFT_DIRECTIONS:
            raise ValueError(f"direction must be one of {DRIFT_DIRECTIONS}")
        self.drift.labels(category, direction).set(int(drifting))

    def set_quota_exhausted(self, role: str, model: str, exhausted: bool) -> None:
        """Say whether an endpoint refuses calls for a spent quota."""
        self.quota_exhausted.labels(role, self.model_label(model)).set(int(exhausted))

    def set_budget(self, limit_dollars: float, exhausted: bool) -> None:
        """Export the budget of the current period and whether it is spent."""
        self.budget.set(limit_dollars)
        self.budget_exhausted.set(int(exhausted))

    def set_budget_share(self, share: float) -> None:
        """Export the share of records the budget lets through to the candidate."""
        self.budget_share.set(share)

    def observe_retry(self, role: str, model: str, error: str) -> None:
        """Count one model call tried again after a retriable error."""
        self.model_retries.labels(
            role, self.model_label(model), error_kind(error)
        ).inc()

    def set_circuit_open(self, role: str, model: str, is_open: bool) -> None:
        """Record a breaker's change of state; each change to open is counted."""
        label = self.model_label(model)
        if is_open:
            self.circuit_opens.labels(role, label).inc()
        self.circuit_open.labels(role, label).set(int(is_open))

    def set_consumer_lag(self, records: int, partitions: int) -> None:
        """Export the lag of this worker's traffic partitions, summed."""
        self.consumer_lag.set(records)
        self.assigned_partitions.set(partitions)

    def initialise_realism(self, judge: str) -> None:
        """Create the realism checks' counters for `judge` at 0."""
        label = self.model_label(judge)
        self._model_series("judge", label)
        for verdict in REALISM_VERDICTS:
            self.realism_pairs.labels(label, verdict)
        for reason in UNPAIRED_REASONS:
            self.realism_unpaired.labels(reason)
        for set_name in AWARENESS_SETS:
            for verdict in AWARENESS_VERDICTS:
                self.awareness_probes.labels(set_name, label, verdict)

    def observe_realism_pair(self, judge: str, verdict: str) -> None:
        """Count one pair put to the discriminator, by what it answered."""
        self.realism_pairs.labels(self.model_label(judge), verdict).inc()

    def observe_realism_unpaired(self, reason: str) -> None:
        """Count one sampled agent record that yielded no pair to judge."""
        self.realism_unpaired.labels(reason).inc()

    def observe_awareness(self, set_name: str, judge: str, verdict: str) -> None:
        """Count one context put to the evaluation-awareness probe."""
        self.awareness_probes.labels(set_name, self.model_label(judge), verdict).inc()

    def publish_realism(
        self, judge: str, accuracy: RateBounds, simulated_win_rate: RateBounds
    ) -> None:
        """Export this worker's discriminator accuracy and simulated win rate."""
        label = self.model_label(judge)
        for bound, a, w in zip(RATE_BOUNDS, accuracy, simulated_win_rate, strict=True):
            self.realism_accuracy.labels(label, bound).set(a)
            self.realism_win_rate.labels(label, bound).set(w)

    def publish_awareness(self, set_name: str, judge: str, rate: RateBounds) -> None:
        """Export this worker's evaluation-awareness rate of one set."""
        label = self.model_label(judge)
        for bound, value in zip(RATE_BOUNDS, rate, strict=True):
            self.awareness_rate.labels(set_name, label, bound).set(value)

    def mark_commit(self, at: float) -> None:
        """Record that a committed traffic offset advanced at Unix time `at`."""
        self.last_commit.set(at)

    def _arm_model(self, arm: str, model: str) -> str:
        """The model label, creating a new (arm, model)'s rate series at 0."""
        label = self.model_label(model)
        if (arm, label) in self._arm_models:
            return label
        self._arm_models.add((arm, label))
        for category in self._categories:
            for family in self._rate_families:
                family.labels(arm, label, category)
        for outcome in ("graded", "not_evaluable"):
            self.replies.labels(arm, label, outcome)
        return label

    def _model_series(self, role: str, model: str) -> None:
        self.model_requests.labels(role, model)
        self.model_seconds.labels(role, model)
        self.cost.labels(role, model)
        self.quota_exhausted.labels(role, model)
        self.circuit_open.labels(role, model)
        self.circuit_opens.labels(role, model)
        for kind in ("prompt", "completion"):
            self.tokens.labels(role, model, kind)
        for error in ERROR_KINDS:
            self.model_errors.labels(role, model, error)
            self.model_retries.labels(role, model, error)

    def _observe_candidate_call(self, graded: GradedRecord, model: str) -> None:
        """A shadow reply stands for one candidate call, failed or not."""
        if graded.outcome == "skipped":
            return  # the budget's sampling left it out: no call was made
        failed = graded.outcome != "graded" and graded.latency_s is None
        self.observe_model_call(
            "candidate",
            model,
            seconds=graded.latency_s,
            prompt_tokens=graded.usage.get("prompt_tokens", 0),
            completion_tokens=graded.usage.get("completion_tokens", 0),
            error=(graded.reason or OTHER_ERROR) if failed else None,
        )
