"""A whole depsim deployment on loopback: broker, stand-in and worker processes.

The demo, the integration tests and the benchmarks run this same stack; each part is a
real process talking over real sockets.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from streamer.broker import EmbeddedBroker, create_topics, free_port, wait_for_port
from streamer.errors import DepsimError
from streamer.settings import Settings
from streamer.standin import STANDIN_MODEL

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(url: str) -> Samples:
    """A /metrics page as {(sample name, sorted labels): value}."""
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode("utf-8")
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def labels(**values: str) -> tuple[tuple[str, str], ...]:
    """Sorted label pairs, as keys of `scrape`'s result."""
    return tuple(sorted(values.items()))


class LocalStack:
    """Broker, stand-in candidate and one worker, started and stopped together."""

    def __init__(
        self,
        workdir: Path,
        standin_files: list[Path],
        *,
        latency_ms: float = 20.0,
        overrides: dict[str, Any] | None = None,
        standin_faults: str = "",
    ) -> None:
        self.workdir = workdir
        self.standin_faults = standin_faults
        self.standin_files = standin_files
        self.latency_ms = latency_ms
        self.broker = EmbeddedBroker(log_path=workdir / "broker.log")
        self.standin_port = free_port()
        self.web_port = free_port()
        self._overrides = overrides or {}
        self._standin: subprocess.Popen[bytes] | None = None
        self._worker: subprocess.Popen[bytes] | None = None
        self._added: dict[int, subprocess.Popen[bytes]] = {}
        self.settings: Settings | None = None

    @property
    def metrics_url(self) -> str:
        """Where the worker serves its metrics."""
        return f"http://127.0.0.1:{self.web_port}/metrics"

    @property
    def worker_pid(self) -> int | None:
        """The process id of the worker started by `start`, while it runs."""
        return None if self._worker is None else self._worker.pid

    def start(self) -> Settings:
        """Start every part; return the settings the worker runs with."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.broker.start()
        settings = Settings(
            **{
                "bootstrap_servers": self.broker.bootstrap_servers,
                "candidate_base_url": f"http://127.0.0.1:{self.standin_port}/v1",
                "candidate_model": STANDIN_MODEL,
                "group_id": f"depsim-local-{os.getpid()}",
                "web_port": self.web_port,
                # Well above a commit's worst on a loaded 2-core machine (about
                # 10 s was seen just after a restart): past it the consumer leaves
                # the group. Joins are bounded by the rebalance timeout instead.
                "max_poll_interval_s": 60,
                "session_timeout_s": 10,
                "rebalance_timeout_s": 10,
                "record_deadline_s": 8,
                "agentic_max_seconds": 6,
                **self._overrides,
            }
        )
        self.settings = settings
        create_topics(
            settings.bootstrap_servers,
            [settings.traffic_topic, settings.graded_topic, settings.dead_letter_topic],
            settings.topic_partitions,
        )
        self._standin = self._spawn(
            [
                "standin",
                "--port",
                str(self.standin_port),
                "--latency-ms",
                str(self.latency_ms),
                *(["--faults", self.standin_faults] if self.standin_faults else []),
                *map(str, self.standin_files),
            ],
            "standin.log",
        )
        self.start_worker()
        wait_for_port("127.0.0.1", self.standin_port, 60)
        return settings

    def start_worker(self) -> None:
        """Start the worker process (again, after `kill_worker`)."""
        self._worker = self._spawn(["worker"], "worker.log")

    def kill_worker(self, sig: int = signal.SIGKILL) -> None:
        """Stop the worker abruptly (SIGKILL) or gracefully (SIGTERM)."""
        if self._worker is not None:
            _stop(self._worker, sig)
            self._worker = None

    def add_worker(self) -> int:
        """Start one more worker in the same group; return its web port."""
        port = free_port()
        self._added[port] = self._spawn(
            ["worker"], f"worker-{port}.log", {"DEPSIM_WEB_PORT": str(port)}
        )
        return port

    def stop_added_worker(self, port: int, sig: int = signal.SIGTERM) -> None:
        """Stop a worker started by `add_worker` (gracefully by default)."""
        process = self._added.pop(port, None)
        if process is not None:
            _stop(process, sig)

    def finished(self) -> float:
        """Records in the worker's estimates, across restarts; 0 if it is not up."""
        with contextlib.suppress(OSError):
            return scrape(self.metrics_url).get(("depsim_estimate_records", ()), 0.0)
        return 0.0

    def wait_finished(self, count: int, timeout_s: float = 600.0) -> None:
        """Block until the worker reports `count` records handled."""
        deadline = time.monotonic() + timeout_s
        while self.finished() < count:
            if self._worker is None or self._worker.poll() is not None:
                log = self.workdir / "worker.log"
                raise DepsimError(f"the worker is not running; see {log}")
            if time.monotonic() > deadline:
                raise DepsimError(f"not every record was handled in {timeout_s}s")
            time.sleep(0.25)

    def stop(self) -> None:
        """Stop worker, stand-in and broker; safe to call twice."""
        self.kill_worker(signal.SIGTERM)
        for port in list(self._added):
            self.stop_added_worker(port)
        if self._standin is not None:
            _stop(self._standin, signal.SIGTERM)
            self._standin = None
        self.broker.stop()

    def _spawn(
        self,
        args: list[str],
        log_name: str,
        env_overrides: dict[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        assert self.settings is not None
        env = {**os.environ, **_as_env(self.settings), **(env_overrides or {})}
        with (self.workdir / log_name).open("ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "streamer", *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def __enter__(self) -> LocalStack:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _stop(process: subprocess.Popen[bytes], sig: int) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _as_env(settings: Settings) -> dict[str, str]:
    values = settings.model_dump(mode="json", exclude={"candidate_api_key"})
    return {
        f"DEPSIM_{key.upper()}": str(value)
        for key, value in values.items()
        if value is not None
    }
