"""Building the graders a worker runs: the ensemble over rules, classifier and judge.

The offline graders (rules, the shipped classifier, the trajectory rules for agent
turns) always run; the LLM judge joins
only when an endpoint is given, and then grades exactly the categories whose plan
lists it. The streamer calls `build_panel_graders` and hands the result to its
panel; `close_graders` releases the judge's connections at shutdown.

Two panels can be chosen: `ensemble` (the above, the default) and `rules`, the
same ensemble plans voted by the rule graders alone (rules and trajectory). The
rule panel grades fewer categories and is far cheaper; it is what the throughput
goal "near-zero model latency with the rule graders" is measured with.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import httpx2

from graders.artefact import Artefact
from graders.base import Grader
from graders.classifier import ClassifierGrader
from graders.ensemble import Ensemble, load_ensemble_config
from graders.judge import JudgeEndpoint, LLMJudge
from graders.rules import RuleGrader
from graders.taxonomy import Taxonomy
from graders.trajectory import TrajectoryGrader

__all__ = [
    "PANELS",
    "PanelName",
    "build_ensemble",
    "build_panel_graders",
    "close_graders",
]

PanelName = Literal["ensemble", "rules"]
PANELS: tuple[PanelName, ...] = ("ensemble", "rules")


def build_ensemble(
    taxonomy: Taxonomy,
    *,
    judge: JudgeEndpoint | None = None,
    candidate_models: Iterable[str] = (),
    config_path: Path | None = None,
    artefact: Artefact | None = None,
    http_client: httpx2.AsyncClient | None = None,
    panel: PanelName = "ensemble",
) -> Ensemble:
    """The ensemble for `taxonomy`, with the judge if `judge` names an endpoint.

    A configuration file given by path is checked strictly against the taxonomy;
    the shipped one is fitted to whatever taxonomy is in use. With `panel="rules"`
    only the rule graders vote, and `judge` and `artefact` are not used.
    """
    config = load_ensemble_config(config_path)
    plans = config.plans(taxonomy, strict=config_path is not None)
    if panel == "rules":  # fixed patterns only: no learned weights, no model
        rule_members: dict[str, Grader] = {
            "rules": RuleGrader(),
            "trajectory": TrajectoryGrader(),
        }
        return Ensemble(rule_members, plans, taxonomy)

    members: dict[str, Grader] = {
        "rules": RuleGrader(),
        "classifier": ClassifierGrader(artefact),
        "trajectory": TrajectoryGrader(),
    }
    if judge is not None:
        judged = [taxonomy.get(c) for c in sorted(plans) if "judge" in plans[c].graders]
        if judged:
            members["judge"] = LLMJudge(
                judge,
                judged,
                candidate_models=candidate_models,
                http_client=http_client,
            )
    return Ensemble(members, plans, taxonomy)


def build_panel_graders(
    taxonomy: Taxonomy,
    *,
    judge: JudgeEndpoint | None = None,
    candidate_models: Iterable[str] = (),
    config_path: Path | None = None,
    panel: PanelName = "ensemble",
) -> list[Grader]:
    """The graders for the streamer's panel: one ensemble, of the named panel."""
    ensemble = build_ensemble(
        taxonomy,
        judge=judge,
        candidate_models=candidate_models,
        config_path=config_path,
        panel=panel,
    )
    return [ensemble]


async def close_graders(graders: Iterable[Grader]) -> None:
    """Close every grader that holds connections; safe to call twice."""
    for grader in graders:
        closer = getattr(grader, "close", None)
        if closer is not None:
            await closer()
