"""The report's figures, drawn with matplotlib (Agg) from the report data only.

Readable in grey-scale: arms differ by marker and line style, not by colour alone.
Each function returns PNG bytes; a figure showing a stand-in candidate says so in
its title.
"""

from __future__ import annotations

import io
import math
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, ever

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from estimators import sme_funnel

STANDIN_NOTE = "candidate is a STAND-IN (recorded replies), not a model"
SHADOW_STYLE = {"marker": "o", "mfc": "white", "color": "0.15", "linestyle": "--"}
LIVE_STYLE = {"marker": "s", "mfc": "0.15", "color": "0.15", "linestyle": "-"}


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)

    return buffer.getvalue()


def _title(text: str, standin: bool) -> str:
    return f"{text}\n({STANDIN_NOTE})" if standin else text


def _floor_of(rows: list[dict[str, Any]]) -> float:
    values = [
        v
        for row in rows
        for arm in ("shadow", "live")
        for v in (row[arm].get("low"), row[arm].get("upper"))
        if v
    ]

    return min(values) / 3 if values else 1e-4


def rates_figure(data: dict[str, Any]) -> bytes:
    """Shadow and live rates per category with 95% intervals, log scale."""
    rows = data["categories"]
    figure, axes = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.6))
    low_edge = _floor_of(rows)
    for offset, arm, style in (
        (-0.18, "shadow", SHADOW_STYLE),
        (0.18, "live", LIVE_STYLE),
    ):
        label = "shadow (candidate)" if arm == "shadow" else "live (production)"
        for index, row in enumerate(rows):
            rate = row[arm]
            y = index + offset
            if rate.get("rate") is None:
                continue
            if rate.get("below_floor"):
                axes.plot(
                    [low_edge, rate["upper"]],
                    [y, y],
                    linestyle=":",
                    color="0.4",
                )
                axes.plot(rate["upper"], y, marker="<", color="0.15", mfc="white")
                continue
            axes.plot(
                [rate["low"], rate["high"]],
                [y, y],
                color="0.15",
                linestyle=style["linestyle"],
            )
            axes.plot(
                rate["rate"],
                y,
                marker=style["marker"],
                mfc=style["mfc"],
                color="0.15",
                label=label,
                linestyle="none",
            )
            label = "_"
    axes.plot(
        [],
        [],
        marker="<",
        color="0.15",
        mfc="white",
        linestyle=":",
        label="below floor: one-sided 95% upper bound",
    )
    axes.set_xscale("log")
    axes.set_yticks(range(len(rows)), [row["category"] for row in rows])
    axes.invert_yaxis()
    axes.set_xlabel("flagged share of graded replies (log scale; 0.01 = 1 in 100)")
    axes.set_ylabel("category (most changed first)")
    axes.grid(axis="x", which="both", color="0.85")
    axes.legend(loc="lower right", fontsize=8)
    axes.set_title(_title("Rates with 95% intervals", data["standin"]), fontsize=10)

    return _png(figure)


def ratio_figure(data: dict[str, Any]) -> bytes:
    """Shadow/live rate ratio per category with its paired 95% interval."""
    paired = [row for row in data["categories"] if row["ratio"]]
    rows = [row for row in paired if _flags(row["ratio"])]
    silent = len(paired) - len(rows)
    figure, axes = plt.subplots(figsize=(8, 0.45 * max(len(rows), 1) + 1.6))
    finite = [
        v for row in rows for v in (row["ratio"]["low"], row["ratio"]["high"]) if v
    ]
    left = min([*finite, 0.5]) / 2
    right = max([*finite, 2.0]) * 2
    for index, row in enumerate(rows):
        ratio = row["ratio"]
        low = ratio["low"] or left
        high = ratio["high"] or right
        style = "-" if ratio["low"] and ratio["high"] else ":"
        axes.plot([low, high], [index, index], color="0.15", linestyle=style)
        if ratio["high"] is None:
            axes.plot(right, index, marker=">", color="0.15")
        if not ratio["low"]:
            axes.plot(left, index, marker="<", color="0.15")
        axes.plot(ratio["estimate"], index, marker="D", color="0.15", mfc="white")
    axes.axvline(1.0, color="0.3", linestyle="--", linewidth=1)
    axes.set_xscale("log")
    axes.set_xlim(left, right)
    axes.set_yticks(range(len(rows)), [row["category"] for row in rows])
    axes.invert_yaxis()
    note = (
        f"; {silent} categories with no flag in either arm left out" if silent else ""
    )
    axes.set_xlabel(f"rate ratio shadow / live (log scale; 1 = no change){note}")
    axes.set_ylabel("category")
    axes.grid(axis="x", which="both", color="0.85")
    axes.set_title(
        _title("Rate ratio, paired 95% interval (dotted: open-ended)", data["standin"]),
        fontsize=10,
    )

    return _png(figure)


def _flags(ratio: dict[str, Any]) -> int:
    return int(ratio["both"] + ratio["only_shadow"] + ratio["only_live"])


def funnel_figure(data: dict[str, Any]) -> bytes:
    """SME per category against the 90% noise funnel (forecast vs live)."""
    forecast = data["forecast"]
    rows = [row for row in forecast["rows"] if row["sme"] is not None]
    figure, axes = plt.subplots(figsize=(8, 4.8))
    trials = [
        (row["live_trials"], row.get("forecast_trials") or row["live_trials"])
        for row in rows
    ]
    if rows:
        n_live = max(t[0] for t in trials)
        n_fc = max(t[1] for t in trials)
        top = max(max(r["live_events"] + r["forecast_events"] for r in rows), 10)
        steps = 1 + 8 * math.ceil(math.log10(top * 3))
        grid = sorted({max(1, round(10 ** (x / 8))) for x in range(steps)})
        medians = [sme_funnel(n_fc, n_live, k).median for k in grid]
        highs = [
            sme_funnel(n_fc, n_live, k, forecast["funnel_level"]).high for k in grid
        ]
        axes.plot(grid, medians, color="0.4", linestyle="--", label="noise median")
        axes.plot(grid, highs, color="0.15", linestyle="-", label="noise 90% quantile")
    for row in rows:
        total = row["live_events"] + row["forecast_events"]
        inside = row["within_funnel"]
        axes.plot(
            max(total, 1),
            row["sme"],
            linestyle="none",
            marker="o" if inside else "X",
            mfc="white" if inside else "0.15",
            color="0.15",
        )
        if total:
            axes.annotate(
                row["category"],
                (total, row["sme"]),
                fontsize=7,
                xytext=(4, 3),
                textcoords="offset points",
            )
    axes.plot(
        [],
        [],
        marker="o",
        mfc="white",
        color="0.15",
        linestyle="none",
        label="category within funnel",
    )
    axes.plot(
        [],
        [],
        marker="X",
        color="0.15",
        linestyle="none",
        label="category outside funnel",
    )
    silent = sum(r["live_events"] + r["forecast_events"] == 0 for r in rows)
    if silent:
        axes.annotate(
            f"{silent} categories with no flag in either window",
            (1, 1),
            fontsize=7,
            xytext=(4, -10),
            textcoords="offset points",
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("flags in forecast and live windows together (count, log scale)")
    axes.set_ylabel("symmetric multiplicative error (x, log scale)")
    axes.grid(which="both", color="0.9")
    axes.legend(fontsize=8)
    label = "Forecast vs live: SME against the noise funnel"
    if forecast.get("within_run"):
        label += "\nWITHIN-RUN CHECK on the same prefixes, not a release"
    axes.set_title(_title(label, data["standin"]), fontsize=10)

    return _png(figure)


def drift_figure(data: dict[str, Any], max_panels: int = 12) -> bytes:
    """Rates per window per category, both arms, with drift alarms marked."""
    drift = data["drift"]
    by_category: dict[str, dict[str, dict[str, Any]]] = {}
    for entry in drift["series"]:
        if sum(p["events"] for p in entry["points"]):
            by_category.setdefault(entry["category"], {})[entry["arm"]] = entry
    names = sorted(by_category)[:max_panels]
    columns = 3
    rows = max(1, math.ceil(len(names) / columns))
    figure, grid = plt.subplots(
        rows, columns, figsize=(10, 2.6 * rows + 0.8), squeeze=False, sharex=True
    )
    width = drift["window_seconds"]
    unit = f"{width} s" if width < 120 else f"{width / 60:.3g} min"
    for panel, name in zip(grid.flat, names, strict=False):
        for arm, style in (("shadow", SHADOW_STYLE), ("live", LIVE_STYLE)):
            entry = by_category[name].get(arm)
            if entry is None:
                continue
            xs = [i for i, p in enumerate(entry["points"]) if p["rate"] is not None]
            ys = [entry["points"][i]["rate"] for i in xs]
            panel.plot(xs, ys, label=arm, markersize=4, **style)
            for alarm in entry["alarms"]:
                i = alarm["window"]
                marker = "^" if alarm["direction"] == "up" else "v"
                panel.plot(
                    i,
                    entry["points"][i]["rate"],
                    marker=marker,
                    markersize=11,
                    color="0.0",
                    mfc="none",
                    linestyle="none",
                )
        panel.xaxis.set_major_locator(MaxNLocator(integer=True))
        panel.set_title(name, fontsize=9)
        panel.set_ylabel("flagged share", fontsize=8)
        panel.grid(color="0.9")
    for panel in list(grid.flat)[len(names) :]:
        panel.axis("off")
    for panel in grid[-1]:
        panel.set_xlabel(f"window number ({unit} each)", fontsize=8)
    grid.flat[0].plot(
        [],
        [],
        marker="^",
        mfc="none",
        color="0.0",
        linestyle="none",
        label="drift alarm (up/down)",
    )
    grid.flat[0].legend(fontsize=7)
    figure.suptitle(
        _title("Rates over time with drift alarms", data["standin"]), fontsize=10
    )
    figure.tight_layout()

    return _png(figure)
