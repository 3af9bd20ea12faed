"""The demo: broker, stand-in and worker as real processes, on the shipped sample.

It replays the hh-rlhf sample, waits until the worker has handled every record,
reads the graded topic back, and prints per arm and category the counts, rates and
95% intervals, checking that the graded topic and `/metrics` agree.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from streamer.graded import GradedRecord
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


@dataclass(frozen=True)
class DemoResult:
    """What the demo measured, for the table and for tests."""

    sent: int
    topics: TopicCounts
    rows: list[RateRow]
    metrics_agree: bool
    metrics_url: str


def read_outcomes(settings: Settings) -> TopicCounts:
    """Tally the graded topic and collect the dead letters."""
    tally = Tally()
    graded_records = 0
    seen: set[str] = set()
    for body in read_topic(settings.bootstrap_servers, settings.graded_topic):
        graded = GradedRecord.from_json(body)
        graded_records += 1
        if graded.dedupe_key not in seen:  # a redelivery may publish twice
            seen.add(graded.dedupe_key)
            tally.add(graded)
    dead = list(
        read_topic(settings.bootstrap_servers, settings.dead_letter_topic, timeout_s=5)
    )
    return TopicCounts(tally, graded_records, dead)


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
) -> DemoResult:
    """Run the whole main job once, end to end, and return what it measured."""
    samples = [sample_path(), *agentic_sample_paths()]
    # Agent trajectories take many graded steps: the demo allows each record 25 s,
    # which needs a longer poll interval (the broker's group join waits that long).
    overrides = {
        "concurrency": concurrency,
        "max_poll_interval_s": 30,
        "record_deadline_s": 25,
        "agentic_max_seconds": 20,
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

    return DemoResult(
        summary.sent, topics, topics.tally.rows(), agree, stack.metrics_url
    )


def format_table(result: DemoResult) -> str:
    """The demo's rate table, one row per (category, arm)."""
    header = (
        f"{'category':<20} {'arm':<40} {'n':>6} {'flagged':>8} {'rate':>8}"
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
        arm = row.arm + (" (STAND-IN)" if row.model.startswith("standin") else "")
        lines.append(
            f"{row.category:<20} {arm:<40} {row.graded:>6} {row.flagged:>8} "
            f"{rate:>8}  {interval}"
        )
    return "\n".join(lines)
