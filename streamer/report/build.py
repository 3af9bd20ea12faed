"""From graded records (and optionally a frozen forecast) to the report's files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from estimators import Forecast
from streamer.forecast import freeze, grader_versions, load_audits, score
from streamer.gradedset import Body, live_of, shadow_of
from streamer.report import figures
from streamer.report.data import ReportOptions, build_report, num
from streamer.report.html import render


@dataclass(frozen=True, slots=True)
class ReportFiles:
    """Where the report went."""

    index: Path
    data: Path
    figures: dict[str, Path]


def write_report(
    bodies: list[Body],
    options: ReportOptions,
    out_dir: Path,
    *,
    forecast: dict[str, Any] | None = None,
    live_bodies: list[Body] | None = None,
    now: datetime | None = None,
) -> ReportFiles:
    """Compute and write the report for candidate `options.model`.

    With `forecast` (a frozen forecast's JSON) it is scored against the live arm of
    `live_bodies` (a later window; default: `bodies`). Without one, a forecast is
    frozen from the shadow arm of `bodies` and scored against their live arm: a
    within-run check, labelled as such.
    """
    now = now or datetime.now(UTC)
    live_source = live_bodies if live_bodies is not None else bodies
    audits = load_audits(
        grader_versions([*shadow_of(bodies, options.model), *live_of(live_source)])
    )
    within_run = forecast is None
    if forecast is None:
        forecast = freeze(bodies, options.model, now, audits=audits)
    frozen = Forecast.from_dict(forecast)
    _, scored = score(frozen, live_source, within_run=within_run)
    by_category = {band["category"]: band for band in forecast["categories"]}
    for row in scored["rows"]:
        band = by_category[row["category"]]
        row["forecast_events"], row["forecast_trials"] = band["events"], band["trials"]
        row["forecast_below_floor"] = band["below_floor"]
    scored = _rounded(scored)

    data = build_report(
        bodies,
        options,
        audits=audits,
        forecast=forecast,
        scorecard=scored,
        live_bodies=live_bodies,
        generated_at=now,
    )
    drawn = {
        "rates": figures.rates_figure(data),
        "ratio": figures.ratio_figure(data),
        "funnel": figures.funnel_figure(data),
        "drift": figures.drift_figure(data),
    }

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, png in drawn.items():
        paths[name] = out_dir / f"{name}.png"
        paths[name].write_bytes(png)
    data_path = out_dir / "report.json"
    data_path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    index = out_dir / "index.html"
    index.write_text(render(data, drawn), encoding="utf-8")

    return ReportFiles(index, data_path, paths)


def _rounded(value: Any) -> Any:
    """Floats rounded as the page shows them (`num`); infinities become None."""
    if isinstance(value, float):
        return num(value)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]

    return value
