"""The report as one self-contained HTML page: no scripts, fonts or links.

Figures are embedded as base64 data URIs; every number comes from the report data
and is shown with `show`, so the page and `report.json` agree digit for digit.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Mapping
from typing import Any

STYLE = """
body { font-family: sans-serif; max-width: 70rem; margin: 1.5rem auto; padding: 0 1rem;
       color: #111; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.85rem; }
th, td { border: 1px solid #999; padding: 0.2rem 0.45rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
caption { text-align: left; font-weight: bold; padding: 0.3rem 0; }
.standin { border: 3px double #000; padding: 0.5rem; font-weight: bold; }
.note { font-style: italic; }
.wide { overflow-x: auto; }
img { max-width: 100%; border: 1px solid #ccc; }
code { font-size: 0.85rem; }
"""


def show(value: Any) -> str:
    """How a value from the report data is written on the page."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(value, ".4g")

    return str(value)


def _e(value: Any) -> str:
    return html.escape(show(value))


def _table(caption: str, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>"
        for row in rows
    )

    return (
        f"<div class='wide'><table><caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _figure(name: str, png: bytes, alt: str) -> str:
    encoded = base64.b64encode(png).decode("ascii")

    return (
        f'<figure id="figure-{name}"><img alt="{html.escape(alt)}" '
        f'src="data:image/png;base64,{encoded}"></figure>'
    )


def _rate_text(rate: Mapping[str, Any]) -> str:
    if rate.get("rate") is None:
        return "not graded"
    if rate.get("below_floor"):
        return f"below floor (< {show(rate['upper'])})"

    return show(rate["rate"])


def render(data: dict[str, Any], figures: Mapping[str, bytes]) -> str:
    """The whole page."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(data['title'])}</title><style>{STYLE}</style>",
        "</head><body>",
        f"<h1>{html.escape(data['title'])}</h1>",
        f"<p>Generated {_e(data['generated_at'])}.</p>",
    ]
    if data["standin"]:
        parts.append(
            "<p class='standin'>The candidate here is a STAND-IN that serves recorded "
            "replies; it is not a model, and its rates say nothing about one.</p>"
        )
    parts += _categories(data, figures)
    parts += _forecast(data, figures)
    parts += _drift(data, figures)
    parts += _samples(data)
    parts += _examples(data)
    parts.append("</body></html>")

    return "\n".join(parts)


def _categories(data: dict[str, Any], figures: Mapping[str, bytes]) -> list[str]:
    rows = []
    for row in data["categories"]:
        s, lv, r = row["shadow"], row["live"], row["ratio"] or {}
        rows.append(
            [
                row["category"],
                s["events"],
                s["trials"],
                _rate_text(s),
                s.get("low"),
                s.get("high"),
                s.get("upper"),
                lv["events"],
                lv["trials"],
                _rate_text(lv),
                lv.get("low"),
                lv.get("high"),
                lv.get("upper"),
                r.get("pairs"),
                r.get("both"),
                r.get("only_shadow"),
                r.get("only_live"),
                r.get("estimate"),
                r.get("low"),
                "∞" if r and r.get("high") is None else r.get("high"),
                r.get("p_value"),
            ]
        )
    header = [
        "category",
        "shadow k",
        "shadow n",
        "shadow rate",
        "low",
        "high",
        "upper",
        "live k",
        "live n",
        "live rate",
        "low",
        "high",
        "upper",
        "pairs",
        "both",
        "only shadow",
        "only live",
        "ratio",
        "ratio low",
        "ratio high",
        "McNemar p",
    ]

    return [
        "<h2>Shadow against live, per category</h2>",
        "<p>Rates are flagged shares of graded replies with 95% Wilson intervals; "
        "below about 3 expected flags only the one-sided 95% upper bound is shown "
        "(“below floor”), never a bare 0. The ratio is shadow over live on the same "
        "prefixes, with a paired interval. Sorted by what changed most.</p>",
        _figure("rates", figures["rates"], "rates per category, both arms"),
        _figure("ratio", figures["ratio"], "shadow/live rate ratio per category"),
        _table("Rates and ratios", header, rows),
    ]


def _floored(rate: float | None, below: bool) -> str:
    return f"{show(rate)} (below floor)" if below and rate is not None else show(rate)


def _forecast(data: dict[str, Any], figures: Mapping[str, bytes]) -> list[str]:
    forecast = data["forecast"]
    if forecast is None:
        return ["<h2>Forecast against live</h2><p>No forecast was scored.</p>"]
    parts = ["<h2>Forecast against live</h2>"]
    if forecast.get("within_run"):
        parts.append(
            "<p class='note'>WITHIN-RUN CHECK: the forecast was frozen from the "
            "shadow arm and scored against the live arm of the same run, on the same "
            "prefixes. This is not a release.</p>"
        )
    parts.append(
        f"<p>Forecast {_e(forecast['forecast_id'])} of {_e(forecast['model'])}; "
        f"live confidence sequence at {_e(forecast['confidence'])}, noise funnel at "
        f"{_e(forecast['funnel_level'])}. Directions called "
        f"{_e(forecast['directions_called'])}, correct "
        f"{_e(forecast['directions_correct'])} (needs the previous model's counts)."
        "</p>"
    )
    if "funnel" in figures:
        parts.append(_figure("funnel", figures["funnel"], "SME against noise funnel"))
    rows = [
        [
            r["category"],
            r["forecast_events"],
            r["forecast_trials"],
            _floored(r["forecast_rate"], r["forecast_below_floor"]),
            r["band_low"],
            r["band_high"],
            r["live_events"],
            r["live_trials"],
            _floored(r["live_rate"], r["live_below_floor"]),
            r["live_low"],
            r["live_high"],
            r["live_floor"],
            r["live_below_floor"],
            r["sme"],
            r["funnel_median"],
            r["funnel_high"],
            r["within_funnel"],
            r["direction"],
            r["live_in_band"],
            r["forecast_miss"],
        ]
        for r in forecast["rows"]
    ]
    header = [
        "category",
        "forecast k",
        "forecast n",
        "forecast rate",
        "band low",
        "band high",
        "live k",
        "live n",
        "live rate",
        "live low (CS)",
        "live high (CS)",
        "live floor",
        "live below floor",
        "SME",
        "funnel median",
        "funnel 90%",
        "within funnel",
        "live vs forecast",
        "live in band",
        "forecast miss",
    ]
    parts.append(_table("Scorecard", header, rows))

    return parts


def _drift(data: dict[str, Any], figures: Mapping[str, bytes]) -> list[str]:
    drift = data["drift"]
    parts = [
        "<h2>Rates over time and drift alarms</h2>",
        f"<p>Windows of {_e(drift['window_seconds'])} s by "
        f"{_e(data['settings']['time_field'])}; "
        f"{_e(drift['detectors'])} detectors (two-sided Poisson CUSUM, rise "
        f"{_e(drift['rise'])}, fall {_e(drift['fall'])}, wobble "
        f"{_e(drift['wobble'])}), each with an in-control run length of "
        f"{_e(drift['arl0_windows'])} windows. Baselines are each arm's pooled rate "
        "over the range.</p>",
        _figure("drift", figures["drift"], "rates per window with drift alarms"),
    ]
    alarms = [
        [
            e["arm"],
            e["category"],
            a["window"],
            drift["window_starts"][a["window"]],
            a["direction"],
        ]
        for e in drift["series"]
        for a in e["alarms"]
    ]
    parts.append(
        _table(
            "Drift alarms", ["arm", "category", "window", "start", "direction"], alarms
        )
        if alarms
        else "<p>No drift alarm was raised.</p>"
    )
    rows = [
        [
            e["arm"],
            e["category"],
            e["baseline"],
            i,
            drift["window_starts"][i],
            p["events"],
            p["trials"],
            p["rate"],
        ]
        for e in drift["series"]
        for i, p in enumerate(e["points"])
    ]
    parts.append(
        "<details><summary>Counts per window (the numbers behind the figure)"
        "</summary>"
        + _table(
            "Counts per window",
            ["arm", "category", "baseline", "window", "start", "k", "n", "rate"],
            rows,
        )
        + "</details>"
    )

    return parts


def _samples(data: dict[str, Any]) -> list[str]:
    samples = data["samples"]
    arms = [
        [
            arm,
            s["records"],
            s["graded"],
            s["not_evaluable"],
            s["weight"],
            s["effective_records"],
        ]
        for arm, s in samples.items()
    ]
    weights = [
        [
            row["category"],
            arm,
            row[arm]["weight"],
            row[arm]["flagged_weight"],
            row[arm]["effective_events"],
            row[arm].get("weighted_rate"),
        ]
        for row in data["categories"]
        for arm in ("shadow", "live")
    ]
    quality = data["grader_quality"]
    audits = [
        [
            q["category"],
            q["ppv_hits"],
            q["ppv_audited"],
            q["recall_hits"],
            q["recall_audited"],
            q["correction"],
        ]
        for q in quality["categories"]
    ]
    settings = [[key, _setting(value)] for key, value in data["settings"].items()]

    return [
        "<h2>Samples, weights, grader quality and settings</h2>",
        _table(
            "Sample sizes (weights are 1 / sampling probability; effective counts "
            "are Kish's)",
            [
                "arm",
                "records",
                "graded",
                "not evaluable",
                "sum of weights",
                "effective records",
            ],
            arms,
        ),
        _table(
            "Weights per category",
            [
                "category",
                "arm",
                "sum of weights",
                "flagged weight",
                "effective flags",
                "weighted rate",
            ],
            weights,
        ),
        _table(
            "Grader audits used for correction (ensemble "
            f"{show(quality['ensemble_version'])}; "
            f"{show(quality['skipped'] or 'version matches')})",
            [
                "category",
                "PPV hits",
                "PPV audited",
                "recall hits",
                "recall audited",
                "correction PPV/recall",
            ],
            audits,
        ),
        _table("Settings", ["setting", "value"], settings),
    ]


def _setting(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(show(v) for v in value)

    return show(value)


def _examples(data: dict[str, Any]) -> list[str]:
    parts = [
        "<h2>Examples for human review</h2>",
        "<p>Conversation ids of flagged replies, first few per category and arm."
        + (
            " Reply text is included (--include-content)."
            if data["settings"]["include_content"]
            else " Ids only: no conversation content is in this report."
        )
        + "</p>",
    ]
    rows = []
    for entry in data["examples"]:
        for arm in ("shadow", "live"):
            for example in entry[arm]:
                rows.append(
                    [
                        entry["category"],
                        arm,
                        example["record_id"],
                        example.get("cut_index"),
                        example.get("content", ""),
                    ]
                )
    header = ["category", "arm", "record id", "cut", "content"]
    parts.append(_table("Flagged replies to review", header, rows))

    return parts
