"""Building the agentic path of a worker from its settings.

`AgenticConfig.from_settings` reads the `agentic_*`, `tool_*` and `judge_*` settings
(defaults where a setting does not exist yet), and `build_agentic_arms` wires the
database, the tool simulator, the replay loop, the two arms and, when a judge
endpoint is set and `agentic_realism_share` is above 0, the realism checks around
the worker's candidate and grader panel, charging the pipeline's budget and counting
in its metrics. The pipeline sends every record with tools to `AgenticArms.grade`,
and the worker closes them with the candidate.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from streamer.agentic.accounts import ReplayAccounts
from streamer.agentic.arms import AgenticArms
from streamer.agentic.endpoint import ChatEndpoint
from streamer.agentic.model_simulator import ModelToolSimulator
from streamer.agentic.realism_sampler import RealismSampler
from streamer.agentic.replay import Generator, Replayer, ReplayLimits
from streamer.agentic.simulator import ToolSimulator
from streamer.agentic.tooldb import Scope, ToolDatabase
from streamer.budget import Budget, TokenPrices
from streamer.cutpoints import parse_policy
from streamer.metrics import Metrics
from streamer.panel import GraderPanel


@dataclass(frozen=True, slots=True)
class AgenticConfig:
    """What the agentic path can be told, with its defaults."""

    agentic_enabled: bool = True
    agentic_cuts: str = "last"
    agentic_cut_seed: int = 0
    agentic_max_cuts: int = 4
    agentic_max_steps: int = 30
    agentic_max_tokens: int = 500_000
    agentic_max_seconds: float = 100.0
    agentic_terminal_tools: str = ""
    tool_db_path: Path | None = None
    tool_db_scope: str = "state"
    tool_db_max_rows: int = 200_000
    tool_simulator_base_url: str = ""
    tool_simulator_model: str = ""
    tool_simulator_api_key: str = ""
    tool_simulator_timeout_s: float = 60.0
    tool_simulator_dollars_per_1k_prompt_tokens: float = 0.0
    tool_simulator_dollars_per_1k_completion_tokens: float = 0.0
    judge_base_url: str = ""
    judge_model: str = ""
    judge_api_key: str = ""
    agentic_realism_share: float = 0.05
    agentic_realism_max_tool_results: int = 4

    @property
    def realism_enabled(self) -> bool:
        """Whether the realism checks run: a judge is set and the share is above 0."""
        return bool(
            self.judge_base_url and self.judge_model and self.agentic_realism_share
        )

    @classmethod
    def from_settings(cls, settings: Any) -> AgenticConfig:
        """The config from a settings object: its attributes of the same names.

        Secret strings are unwrapped; attributes it lacks keep their defaults.
        """
        values: dict[str, Any] = {}
        for field in fields(cls):
            if hasattr(settings, field.name):
                value = getattr(settings, field.name)
                unwrap = getattr(value, "get_secret_value", None)
                values[field.name] = unwrap() if callable(unwrap) else value
        return cls(**values)


def build_agentic_arms(
    config: AgenticConfig,
    candidate: Generator,
    panel: GraderPanel,
    *,
    shadow_arm: str,
    standin: bool,
    pool_size: int = 8,
    budget: Budget | None = None,
    metrics: Metrics | None = None,
) -> AgenticArms:
    """The agentic arms around a worker's candidate and panel.

    Raises `ValueError` for a cut policy or database scope it cannot read.
    """
    database = ToolDatabase(
        config.tool_db_path or ":memory:", max_rows=config.tool_db_max_rows
    )
    model = None
    if config.tool_simulator_base_url:
        endpoint = ChatEndpoint(
            base_url=config.tool_simulator_base_url,
            model=config.tool_simulator_model,
            api_key=config.tool_simulator_api_key or "not-needed",
            timeout_s=config.tool_simulator_timeout_s,
            pool_size=pool_size,
        )
        model = ModelToolSimulator(endpoint)

    widest = Scope[config.tool_db_scope.upper()]
    simulator = ToolSimulator(database, model, widest=widest)
    accounts = ReplayAccounts(
        simulator_model=config.tool_simulator_model,
        simulator_prices=TokenPrices(
            config.tool_simulator_dollars_per_1k_prompt_tokens,
            config.tool_simulator_dollars_per_1k_completion_tokens,
        ),
        budget=budget,
        metrics=metrics,
    )
    realism = None
    if config.realism_enabled:
        # The same database and model, but each trajectory's own recordings held
        # out: the check is of what the simulator writes where nothing was recorded.
        held_out = ToolSimulator(
            database, model, widest=widest, exclude_trajectory=True
        )
        realism = RealismSampler(
            _judge(config, pool_size),
            held_out,
            accounts,
            share=config.agentic_realism_share,
            max_tool_results=config.agentic_realism_max_tool_results,
            time_limit_s=config.agentic_max_seconds,
        )
        realism.initialise_metrics()
    terminal = frozenset(
        name.strip()
        for name in config.agentic_terminal_tools.split(",")
        if name.strip()
    )
    limits = ReplayLimits(
        max_steps=config.agentic_max_steps,
        max_tokens=config.agentic_max_tokens,
        max_seconds=config.agentic_max_seconds,
        terminal_tools=terminal,
    )
    policy = parse_policy(
        config.agentic_cuts,
        seed=config.agentic_cut_seed,
        max_cuts=config.agentic_max_cuts,
    )
    return AgenticArms(
        Replayer(candidate, simulator, limits),
        panel,
        database=database,
        policy=policy,
        shadow_arm=shadow_arm,
        standin=standin,
        accounts=accounts,
        realism=realism,
    )


def _judge(config: AgenticConfig, pool_size: int) -> ChatEndpoint:
    """The realism checks' judge: the grader judge's endpoint, each call within the
    checks' time limit."""
    return ChatEndpoint(
        base_url=config.judge_base_url,
        model=config.judge_model,
        api_key=config.judge_api_key or "not-needed",
        timeout_s=config.agentic_max_seconds,
        max_tokens=512,
        pool_size=pool_size,
    )
