"""The Grafana dashboard: well formed, and every query reads series depsim provides.

That every query returns data from a real Prometheus scraping a real worker is
checked in tests/integration/test_prometheus.py.
"""

from __future__ import annotations

import json
from typing import Any

from tests.deploy.conftest import (
    DASHBOARD,
    DEPSIM_NAME,
    RECORDED_NAME,
    exported_series_names,
    recorded_names,
)

# What the issue asks the dashboard to show, with a word its panel titles carry.
REQUIRED_TOPICS = (
    "forecast",
    "ratio",
    "floor",
    "drift",
    "records per second",
    "latency",
    "error",
    "lag",
    "spend",
)


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def panels() -> list[dict[str, Any]]:
    return [p for p in dashboard()["panels"] if p["type"] != "row"]


def test_panels_have_unique_ids_and_at_least_one_query() -> None:
    ids = [p["id"] for p in dashboard()["panels"]]

    assert len(ids) == len(set(ids))
    for panel in panels():
        assert panel["targets"], panel["title"]
        assert all(t["expr"].strip() for t in panel["targets"]), panel["title"]


def test_panels_query_the_selected_prometheus() -> None:
    names = {v["name"] for v in dashboard()["templating"]["list"]}

    assert "datasource" in names
    for panel in panels():
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]


def test_panels_fit_the_grid_without_overlapping() -> None:
    cells: set[tuple[int, int]] = set()
    for panel in dashboard()["panels"]:
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        covered = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not covered & cells, panel["title"]
        cells |= covered


def test_every_required_topic_has_a_panel() -> None:
    titles = " | ".join(p["title"].lower() for p in panels())

    for topic in REQUIRED_TOPICS:
        assert topic in titles, topic


def test_queries_read_only_series_depsim_exports_or_records() -> None:
    exported = exported_series_names()
    recorded = recorded_names()

    for panel in panels():
        for target in panel["targets"]:
            assert set(DEPSIM_NAME.findall(target["expr"])) <= exported, target
            assert set(RECORDED_NAME.findall(target["expr"])) <= recorded, target


def test_rate_panels_never_read_the_per_pod_rate_gauge() -> None:
    for panel in panels():
        for target in panel["targets"]:
            assert "depsim_rate{" not in target["expr"], panel["title"]
