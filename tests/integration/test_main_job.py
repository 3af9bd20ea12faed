"""The main job end to end: real broker, real worker, stand-in over HTTP, real data."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import pytest
from kafka import KafkaProducer

from streamer.demo import TopicCounts, metrics_match, read_outcomes
from streamer.graded import LIVE_ARM
from streamer.replay import replay
from streamer.samples import sample_path
from streamer.settings import Settings
from streamer.stack import LocalStack, labels, scrape
from streamer.topics import read_topic

pytestmark = pytest.mark.integration

CONVERSATIONS = 250

# Raw messages a misbehaving producer might write, with the reason each must get.
BAD_RECORDS = {
    b"not json at all": "not_json",
    b'{"schema_version": 1, "id": "cut-off': "truncated_json",
    b"\xff\xfe\x00": "invalid_utf8",
    json.dumps(
        {
            "schema_version": 1,
            "id": "bad-no-consent",
            "sampled_at": "2026-11-30T12:00:00Z",
            "source_model": "prod",
            "sampling_probability": 1.0,
            "consent": False,
            "deidentified": True,
            "messages": [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": "hello"},
            ],
        }
    ).encode(): "no_consent",
    json.dumps(
        {
            "schema_version": 1,
            "id": "bad-ends-without-reply",
            "sampled_at": "2026-11-30T12:00:00Z",
            "source_model": "prod",
            "sampling_probability": 1.0,
            "consent": True,
            "deidentified": True,
            "messages": [{"role": "user", "content": "anyone there?"}],
        }
    ).encode(): "no_assistant_turn",
}


@pytest.fixture(scope="module")
def run(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Settings, list[str], LocalStack]]:
    workdir = tmp_path_factory.mktemp("main-job")
    with LocalStack(workdir, [sample_path()], latency_ms=5) as stack:
        settings = stack.settings
        assert settings is not None
        summary = replay([sample_path()], settings, limit=CONVERSATIONS, progress=False)
        producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers)
        for raw in BAD_RECORDS:
            producer.send(settings.traffic_topic, value=raw)
        producer.flush()
        producer.close()

        stack.wait_finished(summary.sent + len(BAD_RECORDS), timeout_s=300)
        yield settings, summary.record_ids, stack


@pytest.fixture(scope="module")
def outcomes(run: tuple[Settings, list[str], LocalStack]) -> TopicCounts:
    settings, _, _ = run
    return read_outcomes(settings)


def graded_bodies(settings: Settings) -> list[dict[str, object]]:
    return list(read_topic(settings.bootstrap_servers, settings.graded_topic))


def test_every_conversation_has_exactly_one_graded_record_per_arm(
    run: tuple[Settings, list[str], LocalStack],
) -> None:
    settings, record_ids, _ = run

    pairs = Counter((b["record_id"], b["arm"]) for b in graded_bodies(settings))

    assert len(record_ids) == CONVERSATIONS
    assert set(pairs.values()) == {1}
    assert {arm for _, arm in pairs} == {LIVE_ARM, settings.shadow_arm}
    assert {rid for rid, _ in pairs} == set(record_ids)


def test_bad_records_are_dead_lettered_with_their_reasons(
    outcomes: TopicCounts,
) -> None:
    reasons = Counter(str(letter["reason"]) for letter in outcomes.dead_letters)

    assert reasons == Counter(BAD_RECORDS.values())


def test_metrics_equal_the_counts_in_the_graded_topic(
    run: tuple[Settings, list[str], LocalStack], outcomes: TopicCounts
) -> None:
    _, _, stack = run

    assert outcomes.tally.counts  # something was graded
    assert metrics_match(outcomes.tally, stack.metrics_url)


def test_the_sliding_window_holds_every_counted_reply(
    run: tuple[Settings, list[str], LocalStack], outcomes: TopicCounts
) -> None:
    _, _, stack = run

    samples = scrape(stack.metrics_url)

    for (arm, model, category), counts in outcomes.tally.counts.items():
        key = labels(arm=arm, model=model, category=category, window="sliding")
        assert samples[("depsim_window_graded", key)] == counts.graded
        assert samples[("depsim_window_flagged", key)] == counts.flagged


def test_metrics_give_the_paired_shadow_over_live_ratio_with_its_interval(
    run: tuple[Settings, list[str], LocalStack], outcomes: TopicCounts
) -> None:
    settings, _, stack = run

    samples = scrape(stack.metrics_url)

    key = (settings.shadow_arm, settings.candidate_model, "refusal")
    ratio = outcomes.tally.pairs[key].ratio()
    series = dict(zip(("arm", "model", "category"), key, strict=True))
    for bound in ("estimate", "low", "high"):
        exported = samples[("depsim_rate_ratio", labels(**series, bound=bound))]
        assert exported == pytest.approx(getattr(ratio, bound))
    graded_arms = Counter(
        str(body["record_id"])
        for body in outcomes.bodies
        if body["outcome"] == "graded"
    )
    assert outcomes.tally.pairs[key].pairs == list(graded_arms.values()).count(2)


def test_rejections_are_counted_by_reason_in_metrics(
    run: tuple[Settings, list[str], LocalStack],
) -> None:
    _, _, stack = run

    samples = scrape(stack.metrics_url)

    for reason, count in Counter(BAD_RECORDS.values()).items():
        key = ("depsim_records_rejected_total", labels(reason=reason))
        assert samples[key] == count


def test_shadow_replies_are_labelled_as_the_standin(
    run: tuple[Settings, list[str], LocalStack],
) -> None:
    settings, _, _ = run

    shadow = [b for b in graded_bodies(settings) if b["arm"] == settings.shadow_arm]

    assert shadow
    assert all(b["standin"] is True for b in shadow)


def test_the_worker_serves_health_and_readiness(
    run: tuple[Settings, list[str], LocalStack],
) -> None:
    import urllib.request

    _, _, stack = run
    base = stack.metrics_url.removesuffix("/metrics")

    with urllib.request.urlopen(base + "/health", timeout=5) as health:
        assert json.load(health)["status"] == "alive"
    with urllib.request.urlopen(base + "/ready", timeout=5) as ready:
        assert json.load(ready)["status"] == "ready"
