"""The demo: broker, stand-in and worker as real processes, on the shipped sample.

It replays the hh-rlhf sample, waits until the worker has handled every record,
reads the graded topic back, and prints per arm and category the counts, rates and
95% intervals, checking that the graded topic and `/metrics` agree.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from estimators import is_below_floor, paired_rate_ratio_interval
from streamer.graded import LIVE_ARM, GradedRecord
from streamer.gradedset import paired_counts, shadow_models
from streamer.replay import replay
from streamer.samples import agentic_sample_paths, sample_path
from streamer.settings import Settings
from streamer.stack import LocalStack, labels, scrape
from streamer.standin import STANDIN_MODEL
from streamer.tally import RateRow, Tally
from streamer.topics import read_topic


@dataclass(frozen=True)
class TopicCounts:
    """What the graded and dead-letter topics hold, tallied."""

    tally: Tally
    graded_records: int
    dead_letters: list[dict[str, object]]
    bodies: list[dict[str, Any]] = field(default_factory=list)  # deduplicated


@dataclass(frozen=True)
class DemoResult:
    """What the demo measured, for the table and for tests."""

    sent: int
    topics: TopicCounts
    rows: list[RateRow]
    metrics_agree: bool
    metrics_url: str
    report: Path | None = None


def read_outcomes(settings: Settings) -> TopicCounts:
    """Tally the graded topic and collect the dead letters."""
    tally = Tally()
    graded_records = 0
    seen: set[str] = set()
    bodies = []
    by_record: dict[str, list[GradedRecord]] = {}
    for body in read_topic(settings.bootstrap_servers, settings.graded_topic):
        graded = GradedRecord.from_json(body)
        graded_records += 1
        if graded.dedupe_key not in seen:  # a redelivery may publish twice
            seen.add(graded.dedupe_key)
            tally.add(graded)
            bodies.append(body)
            by_record.setdefault(graded.record_id, []).append(graded)
    for replies in by_record.values():
        tally.add_pairs(tuple(replies))
    dead = list(
        read_topic(settings.bootstrap_servers, settings.dead_letter_topic, timeout_s=5)
    )
    return TopicCounts(tally, graded_records, dead, bodies)


def metrics_match(tally: Tally, metrics_url: str) -> bool:
    """Whether the worker's estimate counts equal the graded topic's, key by key."""
    samples = scrape(metrics_url)
    for (arm, model, category), counts in tally.counts.items():
        key = labels(arm=arm, model=model, category=category)
        if samples.get(("depsim_estimate_graded_replies", key)) != counts.graded:
            return False
        if samples.get(("depsim_estimate_flagged_replies", key)) != counts.flagged:
            return False
    return True


def run_demo(
    workdir: Path,
    *,
    latency_ms: float = 20.0,
    concurrency: int = 64,
    limit: int | None = None,
    hold_s: float = 0.0,
    say: Callable[[str], object] = print,
    report: bool = True,
) -> DemoResult:
    """Run the whole main job once, end to end, and return what it measured."""
    # Eight of the 61 shipped trajectories: grading a whole agent run costs seconds
    # of CPU on the grading thread, and all 61 together pass the record deadline on
    # two cores. The tests replay every trajectory.
    agentic = agentic_sample_paths()
    samples = [sample_path(), *agentic[:5], *agentic[-3:]]
    # Agent trajectories take many graded steps: the demo allows each record 100 s,
    # below a poll interval of 120 s, and a session that survives a busy machine
    # (Tansu does not let a member it expired rejoin cleanly). The group join waits
    # for the rebalance timeout, kept short.
    overrides = {
        "concurrency": concurrency,
        "max_poll_interval_s": 120,
        "session_timeout_s": 30,
        "rebalance_timeout_s": 10,
        "record_deadline_s": 100,
        "agentic_max_seconds": 90,
    }
    stack = LocalStack(workdir, samples, latency_ms=latency_ms, overrides=overrides)
    with stack:
        settings = stack.settings
        assert settings is not None
        say(
            f"broker {settings.bootstrap_servers}; candidate '{STANDIN_MODEL}' is a "
            "STAND-IN serving recorded replies, not a model"
        )
        summary = replay(samples, settings, limit=limit)
        say(f"replayed {summary.sent} records; rejected: {dict(summary.rejected)}")

        stack.wait_finished(summary.sent)
        topics = read_outcomes(settings)
        agree = metrics_match(topics.tally, stack.metrics_url)
        if hold_s > 0:
            say(f"/metrics stays readable at {stack.metrics_url} for {hold_s:.0f}s")
            time.sleep(hold_s)

    report_path = None
    if report and shadow_models(topics.bodies):
        report_path = write_demo_report(topics.bodies, workdir / "report", say)

    return DemoResult(
        summary.sent,
        topics,
        topics.tally.rows(),
        agree,
        stack.metrics_url,
        report_path,
    )


def write_demo_report(
    bodies: list[dict[str, Any]], out_dir: Path, say: Callable[[str], object]
) -> Path:
    """The release report of this run; its forecast check is within the run."""
    from streamer.report import ReportOptions, write_report

    say("writing the release report (drift detectors take a few seconds)...")
    files = write_report(bodies, ReportOptions(model=shadow_models(bodies)[0]), out_dir)
    return files.index


def format_table(result: DemoResult) -> str:
    """The demo's rate table, one row per (category, arm, model).

    Live rows name the production model that wrote the replies (the samples mix
    several); shadow rows say when their candidate is the stand-in.
    """
    header = (
        f"{'category':<20} {'arm (model)':<48} {'n':>6} {'flagged':>8} {'rate':>8}"
        "  95% interval (Wilson)"
    )
    lines = [header, "-" * len(header)]
    for row in result.rows:
        if row.below_floor:
            rate = f"<{row.upper:.4f}"
            interval = f"below floor; one-sided upper bound {row.upper:.4f}"
        else:
            rate = f"{row.estimate:.4f}"
            interval = f"[{row.low:.4f}, {row.high:.4f}]"
        lines.append(
            f"{row.category:<20} {_arm_label(row):<48} {row.graded:>6} "
            f"{row.flagged:>8} {rate:>8}  {interval}"
        )
    lines += ["", *format_pairs(result.topics.bodies)]
    return "\n".join(lines)


# Characters of a live row's production model shown in the table.
MODEL_WIDTH = 40


def _arm_label(row: RateRow) -> str:
    if row.model.startswith("standin"):
        return f"{row.arm} (STAND-IN)"
    if row.arm == LIVE_ARM:
        return f"{row.arm} ({row.model[:MODEL_WIDTH]})"
    return row.arm


def dead_letter_reasons(topics: TopicCounts) -> Counter[str]:
    """Dead letters by reason code."""
    return Counter(str(body.get("reason", "unknown")) for body in topics.dead_letters)


def format_pairs(bodies: list[dict[str, Any]]) -> list[str]:
    """Per category, shadow/live rate ratio on the same prefixes, paired 95%."""
    lines = []
    for model in shadow_models(bodies):
        standin = " (STAND-IN)" if model.startswith("standin") else ""
        lines.append(
            f"shadow {model}{standin} / live, same prefixes "
            "(paired 95% interval; both = flagged in both arms)"
        )
        header = (
            f"{'category':<20} {'pairs':>6} {'both':>5} {'only shadow':>11} "
            f"{'only live':>9} {'ratio':>7}  95% interval"
        )
        lines += [header, "-" * len(header)]
        for category, pair in sorted(paired_counts(bodies, model).items()):
            if pair.pairs == 0:
                continue
            ratio = paired_rate_ratio_interval(
                pair.both, pair.only_shadow, pair.only_live, pair.pairs
            )
            shadow, live = pair.both + pair.only_shadow, pair.both + pair.only_live
            high = "inf" if math.isinf(ratio.high) else f"{ratio.high:.3g}"
            interval = f"[{ratio.low:.3g}, {high}]"
            floors = [
                arm
                for arm, k in (("shadow", shadow), ("live", live))
                if is_below_floor(k, pair.pairs)
            ]
            if shadow + live == 0:
                estimate, interval = "-", "no flag in either arm: below floor"
            else:
                estimate = f"{ratio.estimate:.3g}"
                if floors:
                    interval += f"  ({' and '.join(floors)} below floor)"
            lines.append(
                f"{category:<20} {pair.pairs:>6} {pair.both:>5} "
                f"{pair.only_shadow:>11} {pair.only_live:>9} {estimate:>7}  {interval}"
            )
    return lines
