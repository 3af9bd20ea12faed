"""What faust-streaming itself costs per record, against a bare aiokafka consumer.

    python -m bench.framework_floor [--records 20000] [--sends 0] [--json PATH]

The throughput issue asks for depsim at half the rate of a raw consumer reading the
same topic. This measures the framework's own floor on the same machine and broker:
an embedded broker is filled with `--records` records of 1.4 kB, a bare aiokafka
consumer reads them all, then a faust agent that does nothing but count (and, with
`--sends N`, publishes N messages per record, as depsim publishes its graded
records) reads them again. No depsim code runs in the agent, so its rate is an upper
bound for any faust worker on this machine. One run prints both rates and their
ratio; the agent's process exits when it has counted the last record.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import time
from collections.abc import Callable
from typing import Any

import faust
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streamer.broker import EmbeddedBroker, create_topics

PARTITIONS = 4
SOURCE, SINK = "floor-traffic", "floor-out"


async def fill(servers: str, records: int) -> None:
    """Publish `records` random 1.4 kB values to the source topic."""
    value = os.urandom(700).hex().encode()
    producer = AIOKafkaProducer(bootstrap_servers=servers, linger_ms=5)
    await producer.start()
    try:
        for index in range(records):
            await producer.send(SOURCE, value, key=str(index).encode())
        await producer.flush()
    finally:
        await producer.stop()


async def raw_rate(servers: str, records: int) -> float:
    """Records per second of a bare consumer reading the whole source topic."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=servers, max_partition_fetch_bytes=8 * 1024 * 1024
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(SOURCE, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        started, read = time.monotonic(), 0
        while read < records:
            batch = await consumer.getmany(timeout_ms=5000, max_records=10_000)
            if not batch:
                raise RuntimeError(f"the topic ran dry after {read} records")
            read += sum(len(messages) for messages in batch.values())
        return read / (time.monotonic() - started)
    finally:
        await consumer.stop()


def agent_rate(
    servers: str,
    records: int,
    sends: int,
    report: dict[str, Any],
    stop_broker: Callable[[], None],
) -> None:
    """Run a counting faust agent until it has seen every record; print, then exit."""
    app = faust.App(
        "depsim-framework-floor",
        broker=f"kafka://{servers}",
        store="memory://",
        topic_partitions=PARTITIONS,
        broker_max_poll_interval=5,  # the embedded broker holds a join this long
        consumer_auto_offset_reset="earliest",
        web_enabled=False,
    )
    source = app.topic(SOURCE, value_type=bytes, value_serializer="raw")
    sink = app.topic(SINK, value_type=bytes, value_serializer="raw")
    seen = {"records": 0, "started": 0.0}

    @app.agent(source)
    async def count(stream: Any) -> None:
        async for value in stream:
            if not seen["records"]:
                seen["started"] = time.monotonic()
            for _ in range(sends):
                await sink.send(value=value)
            seen["records"] += 1
            if seen["records"] == records:
                report["agent_per_s"] = records / (time.monotonic() - seen["started"])
                report["ratio"] = report["agent_per_s"] / report["raw_per_s"]
                _finish(report, stop_broker)

    worker = faust.Worker(app, loglevel="WARNING", quiet=True, redirect_stdouts=False)
    worker.spinner = None
    worker.execute_from_commandline()


def _finish(report: dict[str, Any], stop_broker: Callable[[], None]) -> None:
    print(
        f"raw aiokafka consumer {report['raw_per_s']:,.0f} records/s; faust agent "
        f"with {report['sends']} sends a record {report['agent_per_s']:,.0f}/s; "
        f"ratio {report['ratio']:.3f}",
        flush=True,
    )
    if report["json"]:
        with open(report["json"], "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
    logging.disable(logging.CRITICAL)  # faust's complaints once the broker is gone
    stop_broker()
    # faust's worker has no "stop after N" and would linger in its shutdown.
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    """Fill a fresh broker, time the raw consumer, then the faust agent."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--sends", type=int, default=0, help="messages sent a record")
    parser.add_argument("--json", metavar="PATH", help="also write the rates as JSON")
    options = parser.parse_args(argv)

    with EmbeddedBroker() as broker:
        servers = broker.start()
        create_topics(servers, [SOURCE, SINK], PARTITIONS)
        asyncio.run(fill(servers, options.records))
        report: dict[str, Any] = {
            "records": options.records,
            "sends": options.sends,
            "json": options.json,
            "raw_per_s": asyncio.run(raw_rate(servers, options.records)),
        }
        agent_rate(servers, options.records, options.sends, report, broker.stop)


if __name__ == "__main__":
    main()
