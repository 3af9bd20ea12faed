"""Throughput, latency, memory and CPU benchmark of the depsim worker.

    python -m bench.throughput [--settings 1:256,200:256,2000:32] [--workers 1,2]
                               [--graders ensemble|rules] [--json PATH]

Every figure comes from one run on this machine, so ratios are comparable even when
the machine is shared. Per stand-in latency L and per worker count N, a fresh stack
(embedded broker, stand-in, N worker processes in one consumer group, as
`streamer.stack.LocalStack` runs them):

* **throughput**: a burst of records is published, and conversations per second are
  timed from the first publish until the worker's ledgers count the last record;
  reported against the in-flight bound C/L (C = `concurrency` per worker), with
  the CPU time each process of the stack spent per conversation meanwhile (from
  /proc: workers, stand-in, broker), which shows what the rate is bound by.
* **latency**: records are then published at a steady pace below that rate, and the
  Kafka timestamp of each traffic message is matched with those of its graded
  messages: p50 and p99 from consume to graded record (plus broker hand-over).
* **raw consumer**: at the lowest latency, an aiokafka consumer (no group) reads the
  same traffic topic, and depsim's rate is reported as a share of its rate.

`--graders` picks the workers' grader panel (`DEPSIM_GRADERS`): the issue's
raw-consumer comparison is defined with the rule graders (`rules`).

Then a long run at the lowest latency samples the worker's RSS from /proc (peak,
after warm-up, at the end), and an in-process profile runs `Runtime.handle`'s stages
one by one on raw records against a stand-in, with `time.process_time` (every thread
of the process, so grader threads count) and cProfile for the top functions.

Records are the shipped hh-rlhf conversations re-published with new ids, so the
stand-in still answers every one of them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import itertools
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, TopicPartition  # type: ignore[import-untyped]
from kafka import KafkaProducer

from streamer.adapters import read_source
from streamer.broker import free_port, wait_for_port
from streamer.samples import sample_path
from streamer.settings import Settings
from streamer.stack import LocalStack, scrape

if TYPE_CHECKING:
    from graders import Taxonomy
    from graders.factory import PanelName
    from streamer.panel import GraderPanel

MS = 1000.0
# The stack's short test limits would dead-letter records queued behind a busy grader.
PRODUCTION_LIMITS = {"max_poll_interval_s": 300, "record_deadline_s": 120}
# Profile stages timed outside `Runtime.handle`; the rest are parts of it.
AFTER_HANDLE = ("whole_handle", "produce_serialise", "estimators_and_metrics")
BACKLOG = 5000  # records published ahead of the worker in the memory run
POLL_MIN_S, POLL_MAX_S = 0.1, 2.0  # between scrapes of the workers' progress
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Setting:
    """The figures of one stand-in latency."""

    latency_ms: float
    concurrency: int
    records: int
    seconds: float
    rate: float
    bound: float
    rate_over_bound: float
    workers: int = 1
    graders: str = "ensemble"
    cpu_ms_per_conversation: dict[str, float] = field(default_factory=dict)
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None
    latency_samples: int = 0
    raw_consumer_rate: float | None = None
    rate_over_raw: float | None = None


@dataclass
class Memory:
    """The worker's resident memory over a long run."""

    records: int
    seconds: float
    rate: float
    warmup_records: int
    rss_warmup_mib: float
    rss_end_mib: float
    rss_peak_mib: float
    end_over_warmup: float
    samples: list[tuple[int, float]] = field(default_factory=list)


# ---------------------------------------------------------------- records


def conversations() -> list[dict[str, Any]]:
    """The shipped hh-rlhf conversations as traffic records."""
    items = read_source(sample_path(), "auto", attest_consent=False)
    return [item.record for item in items if item.record is not None]


def encoded(base: list[dict[str, Any]], count: int, tag: str) -> Iterator[bytes]:
    """`count` records cycling through `base`, each with a new id."""
    for index in range(count):
        record = dict(base[index % len(base)])
        record["id"] = f"{record['id']}-{tag}-{index}"
        yield json.dumps(record, ensure_ascii=False).encode("utf-8")


def producer(settings: Settings) -> KafkaProducer:
    return KafkaProducer(
        bootstrap_servers=settings.bootstrap_servers.split(","),
        linger_ms=5,
        batch_size=256 * 1024,
        max_request_size=settings.record_max_bytes + 4096,
    )


def publish(
    settings: Settings, raws: Iterator[bytes], pace: float | None = None
) -> int:
    """Send records to the traffic topic, at `pace` records/s if given."""
    sender = producer(settings)
    start = time.monotonic()
    sent = 0
    for raw in raws:
        if pace is not None:
            delay = start + sent / pace - time.monotonic()
            if delay > 0:
                sender.flush()
                time.sleep(delay)
        sender.send(settings.traffic_topic, value=raw)
        sent += 1
    sender.flush()
    sender.close()
    return sent


# ---------------------------------------------------------------- the stack


def wait_ready(stack: LocalStack, timeout_s: float = 120.0) -> None:
    """Block until the worker has joined its group and recovered its table."""
    url = stack.metrics_url.removesuffix("/metrics") + "/ready"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(url, timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.25)
    raise RuntimeError("the worker never became ready")


class Workers:
    """The stack's workers seen together: one consumer group, ledgers split."""

    def __init__(self, stack: LocalStack, count: int) -> None:
        self.stack = stack
        self.urls = [stack.metrics_url]
        for _ in range(count - 1):
            port = stack.add_worker()
            self.urls.append(f"http://127.0.0.1:{port}/metrics")

    def wait_ready(self, timeout_s: float = 180.0) -> None:
        """Block until every worker is ready and owns traffic partitions.

        A worker exports only the ledgers of the partitions it owns, so counts are
        summed over workers only once the group has settled.
        """
        wait_ready(self.stack, timeout_s)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                owned = [
                    scrape(url).get(("depsim_assigned_partitions", ()), 0.0)
                    for url in self.urls
                ]
                if all(owned):
                    return
            time.sleep(0.5)
        raise RuntimeError("the workers never shared the partitions")

    def finished(self) -> float:
        """Records in the estimates of all workers."""
        total = 0.0
        for url in self.urls:
            with contextlib.suppress(OSError):
                total += scrape(url).get(("depsim_estimate_records", ()), 0.0)
        return total

    def wait_finished(self, count: int, timeout_s: float = 3600.0) -> None:
        """Block until the workers together report `count` records handled.

        A scrape costs a worker its whole export (every rate's interval and the
        registry's text), so polling 4 times a second took 8% of its CPU under
        py-spy: polls come a quarter of the expected time to go apart, between
        0.1 and 2 seconds, close together only near the end.
        """
        started = time.monotonic()
        deadline = started + timeout_s
        first = done = self.finished()
        while done < count:
            if not _running(self.stack.worker_pid):
                log = self.stack.workdir / "worker.log"
                raise RuntimeError(f"the worker is not running; see {log}")
            now = time.monotonic()
            if now > deadline:
                raise RuntimeError(f"not every record was handled in {timeout_s}s")
            rate = (done - first) / (now - started) if now > started else 0.0
            to_go = (count - done) / rate if rate > 0 else POLL_MAX_S
            time.sleep(min(max(to_go / 4, POLL_MIN_S), POLL_MAX_S))
            done = self.finished()


def _running(pid: int | None) -> bool:
    """Whether a process exists and has not exited (a zombie has)."""
    if pid is None:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stack_processes() -> dict[int, str]:
    """This process's children, by role: `worker`, `standin` or `broker`."""
    roles: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) != os.getpid():
                continue
            pid = int(stat.parent.name)
            command = (stat.parent / "cmdline").read_bytes().split(b"\0")
            role = next(
                (r for r in ("worker", "standin") if r.encode() in command), "broker"
            )
            roles[pid] = role
    return roles


def cpu_seconds(pids: dict[int, str]) -> dict[str, float]:
    """User plus system CPU seconds so far, summed per role."""
    by_role: dict[str, float] = {}
    for pid, role in pids.items():
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks = int(fields[11]) + int(fields[12])  # utime, stime
            by_role[role] = by_role.get(role, 0.0) + ticks / CLOCK_TICKS
    return by_role


def rss_mib(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MiB, from /proc."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def timed_burst(workers: Workers, raws: Iterator[bytes], done_before: int) -> float:
    """Seconds from the first publish until the workers counted every record."""
    assert workers.stack.settings is not None
    start = time.monotonic()
    sent = publish(workers.stack.settings, raws)
    workers.wait_finished(done_before + sent)
    return time.monotonic() - start


async def topic_timestamps(
    settings: Settings, topic: str, key_of: Callable[[bytes], str]
) -> dict[str, list[int]]:
    """Kafka timestamps (ms) of every message now in `topic`, by key."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers)
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, p)
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: dict[str, list[int]] = {}
        remaining = {tp for tp in partitions if ends[tp] > 0}
        while remaining:
            batch = await consumer.getmany(timeout_ms=5000)
            if not batch:
                break
            for tp, messages in batch.items():
                for message in messages:
                    assert message.value is not None
                    found.setdefault(key_of(message.value), []).append(
                        message.timestamp
                    )
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        return found
    finally:
        await consumer.stop()


async def raw_consumer_rate(settings: Settings) -> tuple[int, float]:
    """Records and records/s of a bare aiokafka consumer reading the traffic topic."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    await consumer.start()
    try:
        topic = settings.traffic_topic
        partitions = [
            TopicPartition(topic, p)
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        total = sum(ends.values())
        await consumer.seek_to_beginning(*partitions)
        start = time.monotonic()
        read = 0
        while read < total:
            batch = await consumer.getmany(timeout_ms=5000, max_records=10_000)
            if not batch:
                break
            read += sum(len(messages) for messages in batch.values())
        return read, read / (time.monotonic() - start)
    finally:
        await consumer.stop()


def latencies(settings: Settings, tag: str) -> list[float]:
    """Per graded record of the paced phase: graded minus traffic timestamp, ms."""

    def record_id(value: bytes) -> str:
        return str(json.loads(value)["id"])

    def graded_id(value: bytes) -> str:
        return str(json.loads(value)["record_id"])

    traffic = asyncio.run(topic_timestamps(settings, settings.traffic_topic, record_id))
    graded = asyncio.run(topic_timestamps(settings, settings.graded_topic, graded_id))
    found: list[int] = []
    for rid, stamps in graded.items():
        if f"-{tag}-" in rid and rid in traffic:
            found.extend(stamp - traffic[rid][0] for stamp in stamps)
    return [float(ms) for ms in found]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_setting(
    workdir: Path,
    base: list[dict[str, Any]],
    *,
    latency_ms: float,
    concurrency: int,
    records: int,
    raw_baseline: bool,
    workers: int = 1,
    graders: str = "ensemble",
) -> Setting:
    """Throughput, latency and (optionally) the raw-consumer ratio at one latency."""
    overrides = {"concurrency": concurrency, "graders": graders, **PRODUCTION_LIMITS}
    with LocalStack(
        workdir, [sample_path()], latency_ms=latency_ms, overrides=overrides
    ) as stack:
        assert stack.settings is not None
        group = Workers(stack, workers)
        group.wait_ready()
        warm = min(500, records)
        timed_burst(group, encoded(base, warm, "warm"), 0)
        processes = stack_processes()
        cpu_before = cpu_seconds(processes)
        seconds = timed_burst(group, encoded(base, records, "burst"), warm)
        cpu_after = cpu_seconds(processes)
        rate = records / seconds
        bound = workers * concurrency / max(latency_ms / MS, 1e-9)
        setting = Setting(
            latency_ms=latency_ms,
            concurrency=concurrency,
            records=records,
            seconds=round(seconds, 2),
            rate=round(rate, 1),
            bound=round(bound, 1),
            rate_over_bound=round(rate / bound, 4),
            workers=workers,
            graders=graders,
            cpu_ms_per_conversation={
                role: round(
                    (cpu_after[role] - cpu_before.get(role, 0.0)) / records * MS, 2
                )
                for role in sorted(cpu_after)
            },
        )

        paced = max(100, int(rate * 10))
        publish(stack.settings, encoded(base, paced, "paced"), pace=0.5 * rate)
        group.wait_finished(warm + records + paced)
        found = latencies(stack.settings, "paced")
        if found:
            setting.latency_p50_ms = round(statistics.median(found), 1)
            setting.latency_p99_ms = round(percentile(found, 0.99), 1)
            setting.latency_samples = len(found)

        if raw_baseline:
            _, raw = asyncio.run(raw_consumer_rate(stack.settings))
            setting.raw_consumer_rate = round(raw, 1)
            setting.rate_over_raw = round(rate / raw, 4)
    return setting


def run_memory(
    workdir: Path,
    base: list[dict[str, Any]],
    *,
    latency_ms: float,
    concurrency: int,
    records: int,
    minutes: float,
    graders: str = "ensemble",
) -> Memory:
    """The worker's RSS over `records` records (or `minutes`), sampled each second.

    Records are published as the worker keeps up (at most `BACKLOG` ahead), so the
    broker's in-memory log does not balloon while the worker runs.
    """
    overrides = {"concurrency": concurrency, "graders": graders, **PRODUCTION_LIMITS}
    with LocalStack(
        workdir, [sample_path()], latency_ms=latency_ms, overrides=overrides
    ) as stack:
        assert stack.settings is not None
        assert stack.worker_pid is not None
        wait_ready(stack)
        pid = stack.worker_pid
        sender = producer(stack.settings)
        raws = encoded(base, records, "long")
        warmup = max(1, records // 10)
        samples: list[tuple[int, float]] = []
        warm_rss: float | None = None
        start = time.monotonic()
        sent = done = 0
        while done < sent or sent < records:
            if time.monotonic() - start > minutes * 60:
                records = sent  # out of time: finish what was sent, send no more
            room = min(records - sent, done + BACKLOG - sent)
            for raw in itertools.islice(raws, max(0, room)):
                sender.send(stack.settings.traffic_topic, value=raw)
                sent += 1
            sender.flush()
            time.sleep(1.0)
            done = int(stack.finished())
            rss, _ = rss_mib(pid)
            samples.append((done, round(rss, 1)))
            if warm_rss is None and done >= warmup:
                warm_rss = rss
        seconds = time.monotonic() - start
        end_rss, peak = rss_mib(pid)
        sender.close()
    if warm_rss is None:  # stopped by time before the planned warm-up
        warmup, warm_rss = samples[len(samples) // 10]
    return Memory(
        records=done,
        seconds=round(seconds, 1),
        rate=round(done / seconds, 1),
        warmup_records=warmup,
        rss_warmup_mib=round(warm_rss, 1),
        rss_end_mib=round(end_rss, 1),
        rss_peak_mib=round(peak, 1),
        end_over_warmup=round(end_rss / warm_rss, 4),
        samples=samples[:: max(1, len(samples) // 60)],
    )


# ---------------------------------------------------------------- the profile


async def _profile(
    settings: Settings, raws: list[bytes]
) -> tuple[dict[str, float], cProfile.Profile]:
    from graders import Exchange
    from streamer.conversation import cut
    from streamer.estimates import Estimates
    from streamer.panel import to_turn
    from streamer.parse import parse_record
    from streamer.runtime import Runtime

    runtime = Runtime.from_settings(settings)
    if settings.graders != "ensemble":
        # The panel the settings name, should the runtime not have built it.
        runtime.pipeline.panel = rebuilt_panel(runtime.taxonomy, settings.graders)
    store: dict[int, dict[str, Any]] = {}
    estimates = Estimates(runtime.metrics, store.get, store.__setitem__)
    ensemble = runtime.pipeline.panel.graders[0]
    members = getattr(ensemble, "members", {})
    stages: dict[str, float] = {}

    def add(stage: str, started: float) -> None:
        stages[stage] = stages.get(stage, 0.0) + time.process_time() - started

    for raw in raws[:20]:  # warm caches, models and connections
        await runtime.handle(raw)
    for offset, raw in enumerate(raws):
        t = time.process_time()
        record = parse_record(raw, settings.record_max_bytes)
        add("parse", t)
        t = time.process_time()
        conversation = cut(record)
        add("cut", t)
        privacy = getattr(getattr(runtime.pipeline, "intake", None), "privacy", None)
        if privacy is not None and privacy.enabled:
            t = time.process_time()
            privacy.check(conversation.prefix)
            add("privacy_gate", t)
        t = time.process_time()
        generation = await runtime.pipeline.candidate.generate(
            conversation.prefix, record.tools
        )
        add("model_call_client", t)
        prefix = tuple(map(to_turn, conversation.prefix))
        for reply in (conversation.reply, generation.message):
            exchange = Exchange(prefix, to_turn(reply), ())
            for name, member in members.items():
                t = time.process_time()
                await member.grade(exchange)
                add(f"grader_{name}", t)
        t = time.process_time()
        processed = await runtime.handle(raw)
        whole = time.process_time() - t
        stages["whole_handle"] = stages.get("whole_handle", 0.0) + whole
        t = time.process_time()
        for graded in processed.graded:
            graded.to_bytes()
        add("produce_serialise", t)
        t = time.process_time()
        counted = estimates.count(0, offset, processed)
        runtime.account(processed, counted)
        add("estimators_and_metrics", t)

    profiler = cProfile.Profile()
    profiler.enable()
    for offset, raw in enumerate(raws[: len(raws) // 2]):
        processed = await runtime.handle(raw)
        estimates.count(1, offset, processed)
    profiler.disable()
    await runtime.close()
    parts = sum(v for k, v in stages.items() if k not in AFTER_HANDLE)
    stages["handle_other"] = max(0.0, stages["whole_handle"] - parts)
    return stages, profiler


def rebuilt_panel(taxonomy: Taxonomy, panel: PanelName) -> GraderPanel:
    """A grader panel of the named kind (`ensemble` or `rules`)."""
    from graders import build_panel_graders
    from streamer.panel import GraderPanel

    graders = build_panel_graders(taxonomy, panel=panel)
    return GraderPanel(graders, taxonomy)


def profile_stages(
    base: list[dict[str, Any]], records: int, latency_ms: float, graders: str
) -> dict[str, Any]:
    """CPU milliseconds per graded conversation by stage, in this process."""
    port = free_port()
    standin = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamer",
            "standin",
            "--port",
            str(port),
            "--latency-ms",
            str(latency_ms),
            str(sample_path()),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port("127.0.0.1", port, 60)
        raws = list(encoded(base, records, "profile"))
        settings = Settings(
            candidate_base_url=f"http://127.0.0.1:{port}/v1", graders=graders
        )
        stages, profiler = asyncio.run(_profile(settings, raws))
    finally:
        standin.terminate()
        standin.wait()

    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(15)
    per_record_ms = {k: round(v / records * MS, 3) for k, v in stages.items()}
    worker_ms = sum(per_record_ms[stage] for stage in AFTER_HANDLE)
    return {
        "records": records,
        "graders": graders,
        "cpu_ms_per_conversation": per_record_ms,
        # One worker process runs Python on about one core (the GIL), so this is
        # its ceiling in conversations/s, whatever C/L allows.
        "cpu_ceiling_per_s": round(MS / worker_ms, 1),
        "cprofile_top_tottime": text.getvalue().splitlines()[:40],
    }


# ---------------------------------------------------------------- main


def print_table(
    settings: list[Setting], memory: Memory | None, profile: dict[str, Any] | None
) -> None:
    print()
    print(
        f"{'L ms':>6} {'C':>5} {'N':>2} {'records':>8} {'conv/s':>8} {'N*C/L':>8} "
        f"{'rate/bound':>10} {'p50 ms':>8} {'p99 ms':>8} {'raw/s':>8} "
        f"{'rate/raw':>8}  CPU ms/conv by process"
    )
    for s in settings:
        cpu = " ".join(f"{k} {v:g}" for k, v in s.cpu_ms_per_conversation.items())
        print(
            f"{s.latency_ms:>6g} {s.concurrency:>5} {s.workers:>2} {s.records:>8} "
            f"{s.rate:>8.1f} {s.bound:>8.0f} {s.rate_over_bound:>10.3f} "
            f"{_fmt(s.latency_p50_ms):>8} {_fmt(s.latency_p99_ms):>8} "
            f"{_fmt(s.raw_consumer_rate):>8} {_fmt(s.rate_over_raw):>8}  {cpu}"
        )
    if memory is not None:
        print(
            f"\nmemory: {memory.records} records in {memory.seconds}s "
            f"({memory.rate}/s); RSS after {memory.warmup_records} records "
            f"{memory.rss_warmup_mib} MiB, end {memory.rss_end_mib} MiB "
            f"(x{memory.end_over_warmup}), peak {memory.rss_peak_mib} MiB"
        )
    if profile is not None:
        print(f"\nCPU ms per conversation ({profile['records']} records, in process):")
        for stage, ms in profile["cpu_ms_per_conversation"].items():
            print(f"  {stage:<28} {ms:>8.3f}")
        print(f"  one-core ceiling: {profile['cpu_ceiling_per_s']} conversations/s")


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench.throughput",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--settings",
        default="1:256,200:256,2000:32",
        help="LATENCY_MS:CONCURRENCY pairs, comma-separated; the first is also the "
        "setting of the raw-consumer comparison and of the memory run",
    )
    parser.add_argument(
        "--records", type=int, default=2000, help="records per throughput burst"
    )
    parser.add_argument(
        "--memory-records",
        type=int,
        default=200_000,
        help="records of the long memory run; 0 skips it",
    )
    parser.add_argument(
        "--memory-minutes",
        type=float,
        default=15.0,
        help="stop publishing the memory run after this long",
    )
    parser.add_argument(
        "--profile-records",
        type=int,
        default=300,
        help="records of the in-process profile; 0 skips it",
    )
    parser.add_argument(
        "--workers",
        default="1",
        help="worker counts to run each setting with, comma-separated (one group)",
    )
    parser.add_argument(
        "--graders",
        choices=("ensemble", "rules"),
        default="ensemble",
        help="the workers' grader panel (DEPSIM_GRADERS)",
    )
    parser.add_argument("--json", type=Path, default=Path("bench/throughput.json"))
    args = parser.parse_args(argv)

    pairs = [item.split(":") for item in args.settings.split(",")]
    grid = [(float(latency), int(concurrency)) for latency, concurrency in pairs]
    counts = [int(count) for count in args.workers.split(",")]
    base = conversations()
    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count()}}
    profile = None
    if args.profile_records:
        profile = profile_stages(base, args.profile_records, 0.0, args.graders)
        results["profile"] = profile
    settings = []
    memory = None
    with tempfile.TemporaryDirectory(prefix="depsim-bench-") as tmp:
        runs = itertools.product(enumerate(grid), counts)
        for (index, (latency, concurrency)), workers in runs:
            settings.append(
                run_setting(
                    Path(tmp) / f"setting-{index}-{workers}",
                    base,
                    latency_ms=latency,
                    concurrency=concurrency,
                    records=args.records,
                    raw_baseline=index == 0 and workers == counts[0],
                    workers=workers,
                    graders=args.graders,
                )
            )
            print(asdict(settings[-1]), flush=True)
        results["settings"] = [asdict(s) for s in settings]
        if args.memory_records:
            memory = run_memory(
                Path(tmp) / "memory",
                base,
                latency_ms=grid[0][0],
                concurrency=grid[0][1],
                records=args.memory_records,
                minutes=args.memory_minutes,
                graders=args.graders,
            )
            results["memory"] = asdict(memory)

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    print_table(settings, memory, profile)
    print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
