"""The alert and recording rules: valid for promtool, unit-tested, and consistent."""

from __future__ import annotations

import subprocess
from typing import Any

import yaml

from tests.deploy.conftest import (
    DEPSIM_NAME,
    K8S,
    RECORDED_NAME,
    RULE_TESTS,
    RULES,
    exported_series_names,
    recorded_names,
)

# What the issue asks the alerts to cover, with the alert that does.
REQUIRED_ALERTS = {
    "forecast miss": "DepsimForecastMissed",
    "live-rate drift": "DepsimLiveRateDrift",
    "candidate errors": "DepsimCandidateErrors",
    "judge errors": "DepsimJudgeErrors",
    "quota exhausted": "DepsimQuotaExhausted",
    "dead-letter rate": "DepsimDeadLetterRate",
    "consumer lag": "DepsimConsumerLagHigh",
    "stalled commits": "DepsimCommitsStalled",
    "budget exhausted": "DepsimBudgetExhausted",
    "worker down": "DepsimWorkerDown",
}


def rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"]]


def alerts() -> list[dict[str, Any]]:
    return [rule for rule in rules() if "alert" in rule]


def test_rule_file_passes_promtool_check(promtool: str) -> None:
    result = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_rule_unit_tests_pass_promtool_test(promtool: str) -> None:
    result = subprocess.run(
        [promtool, "test", "rules", RULE_TESTS.name],
        cwd=RULE_TESTS.parent,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_required_alert_exists() -> None:
    names = {rule["alert"] for rule in alerts()}

    assert set(REQUIRED_ALERTS.values()) <= names


def test_every_alert_has_a_severity_summary_and_runbook() -> None:
    for rule in alerts():
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"].strip(), rule["alert"]
        assert rule["annotations"]["runbook"].strip(), rule["alert"]


def test_every_alert_is_exercised_by_a_firing_unit_test() -> None:
    tests = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))["tests"]
    firing = {
        case["alertname"]
        for test in tests
        for case in test.get("alert_rule_test", [])
        if case["exp_alerts"]
    }

    assert {rule["alert"] for rule in alerts()} <= firing


def test_rules_read_only_series_the_worker_exports() -> None:
    exported = exported_series_names()
    recorded = recorded_names()

    for rule in rules():
        assert set(DEPSIM_NAME.findall(rule["expr"])) <= exported, rule["expr"]
        assert set(RECORDED_NAME.findall(rule["expr"])) <= recorded, rule["expr"]


def test_whole_stream_rules_sum_workers_before_dividing() -> None:
    # Rates from per-pod gauges would be one pod's truth, not the stream's.
    for rule in rules():
        assert "depsim_rate{" not in rule["expr"]
        assert "depsim_rate " not in rule["expr"]


def test_kubernetes_prometheusrule_holds_the_same_groups() -> None:
    resource = yaml.safe_load(
        (K8S / "base" / "prometheusrule.yaml").read_text(encoding="utf-8")
    )
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]

    assert resource["kind"] == "PrometheusRule"
    assert resource["spec"]["groups"] == groups, "run deploy/sync.py"
