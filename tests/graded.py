"""Graded records for tests: a graded live reply unless told otherwise."""

from __future__ import annotations

from typing import Any

from streamer.graded import LIVE_ARM, GradedRecord


def graded_reply(**fields: Any) -> GradedRecord:
    """A graded record with plain defaults; `fields` override any of them."""
    defaults: dict[str, Any] = {
        "record_id": "r",
        "arm": LIVE_ARM,
        "model": "prod",
        "standin": False,
        "outcome": "graded",
        "weight": 1.0,
        "sampled_at": "2026-12-03T00:00:00Z",
        "graded_at": "2026-12-03T00:00:01Z",
        "grader_version": "test@1",
        "flags": {"refusal": False},
    }
    return GradedRecord(**(defaults | fields))
