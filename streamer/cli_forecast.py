"""`depsim forecast ...`, `depsim graded dump` and `depsim report` (logic elsewhere).

Graded records come from a JSONL file (`--graded FILE`, as `depsim graded dump`
writes) or from the graded topic (`--from-topic`, settings from DEPSIM_*).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from streamer.gradedset import Body, GradedSourceError, load_graded

forecast_app = typer.Typer(
    help="Freeze a candidate's forecast from its shadow arm; score it against live.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
graded_app = typer.Typer(
    help="Graded records: save the graded topic to a file.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

GradedFile = Annotated[
    Path | None,
    typer.Option(
        "--graded",
        exists=True,
        dir_okay=False,
        help="JSONL file of graded records (depsim graded dump).",
    ),
]
FromTopic = Annotated[
    bool, typer.Option("--from-topic", help="Read the graded topic instead.")
]
Model = Annotated[
    str | None,
    typer.Option(help="Candidate model; default: the only one with shadow records."),
]


def graded_records(path: Path | None, from_topic: bool) -> list[Body]:
    """Deduplicated graded records from the file or the topic (exactly one)."""
    if (path is None) == (not from_topic):
        raise GradedSourceError("give exactly one of --graded FILE and --from-topic")
    if path is not None:
        return load_graded(path, None)
    from streamer.settings import load_settings

    return load_graded(None, load_settings())


@graded_app.command("dump")
def dump(
    out: Annotated[Path, typer.Option(help="JSONL file to write.")],
) -> None:
    """Save every graded record now on the graded topic, deduplicated."""
    from streamer.gradedset import write_jsonl
    from streamer.settings import load_settings

    count = write_jsonl(load_graded(None, load_settings()), out)
    typer.echo(f"wrote {count} graded records to {out}")


@forecast_app.command("freeze")
def freeze_command(
    out: Annotated[Path, typer.Option(help="Where to write the forecast JSON.")],
    graded: GradedFile = None,
    from_topic: FromTopic = False,
    model: Model = None,
    level: Annotated[float, typer.Option(help="Predictive band level.")] = 0.9,
) -> None:
    """Freeze a forecast of live rates from the candidate's shadow records."""
    from streamer.forecast import format_forecast, freeze
    from streamer.gradedset import pick_model

    bodies = graded_records(graded, from_topic)
    data = freeze(bodies, pick_model(bodies, model), datetime.now(UTC), level=level)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    typer.echo(format_forecast(data))
    typer.echo(f"forecast {data['id']} written to {out}")


@forecast_app.command("score")
def score_command(
    forecast: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A frozen forecast.")
    ],
    graded: GradedFile = None,
    from_topic: FromTopic = False,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the scorecard as JSON.")
    ] = None,
) -> None:
    """Score a frozen forecast against the live records: the scorecard."""
    from streamer.forecast import format_scorecard, read_forecast, score

    frozen, _ = read_forecast(forecast)
    scorecard, data = score(frozen, graded_records(graded, from_topic))
    typer.echo(format_scorecard(scorecard))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        typer.echo(f"scorecard written to {json_out}")


def report(
    out: Annotated[
        Path, typer.Option(help="Folder for index.html, report.json, figures.")
    ] = Path("out/report"),
    graded: GradedFile = None,
    from_topic: FromTopic = False,
    model: Model = None,
    forecast: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="A frozen forecast to score; default: freeze one from the shadow "
            "arm and score it within the run.",
        ),
    ] = None,
    live: Annotated[
        Path | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            help="JSONL of graded records of a later live window to score against.",
        ),
    ] = None,
    window_s: Annotated[
        int | None,
        typer.Option(
            "--window-seconds", help="Drift window; default: the range in about 12."
        ),
    ] = None,
    time_field: Annotated[
        str, typer.Option(help="graded_at or sampled_at: what windows bucket by.")
    ] = "graded_at",
    include_content: Annotated[
        bool,
        typer.Option(
            "--include-content",
            help="Put flagged replies' text beside their ids (off: ids only).",
        ),
    ] = False,
) -> None:
    """Write the release report (HTML, figures, JSON) from graded records."""
    from streamer.forecast import read_forecast
    from streamer.gradedset import pick_model
    from streamer.report import ReportOptions, write_report

    if time_field not in ("graded_at", "sampled_at"):
        raise GradedSourceError("--time-field is graded_at or sampled_at")
    bodies = graded_records(graded, from_topic)
    frozen = read_forecast(forecast)[1] if forecast is not None else None
    chosen = pick_model(bodies, model or (frozen["model"] if frozen else None))
    options = ReportOptions(
        model=chosen,
        time_field=time_field,
        window_s=window_s,
        include_content=include_content,
    )
    live_bodies = load_graded(live, None) if live is not None else None
    files = write_report(bodies, options, out, forecast=frozen, live_bodies=live_bodies)
    typer.echo(f"report written to {files.index}")
