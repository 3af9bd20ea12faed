"""Freeze a candidate's forecast from its shadow arm; score it against the live arm.

The statistics are `estimators.make_forecast` and `estimators.score_forecast`; this
module chooses the inputs (which graded records, which grader audits) and writes
the results as JSON and as a table. A frozen forecast is a JSON file: the
estimators' `Forecast.to_dict` plus a `provenance` block saying what it was made
from, so a later score can be traced to it.

Grader audits come from `graders/quality.json`: the ensemble's PPV and recall
counts per category, used only when the audited ensemble version is the one that
graded the records (a changed grader needs a new audit; DESIGN: re-baseline).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from estimators import Forecast, GraderAudit, Scorecard, make_forecast, score_forecast
from graders.quality import shipped_quality_path
from streamer.gradedset import (
    Body,
    GradedSourceError,
    live_of,
    plain_counts,
    shadow_of,
)

ENSEMBLE = "ensemble"


@dataclass(frozen=True, slots=True)
class AuditSet:
    """Grader audits per category, and where they came from."""

    audits: dict[str, GraderAudit]
    source: str
    version: str | None
    skipped: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "source": self.source,
            "ensemble_version": self.version,
            "skipped": self.skipped,
            "categories": {
                name: {
                    "ppv_hits": audit.ppv_hits,
                    "ppv_audited": audit.ppv_audited,
                    "recall_hits": audit.recall_hits,
                    "recall_audited": audit.recall_audited,
                    "correction": audit.correction,
                }
                for name, audit in sorted(self.audits.items())
            },
        }


def load_audits(grader_versions: Iterable[str], path: Path | None = None) -> AuditSet:
    """The ensemble's audits from quality.json, if it audited this grader version."""
    source = path or shipped_quality_path()
    try:
        quality = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GradedSourceError(f"cannot read grader quality {source}") from exc

    audited = quality.get("versions", {}).get(ENSEMBLE)
    versions = {v.removeprefix(f"{ENSEMBLE}@") for v in grader_versions}
    if versions and versions != {audited}:
        reason = f"records graded by {sorted(versions)}, audit is of {audited}"
        return AuditSet({}, str(source), audited, skipped=reason)

    audits = {}
    for row in quality.get("results", []):
        if row.get("grader") != ENSEMBLE:
            continue
        ppv, recall = row["ppv"], row["recall"]
        if ppv["audited"] and recall["audited"]:
            audits[row["category"]] = GraderAudit(
                ppv["hits"], ppv["audited"], recall["hits"], recall["audited"]
            )

    return AuditSet(audits, str(source), audited)


def grader_versions(bodies: Iterable[Body]) -> list[str]:
    """The grader versions that graded `bodies`, sorted."""
    return sorted({str(body.get("grader_version", "")) for body in bodies})


def time_range(bodies: Iterable[Body], field: str) -> tuple[str | None, str | None]:
    """Earliest and latest value of a timestamp field (ISO 8601 strings)."""
    stamps = sorted(
        datetime.fromisoformat(str(body[field])) for body in bodies if body.get(field)
    )
    if not stamps:
        return None, None

    return stamps[0].isoformat(), stamps[-1].isoformat()


def freeze(
    bodies: list[Body],
    model: str,
    created_at: datetime,
    *,
    audits: AuditSet | None = None,
    level: float = 0.9,
) -> dict[str, Any]:
    """The forecast of `model`'s live rates from its shadow records, as JSON data."""
    shadow = list(shadow_of(bodies, model))
    if not shadow:
        raise GradedSourceError(f"no shadow records for model {model!r}")
    counts = plain_counts(shadow)
    audit_set = audits or load_audits(grader_versions(shadow))
    digest = hashlib.sha256(
        json.dumps(
            {name: [c.events, c.trials] for name, c in sorted(counts.items())}
        ).encode()
    ).hexdigest()[:10]
    forecast_id = f"{model}-{created_at.strftime('%Y%m%dT%H%M%SZ')}-{digest}"

    forecast = make_forecast(
        forecast_id,
        created_at,
        model,
        counts,
        audits=audit_set.audits,
        level=level,
    )
    data = forecast.to_dict()
    data["provenance"] = {
        "arm": str(shadow[0]["arm"]),
        "standin": any(bool(body.get("standin")) for body in shadow),
        "shadow_records": len(shadow),
        "graded_records": sum(body.get("outcome") == "graded" for body in shadow),
        "grader_versions": grader_versions(shadow),
        "sampled_at": list(time_range(shadow, "sampled_at")),
        "graded_at": list(time_range(shadow, "graded_at")),
        "grader_audits": audit_set.to_dict(),
    }

    return data


def read_forecast(path: Path) -> tuple[Forecast, dict[str, Any]]:
    """A frozen forecast and its JSON data (with provenance)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Forecast.from_dict(data), data
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise GradedSourceError(f"{path} is not a frozen forecast") from exc


def score(
    forecast: Forecast, bodies: list[Body], *, within_run: bool = False
) -> tuple[Scorecard, dict[str, Any]]:
    """Score `forecast` against the live records of `bodies`; JSON data too."""
    live = list(live_of(bodies))
    if not live:
        raise GradedSourceError("no live records to score the forecast against")
    scorecard = score_forecast(forecast, plain_counts(live))
    data = scorecard.to_dict()
    data["live"] = {
        "records": len(live),
        "graded_at": list(time_range(live, "graded_at")),
        "sampled_at": list(time_range(live, "sampled_at")),
        "grader_versions": grader_versions(live),
    }
    data["within_run"] = within_run

    return scorecard, data


def format_forecast(data: Mapping[str, Any]) -> str:
    """A frozen forecast as a table: one row per category."""
    standin = data.get("provenance", {}).get("standin")
    title = f"forecast {data['id']} ({data['level']:.0%} predictive band)"
    if standin:
        title += "  [candidate is a STAND-IN, not a model]"
    header = (
        f"{'category':<20} {'k':>5} {'n':>6} {'rate':>10} {'band low':>10} "
        f"{'band high':>10} {'x PPV/recall':>12}"
    )
    lines = [title, header, "-" * len(header)]
    for band in data["categories"]:
        rate = "below floor" if band["below_floor"] else f"{band['rate']:.4g}"
        lines.append(
            f"{band['category']:<20} {band['events']:>5} {band['trials']:>6} "
            f"{rate:>10} {band['low']:>10.4g} {band['high']:>10.4g} "
            f"{band['correction']:>12.3g}"
        )

    return "\n".join(lines)


def format_scorecard(scorecard: Scorecard, *, within_run: bool = False) -> str:
    """The scorecard table: SME against its funnel, direction, band, miss."""
    title = f"scorecard of forecast {scorecard.forecast_id}"
    if within_run:
        title += "  (WITHIN-RUN CHECK on the same prefixes, not a release)"
    header = (
        f"{'category':<20} {'forecast':>9} {'live':>9} {'SME':>7} {'funnel 90%':>10}"
        f" {'live vs fc':>10} {'in band':>8} {'miss':>5}"
    )
    lines = [title, header, "-" * len(header)]
    for row in scorecard.rows:
        live = "-" if row.live_rate is None else f"{row.live_rate:.4g}"
        if row.live_below_floor:
            live = f"<{row.live_floor:.3g}"
        lines.append(
            f"{row.category:<20} {row.forecast_rate:>9.4g} {live:>9} "
            f"{_num(row.sme):>7} {_num(row.funnel_high):>10} "
            f"{row.direction or '-':>10} {_yes(row.live_in_band):>8} "
            f"{'MISS' if row.forecast_miss else 'no':>5}"
        )
    outside = sum(row.within_funnel is False for row in scorecard.rows)
    lines.append(
        f"{outside} of {len(scorecard.rows)} categories outside the 90% noise funnel"
    )

    return "\n".join(lines)


def _num(value: float | None) -> str:
    if value is None:
        return "-"

    return "inf" if math.isinf(value) else f"{value:.3g}"


def _yes(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")
