"""Every number the release report shows, computed once, as plain JSON data.

The HTML and the figures are drawn from this data only, and the data is written
beside them (`report.json`), so each number on the page can be traced. Floats are
rounded to four significant digits (`num`) before they are stored: the page shows
exactly the stored value.

Sections:

- `categories`: per category, shadow and live rates with 95% Wilson intervals (or the
  one-sided upper bound below the floor), weights and Kish effective counts, and the
  shadow/live rate ratio with its paired interval (both arms graded the same
  prefixes: `estimators.paired_rate_ratio_interval`); sorted by what changed most.
- `forecast`: the scorecard of a forecast against live (`streamer.forecast`).
- `drift`: per arm and category, counts in time windows and the windows where an
  `estimators.ChangeDetector` raised an alarm.
- `examples`: conversation ids per flagged category for human review; reply text only
  when asked for (`include_content`).
- `settings`: everything that produced the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from estimators import (
    ChangeDetector,
    WindowCounts,
    arl0_for_budget,
    paired_rate_ratio_interval,
    proportion_interval,
    upper_bound,
)
from streamer.forecast import AuditSet, grader_versions, time_range
from streamer.gradedset import (
    Body,
    WeightedCategory,
    category_counts,
    graded_only,
    live_of,
    paired_counts,
    shadow_of,
)

CONFIDENCE = 0.95
DAY_S = 86_400
TARGET_WINDOWS = 12
EXAMPLES = 5
CONTENT_CHARS = 400


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What the report is computed with."""

    model: str
    time_field: str = "graded_at"
    window_s: int | None = None
    examples: int = EXAMPLES
    include_content: bool = False
    false_alarms_per_30_days: float = 1.0


def num(value: float | None) -> float | None:
    """A float rounded to 4 significant digits; None for None and infinities."""
    if value is None or math.isinf(value) or math.isnan(value):
        return None

    return float(f"{value:.4g}")


def build_report(
    bodies: list[Body],
    options: ReportOptions,
    *,
    audits: AuditSet,
    forecast: dict[str, Any] | None = None,
    scorecard: dict[str, Any] | None = None,
    live_bodies: list[Body] | None = None,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    """The report's data. `live_bodies` defaults to the live arm of `bodies`."""
    shadow = list(shadow_of(bodies, options.model))
    live = list(live_of(live_bodies if live_bodies is not None else bodies))
    standin = any(bool(body.get("standin")) for body in shadow)
    shadow_counts, live_counts = category_counts(shadow), category_counts(live)
    pairs = paired_counts(shadow + live, options.model)
    names = sorted(set(shadow_counts) | set(live_counts))
    window_s = options.window_s or auto_window(shadow + live, options.time_field)

    rows = [
        _category_row(
            name,
            shadow_counts.get(name, WeightedCategory()),
            live_counts.get(name, WeightedCategory()),
            pairs.get(name),
            audits,
        )
        for name in names
    ]
    rows.sort(key=_change_order)

    return {
        "title": _title(options.model, standin),
        "standin": standin,
        "generated_at": (generated_at or datetime.now(UTC)).isoformat(),
        "settings": _settings(shadow, live, options, window_s, audits, forecast),
        "samples": _samples(shadow, live),
        "categories": rows,
        "forecast": scorecard,
        "drift": drift(shadow, live, options, window_s),
        "examples": examples(shadow, live, names, options),
        "grader_quality": audits.to_dict() | {"categories": _audit_rows(audits)},
    }


def _title(model: str, standin: bool) -> str:
    title = f"Release report: candidate {model} against live"
    if standin:
        title += " (candidate is a STAND-IN serving recorded replies, not a model)"

    return title


def auto_window(bodies: Iterable[Body], field: str) -> int:
    """A window width in whole seconds giving about TARGET_WINDOWS windows."""
    first, last = time_range(bodies, field)
    if first is None or last is None:
        return 3600
    span = (
        datetime.fromisoformat(last) - datetime.fromisoformat(first)
    ).total_seconds()

    return max(1, math.ceil((span + 1) / TARGET_WINDOWS))


def _rate(counts: WeightedCategory) -> dict[str, Any]:
    k, n = counts.events, counts.trials
    data: dict[str, Any] = {
        "events": k,
        "trials": n,
        "weight": num(counts.weight),
        "flagged_weight": num(counts.flagged_weight),
        "effective_events": num(counts.effective_events),
    }
    if n == 0:
        return data | {"rate": None, "low": None, "high": None, "upper": None}
    interval = proportion_interval(k, n, CONFIDENCE, method="wilson")

    return data | {
        "rate": num(k / n),
        "weighted_rate": num(counts.flagged_weight / counts.weight)
        if counts.weight
        else None,
        "low": num(interval.low),
        "high": num(interval.high),
        "upper": num(upper_bound(k, n, CONFIDENCE)),
        "below_floor": interval.below_floor,
    }


def _category_row(
    name: str,
    shadow: WeightedCategory,
    live: WeightedCategory,
    pair: Any,
    audits: AuditSet,
) -> dict[str, Any]:
    ratio: dict[str, Any] | None = None
    if pair is not None and pair.pairs > 0:
        result = paired_rate_ratio_interval(
            pair.both, pair.only_shadow, pair.only_live, pair.pairs, CONFIDENCE
        )
        ratio = {
            "pairs": pair.pairs,
            "both": pair.both,
            "only_shadow": pair.only_shadow,
            "only_live": pair.only_live,
            "estimate": num(result.estimate),
            "low": num(result.low),
            "high": num(result.high),
            "p_value": num(result.p_value),
            "method": result.method,
        }
    audit = audits.audits.get(name)

    return {
        "category": name,
        "shadow": _rate(shadow),
        "live": _rate(live),
        "ratio": ratio,
        "correction": num(audit.correction) if audit else None,
    }


def _change_order(row: dict[str, Any]) -> tuple[int, float, str]:
    """Most changed first; categories below the floor in both arms last."""
    floors = row["shadow"].get("below_floor", True) and row["live"].get(
        "below_floor", True
    )
    ratio = row["ratio"]
    change = abs(math.log(ratio["estimate"])) if ratio and ratio["estimate"] else 0.0

    return (int(bool(floors)), -change, row["category"])


def _settings(
    shadow: list[Body],
    live: list[Body],
    options: ReportOptions,
    window_s: int,
    audits: AuditSet,
    forecast: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "candidate_model": options.model,
        "shadow_arms": sorted({str(b["arm"]) for b in shadow}),
        "live_models": sorted({str(b["model"]) for b in live}),
        "grader_versions": grader_versions(shadow + live),
        "confidence": CONFIDENCE,
        "interval": "Wilson; one-sided Clopper-Pearson upper bound below the floor",
        "ratio_interval": "paired MOVER on the log scale (same prefixes)",
        "time_field": options.time_field,
        "window_seconds": window_s,
        "graded_at": list(time_range(shadow + live, "graded_at")),
        "sampled_at": list(time_range(shadow + live, "sampled_at")),
        "false_alarms_per_30_days": options.false_alarms_per_30_days,
        "grader_audit_source": audits.source,
        "grader_audit_skipped": audits.skipped,
        "forecast_id": forecast.get("id") if forecast else None,
        "forecast_level": forecast.get("level") if forecast else None,
        "structural_sigma": num(forecast.get("structural_sigma")) if forecast else None,
        "include_content": options.include_content,
    }


def _samples(shadow: list[Body], live: list[Body]) -> dict[str, Any]:
    def arm(bodies: list[Body]) -> dict[str, Any]:
        graded = list(graded_only(bodies))
        weights = [float(b.get("weight", 1.0)) for b in graded]
        total, squares = sum(weights), sum(w * w for w in weights)
        return {
            "records": len(bodies),
            "graded": len(graded),
            "not_evaluable": len(bodies) - len(graded),
            "weight": num(total),
            "effective_records": num(total * total / squares) if squares else 0,
        }

    return {"shadow": arm(shadow), "live": arm(live)}


def _audit_rows(audits: AuditSet) -> list[dict[str, Any]]:
    return [
        {
            "category": name,
            "ppv_hits": audit.ppv_hits,
            "ppv_audited": audit.ppv_audited,
            "recall_hits": audit.recall_hits,
            "recall_audited": audit.recall_audited,
            "correction": num(audit.correction),
        }
        for name, audit in sorted(audits.audits.items())
    ]


def drift(
    shadow: list[Body], live: list[Body], options: ReportOptions, window_s: int
) -> dict[str, Any]:
    """Counts per window per arm and category, and the detectors' alarms.

    Each detector's baseline is the pooled rate of its arm and category over the
    whole range, so alarms mark windows that depart from the run's own level. A
    category with no flag in an arm has no baseline and no detector. Below a day,
    the day-to-day wobble is absorbed by that pooled baseline (wobble 0); from a
    day on, the detectors model a 20% daily wobble.
    """
    arms = {"shadow": shadow, "live": live}
    windows: dict[str, WindowCounts] = {}
    for arm, bodies in arms.items():
        counts = WindowCounts(window_s)
        for body in graded_only(bodies):
            stamp = body.get(options.time_field)
            if not stamp:
                continue
            at = datetime.fromisoformat(str(stamp))
            for category, flagged in body["flags"].items():
                counts.add(at, category, int(bool(flagged)), 1)
        windows[arm] = counts

    starts = sorted(set().union(*(w.buckets for w in windows.values())))
    if starts:
        starts = list(range(starts[0], starts[-1] + window_s, window_s))
    span_s = len(starts) * window_s
    wobble = 0.2 if span_s >= DAY_S else 0.0
    per_day = max(1, DAY_S // window_s)
    series = _series(windows, starts)
    detectors = sum(1 for s in series if s["baseline"] is not None)
    arl0 = arl0_for_budget(
        max(detectors, 1), per_day, (options.false_alarms_per_30_days, 30.0)
    )
    for entry in series:
        _detect(entry, arl0, wobble, per_day)

    return {
        "window_seconds": window_s,
        "window_starts": [datetime.fromtimestamp(s, UTC).isoformat() for s in starts],
        "detectors": detectors,
        "arl0_windows": num(arl0),
        "wobble": wobble,
        "rise": 1.7,
        "fall": 0.5,
        "series": series,
    }


def _series(
    windows: dict[str, WindowCounts], starts: list[int]
) -> list[dict[str, Any]]:
    series: list[dict[str, Any]] = []
    for arm, counts in windows.items():
        categories = sorted({c for b in counts.buckets.values() for c in b})
        for category in categories:
            points: list[dict[str, Any]] = []
            for start in starts:
                cell = counts.buckets.get(start, {}).get(category)
                k, n = (cell.events, cell.trials) if cell else (0, 0)
                points.append(
                    {"events": k, "trials": n, "rate": num(k / n) if n else None}
                )
            k_total = sum(p["events"] for p in points)
            n_total = sum(p["trials"] for p in points)
            baseline = k_total / n_total if n_total and 0 < k_total < n_total else None
            series.append(
                {
                    "arm": arm,
                    "category": category,
                    "baseline": num(baseline),
                    "points": points,
                    "alarms": [],
                }
            )

    return series


def _detect(entry: dict[str, Any], arl0: float, wobble: float, per_day: int) -> None:
    baseline = entry["baseline"]
    if baseline is None:
        return
    busy = [p["trials"] for p in entry["points"] if p["trials"]]
    detector = ChangeDetector(
        baseline,
        arl0,
        wobble=wobble,
        updates_per_day=per_day,
        expected_per_update=baseline * sum(busy) / len(busy),
    )
    for index, point in enumerate(entry["points"]):
        if detector.update(point["events"], point["trials"]):
            entry["alarms"].append({"window": index, "direction": detector.direction})


def examples(
    shadow: list[Body], live: list[Body], names: list[str], options: ReportOptions
) -> list[dict[str, Any]]:
    """Per category, ids of flagged replies per arm (content only if asked for)."""
    found = []
    for name in names:
        entry: dict[str, Any] = {"category": name}
        for arm, bodies in (("shadow", shadow), ("live", live)):
            flagged = sorted(
                (b for b in graded_only(bodies) if b["flags"].get(name)),
                key=lambda b: (str(b["record_id"]), b.get("cut_index") or 0),
            )[: options.examples]
            entry[arm] = [_example(b, options.include_content) for b in flagged]
        if entry["shadow"] or entry["live"]:
            found.append(entry)

    return found


def _example(body: Body, include_content: bool) -> dict[str, Any]:
    example: dict[str, Any] = {"record_id": str(body["record_id"])}
    if body.get("cut_index") is not None:
        example["cut_index"] = body["cut_index"]
    if include_content:
        reply = body.get("reply") or {}
        text = reply.get("text")
        example["content"] = (
            str(text)[:CONTENT_CHARS]
            if text is not None
            else f"(not in the graded record; see {reply.get('ref', 'traffic')})"
        )

    return example
