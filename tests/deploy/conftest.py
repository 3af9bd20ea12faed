"""Paths and tools shared by the deployment tests."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
RULES = DEPLOY / "prometheus" / "depsim-rules.yaml"
RULE_TESTS = DEPLOY / "prometheus" / "tests" / "depsim-rules.test.yaml"
DASHBOARD = DEPLOY / "grafana" / "depsim-overview.json"
K8S = DEPLOY / "k8s"
OVERLAYS = ("dev", "prod")

DEPSIM_NAME = re.compile(r"\bdepsim_[a-z_]+\b")
RECORDED_NAME = re.compile(r"\bdepsim:[a-z0-9_:]+\b")


@pytest.fixture(scope="session")
def promtool() -> str:
    """The promtool binary (Debian package `prometheus`, installed by `make test`)."""
    path = shutil.which("promtool")
    if path is None:
        pytest.skip("promtool is not installed: run `make promtool` (as root)")
    return path


def exported_series_names() -> set[str]:
    """Every sample name a freshly initialised worker's /metrics page can carry."""
    from streamer.metrics import Metrics
    from streamer.watch import WatchGauges

    metrics = Metrics(CollectorRegistry())
    metrics.initialise([("shadow:c", "c")], ["refusal"], graders=["rules"])
    WatchGauges(metrics.registry)
    names: set[str] = set()
    for family in metrics.registry.collect():
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
    return names


def recorded_names() -> set[str]:
    """The series the recording rules produce."""
    import yaml

    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    return {rule["record"] for rule in rules if "record" in rule}
