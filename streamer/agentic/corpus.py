"""Agent trajectories read from files into validated traffic records."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from streamer.adapters import read_source
from streamer.parse import parse_record
from streamer.records import TrafficRecord
from streamer.samples import agentic_sample_paths

MAX_TRAJECTORY_BYTES = 64 * 1024 * 1024


def load_trajectories(
    paths: Iterable[Path] | None = None, *, attest_consent: bool = False
) -> list[TrafficRecord]:
    """Every record in `paths` (the shipped trajectories by default), validated.

    `attest_consent` is passed to adapters that need it (OpenAI chat JSONL); the
    agent-log adapters attest their public research data themselves. Items an
    adapter could not read are skipped; a record that fails validation raises
    `RecordRejected`, as it would be dead-lettered in the worker.
    """
    records = []
    for path in agentic_sample_paths() if paths is None else paths:
        for item in read_source(path, attest_consent=attest_consent):
            if item.record is None:
                continue
            raw = json.dumps(item.record, ensure_ascii=False).encode("utf-8")
            records.append(parse_record(raw, MAX_TRAJECTORY_BYTES))
    return records
