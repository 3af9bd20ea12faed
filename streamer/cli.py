"""The `depsim` command line."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from streamer.cli_forecast import forecast_app, graded_app, report
from streamer.cli_graders import graders_app
from streamer.errors import DepsimError
from streamer.settings import load_settings

app = typer.Typer(
    help="depsim: forecast a candidate model's undesired behaviour on real traffic.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(graders_app, name="graders")
app.add_typer(forecast_app, name="forecast")
app.add_typer(graded_app, name="graded")
app.command("report")(report)

Files = Annotated[
    list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)
]
Format = Annotated[
    str,
    typer.Option(
        "--format", help="auto, hh-rlhf, openai-chat, openhands or swe-agent."
    ),
]
AttestConsent = Annotated[
    bool,
    typer.Option(
        help="Attest consent and de-identification for lines that do not say."
    ),
]


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )


@app.command()
def broker(
    port: Annotated[
        int, typer.Option(help="Port to listen on; 0 picks a free one.")
    ] = 9092,
    partitions: Annotated[int, typer.Option(help="Partitions per topic.")] = 4,
) -> None:
    """Run the embedded Tansu broker and create depsim's three topics."""
    from streamer.broker import EmbeddedBroker, create_topics

    settings = load_settings()
    with EmbeddedBroker(port=port or None) as embedded:
        create_topics(
            embedded.bootstrap_servers,
            [settings.traffic_topic, settings.graded_topic, settings.dead_letter_topic],
            partitions,
        )
        typer.echo(
            f"broker listening on {embedded.bootstrap_servers} (memory storage); "
            "Ctrl-C stops it"
        )
        try:
            import time

            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


@app.command("replay")
def replay_command(
    files: Files,
    fmt: Format = "auto",
    attest_consent: AttestConsent = False,
    limit: Annotated[
        int | None, typer.Option(help="Stop after this many input lines.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON.")
    ] = False,
) -> None:
    """Validate conversations from FILES and publish them to the traffic topic."""
    from streamer.replay import replay

    summary = replay(
        files,
        load_settings(),
        fmt=fmt,
        attest_consent=attest_consent,
        limit=limit,
        progress=not as_json,
    )
    if as_json:
        typer.echo(json.dumps(summary.to_json()))
        return
    typer.echo(f"sent {summary.sent}; rejected {sum(summary.rejected.values())}")
    for reason, count in summary.rejected.most_common():
        typer.echo(f"  {reason}: {count}")


@app.command()
def validate(
    files: Files,
    fmt: Format = "auto",
    attest_consent: AttestConsent = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON line per record, then a summary.")
    ] = False,
) -> None:
    """Check FILES offline as the worker would admit them; no model is called."""
    from streamer.validate import Intake, Summary, agentic_records, validate_sources

    settings = load_settings()
    summary = Summary()
    outcomes = validate_sources(
        files,
        Intake.from_settings(settings),
        fmt=fmt,
        attest_consent=attest_consent,
        own_context=agentic_records(settings),
    )
    for outcome in outcomes:
        summary.add(outcome)
        if as_json:
            typer.echo(json.dumps(outcome.to_json()))
    if as_json:
        typer.echo(json.dumps(summary.to_json()))
        return
    totals = summary.to_json()
    typer.echo(
        f"{totals['total']} records: {totals['ok']} ok "
        f"({totals['trimmed']} trimmed to fit the context), "
        f"{totals['rejected']} rejected"
    )
    for reason, count in summary.rejected.most_common():
        typer.echo(f"  {reason:<28} {count}")


@app.command()
def worker() -> None:
    """Run the shadow-evaluation worker (settings from DEPSIM_* variables)."""
    from streamer.worker import run_worker

    settings = load_settings()
    _configure_logging(settings.log_level)
    run_worker(settings)


@app.command()
def standin(
    files: Files,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8400,
    latency_ms: Annotated[float, typer.Option(help="Delay before each answer.")] = 0.0,
    jitter_ms: Annotated[
        float, typer.Option(help="Uniform jitter around the delay.")
    ] = 0.0,
    faults: Annotated[
        str,
        typer.Option(
            help="Inject faults, e.g. 'rate_limit=0.1,server_error=0.1,"
            "quota_after=500,hang=0.02,seed=7' (see streamer/standin_faults.py)."
        ),
    ] = "",
) -> None:
    """Serve recorded replies from FILES as an OpenAI-compatible stand-in candidate."""
    from streamer.standin import serve
    from streamer.standin_faults import FaultSpec

    _configure_logging("WARNING")
    serve(
        files,
        host=host,
        port=port,
        latency_s=latency_ms / 1000,
        jitter_s=jitter_ms / 1000,
        faults=FaultSpec.parse(faults) if faults else None,
    )


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def bench(ctx: typer.Context) -> None:
    """Benchmark throughput, latency, memory and CPU (`depsim bench --help`)."""
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.insert(0, root)  # bench/ lives in the source tree, not the wheel
    from bench.throughput import main as bench_main

    raise typer.Exit(bench_main(ctx.args))


@app.command()
def demo(
    workdir: Annotated[Path, typer.Option(help="Where logs go.")] = Path("out/demo"),
    latency_ms: Annotated[
        float, typer.Option(help="Stand-in latency per call.")
    ] = 20.0,
    concurrency: Annotated[
        int, typer.Option(help="Records in flight in the worker.")
    ] = 64,
    limit: Annotated[
        int | None, typer.Option(help="Replay only this many records.")
    ] = None,
    hold: Annotated[
        float, typer.Option(help="Seconds to keep /metrics up at the end.")
    ] = 0.0,
) -> None:
    """Run broker, stand-in and worker on the shipped sample; print the rates."""
    from streamer.demo import dead_letter_reasons, format_table, run_demo

    result = run_demo(
        workdir,
        latency_ms=latency_ms,
        concurrency=concurrency,
        limit=limit,
        hold_s=hold,
    )
    typer.echo("")
    typer.echo(format_table(result))
    typer.echo("")
    reasons = ", ".join(
        f"{reason} {count}"
        for reason, count in sorted(dead_letter_reasons(result.topics).items())
    )
    typer.echo(
        f"records sent {result.sent}; graded records {result.topics.graded_records} "
        f"(one per arm); dead letters {len(result.topics.dead_letters)}"
        + (f" ({reasons})" if reasons else "")
    )
    verdict = "agree" if result.metrics_agree else "DISAGREE"
    typer.echo(f"graded topic and /metrics counts {verdict}")
    if result.report is not None:
        typer.echo(f"release report: {result.report} (open it in a browser)")
    if not result.metrics_agree:
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the `depsim` console script."""
    try:
        app()
    except DepsimError as exc:
        typer.echo(f"depsim: {exc}", err=True)
        sys.exit(2)
