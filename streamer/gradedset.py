"""Graded records read back for offline use: forecasts, scorecards, reports.

Sources are the graded topic (`read_topic`, from the first offset to the end) or a
JSONL file of the topic's messages (`depsim graded dump`). Records are deduplicated by
(record_id, arm, cut_index, grader_version), the key the estimates count by, so a
redelivered record is counted once.

Counting rules, the same as the worker's tally: only replies with outcome `graded`
count, and a reply counts for a category only when that category is in its flags
(a category no grader could judge is left out, never counted as "not flagged").
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from estimators import Counts
from streamer.errors import DepsimError
from streamer.graded import LIVE_ARM
from streamer.settings import Settings
from streamer.topics import read_topic

SHADOW_PREFIX = "shadow:"

Body = dict[str, Any]


class GradedSourceError(DepsimError):
    """Raised when graded records cannot be read or hold no usable arm."""


def dedupe_key(body: Body) -> tuple[str, str, int | None, str]:
    """(record_id, arm, cut_index, grader_version): one graded reply."""
    return (
        str(body["record_id"]),
        str(body["arm"]),
        body.get("cut_index"),
        str(body.get("grader_version", "")),
    )


def dedupe(bodies: Iterable[Body]) -> list[Body]:
    """The bodies with repeats of a key dropped; the first one seen is kept."""
    seen: set[tuple[str, str, int | None, str]] = set()
    unique = []
    for body in bodies:
        key = dedupe_key(body)
        if key not in seen:
            seen.add(key)
            unique.append(body)

    return unique


def read_jsonl(path: Path) -> list[Body]:
    """Graded records from a JSONL file (one topic message per line)."""
    bodies = []
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                body = json.loads(line)
                if not isinstance(body, dict) or "record_id" not in body:
                    raise GradedSourceError(f"{path}:{number}: not a graded record")
                bodies.append(body)
    except (OSError, ValueError) as exc:
        raise GradedSourceError(f"cannot read graded records from {path}") from exc

    return bodies


def read_graded_topic(settings: Settings, timeout_s: float = 30) -> list[Body]:
    """Every graded record now on the graded topic."""
    return list(
        read_topic(settings.bootstrap_servers, settings.graded_topic, timeout_s)
    )


def load_graded(path: Path | None, settings: Settings | None) -> list[Body]:
    """Deduplicated graded records from `path`, else from the topic of `settings`."""
    if path is not None:
        return dedupe(read_jsonl(path))
    if settings is None:
        raise GradedSourceError("give a file of graded records or --from-topic")

    return dedupe(read_graded_topic(settings))


def write_jsonl(bodies: Iterable[Body], path: Path) -> int:
    """Write graded records one a line; return how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for body in bodies:
            out.write(json.dumps(body, ensure_ascii=False) + "\n")
            count += 1

    return count


def is_shadow(body: Body) -> bool:
    """Whether the record is a candidate's (shadow arm) reply."""
    return str(body["arm"]).startswith(SHADOW_PREFIX)


def shadow_models(bodies: Iterable[Body]) -> list[str]:
    """The candidate models that have shadow records, sorted."""
    return sorted({str(body["model"]) for body in bodies if is_shadow(body)})


def pick_model(bodies: list[Body], model: str | None) -> str:
    """`model` if it has shadow records; the only candidate when `model` is None."""
    models = shadow_models(bodies)
    if model is not None:
        if model not in models:
            raise GradedSourceError(
                f"no shadow records for model {model!r}; found {models or 'none'}"
            )
        return model
    if len(models) != 1:
        raise GradedSourceError(f"choose a candidate with --model among {models}")

    return models[0]


def shadow_of(bodies: Iterable[Body], model: str) -> Iterator[Body]:
    """The shadow-arm records of candidate `model`."""
    return (b for b in bodies if is_shadow(b) and b["model"] == model)


def live_of(bodies: Iterable[Body]) -> Iterator[Body]:
    """The live-arm records."""
    return (b for b in bodies if b["arm"] == LIVE_ARM)


def graded_only(bodies: Iterable[Body]) -> Iterator[Body]:
    """Records with outcome `graded` (the rest are counted but never rated)."""
    return (b for b in bodies if b.get("outcome") == "graded")


@dataclass
class WeightedCategory:
    """Counts of one arm and category, with the sums weighted estimates need."""

    events: int = 0
    trials: int = 0
    weight: float = 0.0
    flagged_weight: float = 0.0
    flagged_weight_sq: float = 0.0

    @property
    def counts(self) -> Counts:
        """Unweighted counts for the estimators."""
        return Counts(self.events, self.trials)

    @property
    def effective_events(self) -> float:
        """Kish effective count of flags: (sum w)^2 / sum w^2 over flagged replies."""
        if self.flagged_weight_sq == 0.0:
            return 0.0

        return self.flagged_weight**2 / self.flagged_weight_sq


def category_counts(bodies: Iterable[Body]) -> dict[str, WeightedCategory]:
    """Per category: flags, graded replies and weights over `bodies`."""
    counts: dict[str, WeightedCategory] = defaultdict(WeightedCategory)
    for body in graded_only(bodies):
        weight = float(body.get("weight", 1.0))
        for category, flagged in body["flags"].items():
            entry = counts[category]
            entry.trials += 1
            entry.weight += weight
            if flagged:
                entry.events += 1
                entry.flagged_weight += weight
                entry.flagged_weight_sq += weight * weight

    return dict(counts)


def plain_counts(bodies: Iterable[Body]) -> dict[str, Counts]:
    """Per category: unweighted (flags, graded replies)."""
    return {name: entry.counts for name, entry in category_counts(bodies).items()}


@dataclass
class PairedCategory:
    """Prefixes graded in both arms for one category, by where the flag fell."""

    pairs: int = 0
    both: int = 0
    only_shadow: int = 0
    only_live: int = 0


def paired_counts(bodies: Iterable[Body], model: str) -> dict[str, PairedCategory]:
    """Per category, counts over prefixes both arms graded for that category.

    A prefix is (record_id, cut_index); a pair counts for a category only when both
    replies were graded and both carry that category in their flags.
    """
    live: dict[tuple[str, int | None], Body] = {}
    shadow: dict[tuple[str, int | None], Body] = {}
    for body in graded_only(bodies):
        prefix = (str(body["record_id"]), body.get("cut_index"))
        if body["arm"] == LIVE_ARM:
            live[prefix] = body
        elif is_shadow(body) and body["model"] == model:
            shadow[prefix] = body

    counts: dict[str, PairedCategory] = defaultdict(PairedCategory)
    for prefix, shadow_body in shadow.items():
        live_body = live.get(prefix)
        if live_body is None:
            continue
        for category, shadow_flag in shadow_body["flags"].items():
            live_flag = live_body["flags"].get(category)
            if live_flag is None:
                continue
            entry = counts[category]
            entry.pairs += 1
            entry.both += bool(shadow_flag and live_flag)
            entry.only_shadow += bool(shadow_flag and not live_flag)
            entry.only_live += bool(live_flag and not shadow_flag)

    return dict(counts)
