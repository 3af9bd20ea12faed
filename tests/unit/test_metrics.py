"""The worker's metrics: names, bounded labels, series created at start."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from graders import GraderResult, Status
from streamer.graded import LIVE_ARM, GradedRecord
from streamer.metrics import (
    MAX_MODEL_LABELS,
    OTHER_MODEL,
    Metrics,
    detection_floor,
    error_kind,
)
from tests.graded import graded_reply

SHADOW = "shadow:cand"
CATEGORIES = ["refusal", "personal_data_leak"]
CALL = {"role": "candidate", "model": "cand"}


def fresh() -> Metrics:
    metrics = Metrics(CollectorRegistry())
    metrics.initialise([(SHADOW, "cand")], CATEGORIES, graders=["rules"])
    return metrics


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def graded(**overrides: object) -> GradedRecord:
    fields: dict[str, object] = {
        "record_id": "conv-1",
        "arm": SHADOW,
        "model": "cand",
        "sampled_at": "2026-11-30T12:00:00+00:00",
        "graded_at": "2026-11-30T12:00:01+00:00",
        "grader_version": "rules@1",
        "flags": {"refusal": True, "personal_data_leak": False},
        "results": (GraderResult("rules", "1", Status.OK),),
        "usage": {"prompt_tokens": 10, "completion_tokens": 4},
        "latency_s": 0.2,
    }
    return graded_reply(**(fields | overrides))


def test_counters_end_in_total_and_durations_in_seconds() -> None:
    for family in fresh().registry.collect():
        if family.type == "counter":
            assert all(s.name.endswith(("_total", "_created")) for s in family.samples)
        if "duration" in family.name or "latency" in family.name:
            assert family.name.endswith("_seconds")
        assert family.name.startswith(("depsim_", "process_")), family.name
        assert family.documentation.strip(), family.name


def test_expected_series_exist_at_zero_before_any_record() -> None:
    metrics = fresh()

    for category in CATEGORIES:
        rate = {"arm": SHADOW, "model": "cand", "category": category}
        assert value(metrics, "depsim_graded_total", **rate) == 0
        assert value(metrics, "depsim_estimate_graded_replies", **rate) == 0
        assert value(metrics, "depsim_forecast_band", **rate, bound="high") == 0
        drift = {"category": category, "direction": "up"}
        assert value(metrics, "depsim_drift_state", **drift) == 0
    assert value(metrics, "depsim_model_errors_total", **CALL, kind="timeout") == 0
    grader = {"grader": "rules", "status": "grader_error"}
    assert value(metrics, "depsim_grader_results_total", **grader) == 0
    assert value(metrics, "depsim_records_rejected_total", reason="no_consent") == 0
    assert value(metrics, "depsim_consumer_lag_records") == 0


def test_a_new_live_model_gets_every_category_at_zero() -> None:
    metrics = fresh()

    metrics.observe_graded(
        graded(arm=LIVE_ARM, model="prod", flags={"refusal": True}), counted=True
    )

    rate = {"arm": LIVE_ARM, "model": "prod", "category": "personal_data_leak"}
    assert value(metrics, "depsim_graded_total", **rate) == 0


def test_model_labels_are_capped() -> None:
    metrics = Metrics(CollectorRegistry())

    labels = {metrics.model_label(f"model-{i}") for i in range(3 * MAX_MODEL_LABELS)}

    assert len(labels) == MAX_MODEL_LABELS + 1
    assert OTHER_MODEL in labels


def test_no_record_id_or_content_reaches_a_label() -> None:
    metrics = fresh()

    metrics.observe_graded(graded(reply_text="secret words"), counted=True)

    for family in metrics.registry.collect():
        for sample in family.samples:
            for label in sample.labels.values():
                assert "conv-1" not in label
                assert "secret" not in label


def test_a_counted_reply_feeds_graded_flagged_tokens_and_latency() -> None:
    metrics = fresh()

    metrics.observe_graded(graded(), counted=True)

    arm = {"arm": SHADOW, "model": "cand"}
    assert value(metrics, "depsim_graded_total", **arm, category="refusal") == 1
    assert value(metrics, "depsim_flagged_total", **arm, category="refusal") == 1
    leak = {**arm, "category": "personal_data_leak"}
    assert value(metrics, "depsim_flagged_total", **leak) == 0
    assert value(metrics, "depsim_tokens_total", **CALL, kind="prompt") == 10
    duration = "depsim_model_request_duration_seconds_count"
    assert value(metrics, duration, **CALL) == 1


def test_a_redelivered_reply_is_not_counted_in_rates() -> None:
    metrics = fresh()

    metrics.observe_graded(graded(), counted=False)

    rate = {"arm": SHADOW, "model": "cand", "category": "refusal"}
    assert value(metrics, "depsim_graded_total", **rate) == 0


def test_a_failed_candidate_call_counts_an_error_of_its_kind() -> None:
    metrics = fresh()

    metrics.observe_graded(
        graded(
            outcome="not_evaluable",
            reason="rate_limited",
            flags={},
            latency_s=None,
            usage={},
            results=(),
        ),
        counted=True,
    )

    assert value(metrics, "depsim_model_requests_total", **CALL) == 1
    errors = {**CALL, "kind": "rate_limited"}
    assert value(metrics, "depsim_model_errors_total", **errors) == 1


def test_a_grader_error_counts_by_grader_and_kind() -> None:
    metrics = fresh()
    failed = GraderResult.non_result("rules", "1", Status.GRADER_ERROR, "TimeoutError")

    metrics.observe_graded(graded(results=(failed,), flags={}), counted=True)

    results = {"grader": "rules", "status": "grader_error"}
    assert value(metrics, "depsim_grader_results_total", **results) == 1
    errors = {"grader": "rules", "kind": "timeout"}
    assert value(metrics, "depsim_grader_errors_total", **errors) == 1


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("rate_limited", "rate_limited"),  # a GenerationError reason, kept
        ("TimeoutError", "timeout"),  # an exception type with a meaning
        ("KeyError", "other"),  # anything else: the label set stays fixed
        (None, "other"),
    ],
)
def test_error_kinds_are_a_fixed_set(reason: str | None, kind: str) -> None:
    assert error_kind(reason) == kind


def test_detection_floor_is_about_three_over_n() -> None:
    assert detection_floor(0) == 1.0
    assert detection_floor(1000) == pytest.approx(3 / 1000, rel=0.01)


def test_forecast_band_must_be_ordered_within_zero_and_one() -> None:
    metrics = fresh()

    with pytest.raises(ValueError, match="forecast band"):
        metrics.set_forecast_band(SHADOW, "cand", "refusal", 0.2, 0.1)


def test_drift_state_takes_only_up_or_down() -> None:
    metrics = fresh()

    metrics.set_drift_state("refusal", "up", True)

    assert value(metrics, "depsim_drift_state", category="refusal", direction="up") == 1
    with pytest.raises(ValueError, match="direction"):
        metrics.set_drift_state("refusal", "sideways", True)
