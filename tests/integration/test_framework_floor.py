"""The framework-floor benchmark reads every record with both consumers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def test_the_floor_benchmark_times_both_consumers_over_every_record(
    tmp_path: Path,
) -> None:
    report = tmp_path / "floor.json"

    command = ["-m", "bench.framework_floor", "--records", "300", "--sends", "1"]
    subprocess.run(
        [sys.executable, *command, "--json", str(report)],
        check=True,
        timeout=180,
        cwd=Path(__file__).parents[2],
    )

    rates = json.loads(report.read_text(encoding="utf-8"))
    assert (rates["records"], rates["sends"]) == (300, 1)
    assert rates["raw_per_s"] > 0
    assert rates["agent_per_s"] > 0
    assert rates["ratio"] == pytest.approx(rates["agent_per_s"] / rates["raw_per_s"])
