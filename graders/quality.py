"""Grader quality on the held-out labelled split: precision, recall, false positives.

`depsim graders evaluate` runs the ensemble on every held-out item once and reads
each member's own result from it, so one pass measures rules, classifier, judge (if
configured) and the ensemble's combined verdict. Per grader and category it counts
the confusion table and gives precision (PPV), recall and false-positive rate with
95% Wilson intervals, plus AUPRC where a grader's scores are graded, not binary.

A non-result (`not_evaluable`, `grader_error`) or a missing verdict is counted
apart (`non_results`), never as a negative. The saved `quality.json` keeps hits
and audited counts next to each estimate, so the estimators can carry the audit's
own uncertainty when they correct rates for grader error. PPV depends on the
prevalence of the labelled set (given as `prevalence`); recall and false-positive
rate do not, so they are what transfers to production traffic.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from sklearn.metrics import average_precision_score

from graders.base import Grader
from graders.ensemble import Ensemble
from graders.errors import LabelledDataError
from graders.labelled import SPLIT_SALT, TEST_EVERY, LabelledItem
from graders.stats import Proportion, proportion
from graders.verdicts import GraderResult, Status

__all__ = [
    "QUALITY_FORMAT",
    "CategoryQuality",
    "QualityReport",
    "evaluate",
    "format_report",
    "shipped_quality_path",
]

QUALITY_FORMAT = 1
BATCH = 64


@dataclass
class _Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    non_results: int = 0
    sources: set[str] = field(default_factory=set)
    labels: list[bool] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CategoryQuality:
    """How one grader did on one category of the held-out split."""

    grader: str
    version: str
    category: str
    sources: tuple[str, ...]
    tp: int
    fp: int
    fn: int
    tn: int
    non_results: int
    auprc: float | None

    @property
    def n(self) -> int:
        """Items with a verdict and a known label."""
        return self.tp + self.fp + self.fn + self.tn

    @property
    def positives(self) -> int:
        """Items labelled positive among them."""
        return self.tp + self.fn

    @property
    def precision(self) -> Proportion:
        """PPV: flagged items that are labelled positive."""
        return proportion(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> Proportion:
        """Labelled positives that were flagged."""
        return proportion(self.tp, self.tp + self.fn)

    @property
    def false_positive_rate(self) -> Proportion:
        """Labelled negatives that were flagged."""
        return proportion(self.fp, self.fp + self.tn)

    def to_json(self) -> dict[str, Any]:
        """The row as stored in `quality.json`."""
        return {
            "grader": self.grader,
            "version": self.version,
            "category": self.category,
            "sources": list(self.sources),
            "n": self.n,
            "positives": self.positives,
            "prevalence": round(self.positives / self.n, 4) if self.n else None,
            "confusion": {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn},
            "non_results": self.non_results,
            "ppv": self.precision.to_json(),
            "recall": self.recall.to_json(),
            "false_positive_rate": self.false_positive_rate.to_json(),
            "auprc": None if self.auprc is None else round(self.auprc, 4),
        }


@dataclass(frozen=True)
class QualityReport:
    """All rows of one evaluation, and what was evaluated."""

    rows: tuple[CategoryQuality, ...]
    versions: dict[str, str]
    unmeasured: tuple[str, ...]
    items: int

    def to_json(self) -> dict[str, Any]:
        """The report as `quality.json`: no timestamps, so reruns diff cleanly."""
        return {
            "format": QUALITY_FORMAT,
            "generated_by": "depsim graders evaluate",
            "split": {
                "name": "test",
                "salt": SPLIT_SALT,
                "fraction": f"1/{TEST_EVERY}",
                "items": self.items,
            },
            "versions": self.versions,
            "unmeasured_categories": list(self.unmeasured),
            "results": [row.to_json() for row in self.rows],
        }

    def save(self, path: Path) -> None:
        """Write the report as indented JSON."""
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")


def shipped_quality_path() -> Path:
    """Where the package keeps the measured quality of its graders."""
    return Path(str(resources.files("graders").joinpath("quality.json")))


async def evaluate(ensemble: Ensemble, items: Sequence[LabelledItem]) -> QualityReport:
    """Grade every held-out item with the ensemble and score each grader."""
    if any(item.split != "test" for item in items):
        raise LabelledDataError("evaluate measures the held-out test split only")
    counts: dict[tuple[str, str], _Counts] = defaultdict(_Counts)
    versions: dict[str, str] = {ensemble.name: ensemble.version}

    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        results = await asyncio.gather(*(ensemble.grade(i.exchange()) for i in batch))
        for item, result in zip(batch, results, strict=True):
            for graded, grader in _with_members(result, ensemble):
                versions[graded.grader] = graded.version
                _count(counts, graded, grader, item)

    rows = tuple(
        _row(grader, versions[grader], category, tally)
        for (grader, category), tally in sorted(counts.items())
    )
    labelled = {category for item in items for category in item.labels}
    unmeasured = tuple(sorted(ensemble.categories - labelled))
    return QualityReport(rows, versions, unmeasured, len(items))


def _with_members(
    result: GraderResult, ensemble: Ensemble
) -> Iterable[tuple[GraderResult, Grader]]:
    yield result, ensemble
    for member in result.members:
        yield member, ensemble.members[member.grader]


def _count(
    counts: dict[tuple[str, str], _Counts],
    result: GraderResult,
    grader: Grader,
    item: LabelledItem,
) -> None:
    verdicts = {v.category: v for v in result.verdicts} if result.ok else {}
    for category, label in item.labels.items():
        if category not in grader.categories:
            continue
        tally = counts[(result.grader, category)]
        tally.sources.add(item.source)
        verdict = verdicts.get(category)
        if verdict is None or result.status is not Status.OK:
            tally.non_results += 1
            continue
        score = verdict.confidence if verdict.flagged else 1 - verdict.confidence
        tally.labels.append(label)
        tally.scores.append(score)
        if verdict.flagged:
            tally.tp += label
            tally.fp += not label
        else:
            tally.fn += label
            tally.tn += not label


def _row(grader: str, version: str, category: str, tally: _Counts) -> CategoryQuality:
    graded_scores = len(set(tally.scores)) > 2
    both_classes = 0 < sum(tally.labels) < len(tally.labels)
    auprc = (
        float(average_precision_score(tally.labels, tally.scores))
        if graded_scores and both_classes
        else None
    )
    return CategoryQuality(
        grader=grader,
        version=version,
        category=category,
        sources=tuple(sorted(tally.sources)),
        tp=tally.tp,
        fp=tally.fp,
        fn=tally.fn,
        tn=tally.tn,
        non_results=tally.non_results,
        auprc=auprc,
    )


def format_report(report: QualityReport) -> str:
    """The report as a fixed-width table, one row per grader and category."""
    header = (
        f"{'grader':<10} {'category':<18} {'n':>4} {'pos':>4} {'TP':>4} {'FP':>4} "
        f"{'FN':>4} {'TN':>4}  {'precision [95% CI]':<20} {'recall [95% CI]':<20} "
        f"{'FPR [95% CI]':<20} {'AUPRC':>5}"
    )
    lines = [header, "-" * len(header)]
    for row in report.rows:
        auprc = "" if row.auprc is None else f"{row.auprc:.3f}"
        lines.append(
            f"{row.grader:<10} {row.category:<18} {row.n:>4} {row.positives:>4} "
            f"{row.tp:>4} {row.fp:>4} {row.fn:>4} {row.tn:>4}  "
            f"{_interval(row.precision):<20} {_interval(row.recall):<20} "
            f"{_interval(row.false_positive_rate):<20} {auprc:>5}"
        )
    lines.append("")
    lines.append(
        f"held-out items: {report.items}; non-results are counted apart, never as "
        "negatives"
    )
    if report.unmeasured:
        lines.append(f"no labelled data for: {', '.join(report.unmeasured)}")
    return "\n".join(lines)


def _interval(value: Proportion) -> str:
    if value.estimate is None or value.low is None or value.high is None:
        return "n/a"
    return f"{value.estimate:.2f} [{value.low:.2f}, {value.high:.2f}]"
