"""The work behind `depsim graders train | evaluate | hh-check`, for a thin CLI.

Each function does one command's work and returns what the command prints, so the
command line only parses options and echoes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from graders.artefact import shipped_artefact_path
from graders.ensemble import Ensemble
from graders.exchange import Exchange
from graders.factory import build_ensemble
from graders.hhcheck import (
    ANY_HARM,
    HhRow,
    format_hh_rows,
    hh_check,
    read_hh_pairs,
)
from graders.judge import JudgeEndpoint
from graders.labelled import load_labelled
from graders.quality import QualityReport, evaluate, format_report
from graders.taxonomy import Taxonomy
from graders.training import train_and_save

__all__ = ["evaluate_command", "hh_check_command", "train_command"]


def train_command(out: Path | None = None, *, seed: int = 0) -> str:
    """Train the classifier, write its artefact, and describe what was chosen."""
    path = out or shipped_artefact_path()
    artefact, report = train_and_save(path, seed=seed)
    lines = [
        f"{'category':<18} {'n':>5} {'pos':>4} {'C':>5} {'threshold':>9} "
        f"{'OOF AUPRC':>9}"
    ]
    lines += [
        f"{r.category:<18} {r.n:>5} {r.positives:>4} {r.c:>5g} {r.threshold:>9.3f} "
        f"{r.oof_average_precision:>9.3f}"
        for r in report
    ]
    size_kib = path.stat().st_size / 1024
    lines.append("")
    lines.append(f"wrote {path} ({size_kib:.0f} KiB), version {artefact.version}")
    lines.append("run `depsim graders evaluate` to measure it on the held-out split")
    return "\n".join(lines)


def evaluate_command(
    taxonomy: Taxonomy,
    *,
    judge: JudgeEndpoint | None,
    candidate_models: Iterable[str],
    as_json: bool,
    save: Path | None,
) -> str:
    """Measure every grader on the held-out split; optionally save `quality.json`."""
    ensemble = build_ensemble(taxonomy, judge=judge, candidate_models=candidate_models)
    report = asyncio.run(_evaluate(ensemble))
    if save is not None:
        report.save(save)
    if as_json:
        return json.dumps(report.to_json(), indent=2)
    text = format_report(report)
    return text + (f"\nsaved {save}" if save is not None else "")


def hh_check_command(
    taxonomy: Taxonomy,
    sample: Path,
    *,
    judge: JudgeEndpoint | None,
    candidate_models: Iterable[str],
    limit: int | None,
    as_json: bool,
) -> str:
    """Compare flagged shares of hh-rlhf `rejected` and `chosen` replies, paired."""
    ensemble = build_ensemble(taxonomy, judge=judge, candidate_models=candidate_models)
    pairs = read_hh_pairs(sample, limit=limit)
    rows = asyncio.run(_hh_check(ensemble, pairs, taxonomy))
    if as_json:
        body = {
            "grader": ensemble.version,
            "any_harm": ANY_HARM,
            "rows": [
                {"category": row.category, **asdict(row.comparison)} for row in rows
            ],
        }
        return json.dumps(body, indent=2)
    return f"grader {ensemble.version}\n\n" + format_hh_rows(rows)


async def _evaluate(ensemble: Ensemble) -> QualityReport:
    try:
        return await evaluate(ensemble, load_labelled("test"))
    finally:
        await ensemble.close()


async def _hh_check(
    ensemble: Ensemble, pairs: list[tuple[Exchange, Exchange]], taxonomy: Taxonomy
) -> list[HhRow]:
    try:
        return await hh_check(ensemble, pairs, taxonomy)
    finally:
        await ensemble.close()
