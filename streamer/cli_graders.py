"""`depsim graders ...`: train, measure and check the graders (logic in graders/)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from streamer.settings import Settings, load_settings

if TYPE_CHECKING:
    from graders import JudgeEndpoint

graders_app = typer.Typer(
    help="Train the classifier and measure grader quality on labelled data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

UseJudge = Annotated[
    bool,
    typer.Option(
        "--judge/--no-judge",
        help="Include the LLM judge when DEPSIM_JUDGE_BASE_URL is set.",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@graders_app.command("train")
def train(
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write the artefact; default: the shipped one."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the cross-validation folds.")] = 0,
) -> None:
    """Train the TF-IDF classifier on the training split and write its artefact."""
    from graders.commands import train_command

    _run(lambda: train_command(out, seed=seed))


@graders_app.command("evaluate")
def evaluate(
    as_json: AsJson = False,
    save: Annotated[
        Path | None,
        typer.Option(help="Where to save quality.json; default: the shipped one."),
    ] = None,
    no_save: Annotated[
        bool, typer.Option("--no-save", help="Print only, save nothing.")
    ] = False,
    judge: UseJudge = True,
) -> None:
    """Precision, recall and false-positive rate per category on held-out data."""
    from graders import load_taxonomy
    from graders.commands import evaluate_command
    from graders.quality import shipped_quality_path

    settings = load_settings()
    target = None if no_save else (save or shipped_quality_path())
    _run(
        lambda: evaluate_command(
            load_taxonomy(settings.taxonomy_path),
            judge=_judge(settings) if judge else None,
            candidate_models=[settings.candidate_model],
            as_json=as_json,
            save=target,
        )
    )


@graders_app.command("hh-check")
def hh_check(
    sample: Annotated[
        Path | None,
        typer.Option(help="hh-rlhf pairs (JSONL, .gz ok); default: the shipped one."),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Use only this many pairs.")] = None,
    as_json: AsJson = False,
    judge: UseJudge = True,
) -> None:
    """Check that graders flag hh-rlhf `rejected` replies more than `chosen` ones."""
    from graders import load_taxonomy
    from graders.commands import hh_check_command
    from streamer.samples import sample_path

    settings = load_settings()
    _run(
        lambda: hh_check_command(
            load_taxonomy(settings.taxonomy_path),
            sample or sample_path(),
            judge=_judge(settings) if judge else None,
            candidate_models=[settings.candidate_model],
            limit=limit,
            as_json=as_json,
        )
    )


def _judge(settings: Settings) -> JudgeEndpoint | None:
    """The judge named by settings; the worker builds its own the same way."""
    from graders import JudgeEndpoint

    return JudgeEndpoint.configured(
        settings.judge_base_url,
        settings.judge_model,
        settings.judge_api_key.get_secret_value(),
    )


def _run(command: Callable[[], str]) -> None:
    """Echo a command's output; a graders error exits 2 with its message."""
    from graders import GraderError

    try:
        typer.echo(command())
    except GraderError as exc:
        typer.echo(f"depsim graders: {exc}", err=True)
        raise typer.Exit(2) from exc
