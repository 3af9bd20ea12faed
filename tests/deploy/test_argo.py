"""The Argo Rollouts AnalysisTemplate that gates a rollout on live upper bounds.

Its query is run against a real Prometheus in tests/integration/test_prometheus.py.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from tests.deploy.conftest import DEPLOY, RECORDED_NAME, recorded_names

TEMPLATE = DEPLOY / "argo" / "analysistemplate.yaml"
ARG = re.compile(r"\{\{\s*args\.([a-z-]+)\s*\}\}")


def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    return loaded


def metric() -> dict[str, Any]:
    (only,) = template()["spec"]["metrics"]
    found: dict[str, Any] = only
    return found


def test_template_is_an_argo_analysis_template() -> None:
    assert template()["apiVersion"] == "argoproj.io/v1alpha1"
    assert template()["kind"] == "AnalysisTemplate"


def test_every_argument_used_is_declared() -> None:
    declared = {arg["name"] for arg in template()["spec"]["args"]}

    used = set(ARG.findall(TEMPLATE.read_text(encoding="utf-8")))

    assert used <= declared


def test_query_reads_the_whole_stream_live_upper_bound() -> None:
    query = metric()["provider"]["prometheus"]["query"]

    assert "depsim:rate_high:wilson95" in query
    assert 'arm="live"' in query
    assert set(RECORDED_NAME.findall(query)) <= recorded_names()


def test_crossing_the_threshold_fails_at_once_and_no_data_is_inconclusive() -> None:
    spec = metric()

    assert spec["failureLimit"] == 0
    assert spec["failureCondition"] == (
        "len(result) > 0 && result[0] > {{args.threshold}}"
    )
    assert spec["successCondition"] == (
        "len(result) > 0 && result[0] <= {{args.threshold}}"
    )
