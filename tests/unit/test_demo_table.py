"""The demo's rate table names every row's model, and its dead letters' reasons."""

from __future__ import annotations

from streamer.demo import DemoResult, TopicCounts, dead_letter_reasons, format_table
from streamer.graded import LIVE_ARM, GradedRecord
from streamer.tally import Tally
from tests.graded import graded_reply

SHADOW = "shadow:standin-recorded-replies"


def graded(record_id: str, arm: str, model: str) -> GradedRecord:
    return graded_reply(
        record_id=record_id, arm=arm, model=model, standin=arm == SHADOW
    )


def table_of(*records: GradedRecord, dead: list[dict[str, object]]) -> str:
    tally = Tally()
    for record in records:
        tally.add(record)
    topics = TopicCounts(tally, len(records), dead)
    return format_table(DemoResult(2, topics, tally.rows(), True, "http://x"))


def test_live_rows_of_two_production_models_each_name_their_model() -> None:
    table = table_of(
        graded("r1", LIVE_ARM, "prod-a"),
        graded("r2", LIVE_ARM, "prod-b"),
        graded("r1", SHADOW, "standin-recorded-replies"),
        dead=[],
    )

    assert "live (prod-a)" in table
    assert "live (prod-b)" in table
    assert f"{SHADOW} (STAND-IN)" in table


def test_dead_letters_are_counted_by_reason() -> None:
    dead: list[dict[str, object]] = [
        {"reason": "pii_found"},
        {"reason": "pii_found"},
        {"reason": "consent_missing"},
    ]
    topics = TopicCounts(Tally(), 0, dead)

    assert dead_letter_reasons(topics) == {"pii_found": 2, "consent_missing": 1}
