"""The whole stack on real records, with the stand-in injecting endpoint faults."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from streamer.demo import metrics_match, read_outcomes
from streamer.replay import replay
from streamer.samples import sample_path
from streamer.stack import LocalStack, scrape
from streamer.topics import read_topic

pytestmark = pytest.mark.integration

CONVERSATIONS = 300
FAULTS = (
    "rate_limit=0.1,server_error=0.1,hang=0.02,trickle=0.02,truncate=0.05,"
    "cut_body=0.02,refuse=0.05,disconnect=0.02,quota_after=200,"
    "retry_after_s=0.2,hang_s=30,trickle_interval_s=0.5,seed=7"
)
EXPECTED_REASONS = {"incomplete_reply", "generation_timeout", "quota_exhausted"}


def test_every_endpoint_fault_ends_in_its_outcome_and_nothing_is_lost(
    tmp_path: Path,
) -> None:
    stack = LocalStack(
        tmp_path,
        [sample_path()],
        latency_ms=5,
        standin_faults=FAULTS,
        overrides={
            "concurrency": 16,
            "candidate_deadline_s": 2,
            "candidate_backoff_initial_s": 0.05,
            "candidate_backoff_cap_s": 0.5,
            # Two unrecovered failures in a row open the breaker for a second, so
            # a run this short can show it; how often that happens is not fixed.
            "candidate_breaker_threshold": 2,
            "candidate_breaker_cooldown_s": 1,
        },
    )
    with stack:
        settings = stack.settings
        assert settings is not None
        summary = replay([sample_path()], settings, limit=CONVERSATIONS, progress=False)
        stack.wait_finished(summary.sent, timeout_s=300)
        outcomes = read_outcomes(settings)
        agree = metrics_match(outcomes.tally, stack.metrics_url)
        samples = scrape(stack.metrics_url)
        bodies = list(read_topic(settings.bootstrap_servers, settings.graded_topic))

    shadow = {b["record_id"]: b for b in bodies if b["arm"] == settings.shadow_arm}
    live = {b["record_id"]: b for b in bodies if b["arm"] == "live"}
    by_outcome = Counter((b["outcome"], b.get("reason")) for b in shadow.values())
    report = {
        "records": summary.sent,
        "shadow": {f"{o}/{r}": n for (o, r), n in sorted(by_outcome.items(), key=str)},
        "retries": {
            dict(key)["kind"]: value
            for (name, key), value in samples.items()
            if name == "depsim_model_retries_total" and value
        },
        "breaker_opens": sum(
            v for (n, _), v in samples.items() if n == "depsim_circuit_opens_total"
        ),
    }
    (tmp_path / "fault-run.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))  # the counts the issue asks to report

    # Records the privacy gate dead-letters never reach a model; all others do.
    dead = {letter["record_id"] for letter in outcomes.dead_letters}
    assert set(live) == set(shadow) == set(summary.record_ids) - dead
    assert agree, "estimates differ from the graded topic deduplicated by key"
    reasons = {r for (o, r) in by_outcome if o == "not_evaluable"}
    assert reasons >= EXPECTED_REASONS
    assert by_outcome[("graded", "refusal")] > 0
    assert all(b["flags"] == {} for b in shadow.values() if b["outcome"] != "graded")
