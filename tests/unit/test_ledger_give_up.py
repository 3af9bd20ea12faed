"""A partition's ledger stops waiting for an offset that never comes, and says so."""

from __future__ import annotations

import logging

import pytest
from prometheus_client import CollectorRegistry

from streamer.estimates import Estimates
from streamer.graded import DeadLetter
from streamer.ledger import MAX_PENDING, Ledger
from streamer.metrics import Metrics
from streamer.pipeline import Processed
from streamer.reasons import Reason


def dead_letter() -> Processed:
    return Processed(
        dead_letter=DeadLetter(
            reason=Reason.NOT_JSON, detail="", record_id=None, stage="parse"
        )
    )


def test_a_ledger_waits_for_a_missing_offset_while_few_are_counted_above() -> None:
    ledger = Ledger()
    for offset in range(1, 101):
        ledger.mark(offset)

    assert (ledger.hole(), ledger.given_up) == (0, 0)


def test_a_ledger_gives_up_a_missing_offset_past_the_pending_limit() -> None:
    ledger = Ledger()
    for offset in range(2, MAX_PENDING + 3):
        ledger.mark(offset)

    assert (ledger.hole(), ledger.given_up) == (None, 2)
    assert ledger.counted(0)


def test_offsets_given_up_survive_the_changelog() -> None:
    ledger = Ledger(watermark=9, given_up=3)

    assert Ledger.from_json(ledger.to_json()).given_up == 3


def test_offsets_given_up_are_logged_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ledgers: dict[int, dict[str, object]] = {}
    metrics = Metrics(CollectorRegistry())
    estimates = Estimates(metrics, ledgers.get, ledgers.__setitem__)

    with caplog.at_level(logging.ERROR, logger="streamer.estimates"):
        for offset in range(1, MAX_PENDING + 2):
            estimates.count(0, offset, dead_letter())

    given_up = metrics.registry.get_sample_value("depsim_offsets_given_up_total")
    assert given_up == 1.0
    assert "given up" in caplog.text
