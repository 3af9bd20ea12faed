"""`depsim agentic ...` (or `python -m streamer.agentic`): measurements on trajectories.

- `hit-rate`: how often the tool-call database answers recorded calls by itself,
  in-sample and leave-one-out, per scope (offline, no endpoint);
- `realism`: the discriminator's accuracy on recorded vs re-simulated tool outputs;
- `awareness`: the evaluation-awareness probe on replayed traffic and on XSTest.

The last two need a judge endpoint (and `realism` a tool-simulator endpoint);
`--standin` serves depsim's stand-ins on a loopback port instead, which exercises
the whole path and measures nothing: the output says so.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from aiohttp import web

from streamer.agentic.corpus import load_trajectories
from streamer.agentic.endpoint import ChatEndpoint
from streamer.agentic.hitrate import measure_hit_rate, repeat_faithfulness
from streamer.agentic.model_simulator import ModelToolSimulator
from streamer.agentic.realism import (
    discriminate,
    probe_awareness,
    tool_output_pairs,
    xstest_contexts,
)
from streamer.agentic.simulator import ToolSimulator
from streamer.agentic.tooldb import Scope, ToolDatabase
from streamer.cutpoints import CutPolicy, choose_cuts
from streamer.standin import (
    STANDIN_JUDGE_MODEL,
    STANDIN_TOOL_SIMULATOR_MODEL,
    RecordedReplies,
    build_app,
)

app = typer.Typer(
    help="Measurements on agent trajectories: database hit rate, realism, awareness.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

Paths = Annotated[
    list[Path] | None,
    typer.Argument(help="Trajectory files; the shipped sample if none.", exists=True),
]
STANDIN_WARNING = (
    "STAND-IN: the judge is a coin flip and the simulator writes placeholders; "
    "these figures exercise the code and measure nothing."
)


@app.command("hit-rate")
def hit_rate(paths: Paths = None) -> None:
    """Database hit rate on recorded tool calls, in-sample and leave-one-out."""
    records = load_trajectories(paths or None)
    report: dict[str, Any] = {"trajectories": len(records)}
    for name, leave_one_out in (("in_sample", False), ("leave_one_out", True)):
        report[name] = {
            scope.label: {
                source: rate.to_json()
                for source, rate in measure_hit_rate(
                    records, leave_one_out=leave_one_out, widest=scope
                ).items()
            }
            for scope in Scope
        }
    repeats, unchanged = repeat_faithfulness(records)
    report["repeated_calls_within_a_trajectory"] = {
        "repeats": repeats,
        "same_response_as_before": unchanged,
    }
    typer.echo(json.dumps(report, indent=2))


@app.command()
def realism(
    paths: Paths = None,
    judge_base_url: Annotated[str, typer.Option(envvar="DEPSIM_JUDGE_BASE_URL")] = "",
    judge_model: Annotated[str, typer.Option(envvar="DEPSIM_JUDGE_MODEL")] = "",
    judge_api_key: Annotated[
        str, typer.Option(envvar="DEPSIM_JUDGE_API_KEY", show_default=False)
    ] = "unused",
    simulator_base_url: Annotated[
        str, typer.Option(envvar="DEPSIM_TOOL_SIMULATOR_BASE_URL")
    ] = "",
    simulator_model: Annotated[
        str, typer.Option(envvar="DEPSIM_TOOL_SIMULATOR_MODEL")
    ] = "",
    simulator_api_key: Annotated[
        str, typer.Option(envvar="DEPSIM_TOOL_SIMULATOR_API_KEY", show_default=False)
    ] = "unused",
    every: Annotated[int, typer.Option(help="Cut every k-th assistant turn.")] = 8,
    max_tool_results: Annotated[int, typer.Option()] = 4,
    seed: Annotated[int, typer.Option()] = 0,
    standin: Annotated[bool, typer.Option(help="Use depsim's stand-ins.")] = False,
) -> None:
    """Discriminator accuracy: recorded vs re-simulated tool outputs."""
    records = load_trajectories(paths or None)

    async def run(judge_url: str, simulator_url: str) -> dict[str, Any]:
        judge = _endpoint(
            judge_url, judge_model, judge_api_key, STANDIN_JUDGE_MODEL, standin
        )
        model = ModelToolSimulator(
            _endpoint(
                simulator_url,
                simulator_model,
                simulator_api_key,
                STANDIN_TOOL_SIMULATOR_MODEL,
                standin,
            )
        )
        database = ToolDatabase()
        try:
            for record in records:
                database.add_record(record)
            simulator = ToolSimulator(database, model, exclude_trajectory=True)
            policy = CutPolicy(mode="every", every=every, max_cuts=4)
            points = [(r, p) for r in records for p in choose_cuts(r, policy)]
            pairs = await tool_output_pairs(
                points, simulator, max_tool_results=max_tool_results
            )
            report = await discriminate(pairs, judge, seed=seed)
            return report.to_json()
        finally:
            database.close()
            await judge.close()
            await model.close()

    result = asyncio.run(
        _with_endpoints(run, judge_base_url, simulator_base_url, standin)
    )
    _print(result, standin)


@app.command()
def awareness(
    paths: Paths = None,
    judge_base_url: Annotated[str, typer.Option(envvar="DEPSIM_JUDGE_BASE_URL")] = "",
    judge_model: Annotated[str, typer.Option(envvar="DEPSIM_JUDGE_MODEL")] = "",
    judge_api_key: Annotated[
        str, typer.Option(envvar="DEPSIM_JUDGE_API_KEY", show_default=False)
    ] = "unused",
    every: Annotated[int, typer.Option(help="Cut every k-th assistant turn.")] = 8,
    xstest_limit: Annotated[int | None, typer.Option()] = None,
    standin: Annotated[bool, typer.Option(help="Use depsim's stand-in judge.")] = False,
) -> None:
    """Evaluation-awareness rates: replayed traffic contexts vs XSTest prompts."""
    records = load_trajectories(paths or None)
    policy = CutPolicy(mode="every", every=every, max_cuts=4)
    traffic = [p.cut.prefix for r in records for p in choose_cuts(r, policy)]

    async def run(judge_url: str, _: str) -> dict[str, Any]:
        judge = _endpoint(
            judge_url, judge_model, judge_api_key, STANDIN_JUDGE_MODEL, standin
        )
        try:
            reports = [
                await probe_awareness("replayed_traffic", traffic, judge),
                await probe_awareness("xstest", xstest_contexts(xstest_limit), judge),
            ]
        finally:
            await judge.close()
        return {"sets": [r.to_json() for r in reports]}

    result = asyncio.run(_with_endpoints(run, judge_base_url, "", standin))
    _print(result, standin)


def _endpoint(
    base_url: str, model: str, api_key: str, standin_model: str, standin: bool
) -> ChatEndpoint:
    if not base_url or not (model or standin):
        raise typer.BadParameter("give an endpoint's base URL and model, or --standin")
    return ChatEndpoint(
        base_url=base_url,
        model=standin_model if standin else model,
        api_key=api_key,
        max_tokens=512,
    )


async def _with_endpoints(
    run: Any, judge_url: str, simulator_url: str, standin: bool
) -> dict[str, Any]:
    if not standin:
        result: dict[str, Any] = await run(judge_url, simulator_url)
        return result
    async with serve_standin() as url:
        result = await run(url, url)
        return result


@asynccontextmanager
async def serve_standin(seed: int = 0) -> AsyncIterator[str]:
    """depsim's stand-in on a free loopback port; yields its `/v1` base URL."""
    runner = web.AppRunner(build_app(RecordedReplies(), seed=seed), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        await runner.cleanup()


def _print(result: dict[str, Any], standin: bool) -> None:
    if standin:
        result = {"warning": STANDIN_WARNING, **result}
        typer.secho(STANDIN_WARNING, err=True, fg=typer.colors.YELLOW)
    typer.echo(json.dumps(result, indent=2))
