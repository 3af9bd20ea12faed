"""The benchmark's view of the stack's processes: who they are, what CPU they used."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.throughput import _running, cpu_seconds, stack_processes

BUSY = (
    "import time\n"
    "end = time.process_time() + 0.3\n"
    "while time.process_time() < end: pass"
)


def test_a_child_process_is_found_with_its_role_and_its_cpu_time() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", BUSY + "\nimport time; time.sleep(30)", "standin"]
    )
    try:
        processes: dict[int, str] = {}
        for _ in range(50):
            processes = stack_processes()
            used = cpu_seconds({child.pid: "standin"}).get("standin", 0.0)
            if used >= 0.25:
                break
            subprocess.run(["sleep", "0.1"], check=True)

        assert processes.get(child.pid) == "standin"
        assert used >= 0.25
    finally:
        child.kill()
        child.wait()


def test_a_process_that_is_gone_counts_for_nothing() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()

    assert cpu_seconds({child.pid: "worker"}) == {}


def test_an_exited_worker_is_not_running() -> None:
    """A worker that died must stop the wait for its records, not hang it."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()

    assert not _running(child.pid)
    assert not _running(None)
    assert _running(os.getpid())
