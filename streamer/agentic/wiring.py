"""Building the agentic path of a worker from its settings.

`AgenticConfig.from_settings` reads the `agentic_*` and `tool_*` settings (defaults
where a setting does not exist yet), and `build_agentic_arms` wires the database,
the tool simulator, the replay loop and the two arms around the worker's candidate
and grader panel. The worker then sends every record with tools to
`AgenticArms.grade`, and closes it with the candidate.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from streamer.agentic.arms import AgenticArms
from streamer.agentic.endpoint import ChatEndpoint
from streamer.agentic.model_simulator import ModelToolSimulator
from streamer.agentic.replay import Generator, Replayer, ReplayLimits
from streamer.agentic.simulator import ToolSimulator
from streamer.agentic.tooldb import Scope, ToolDatabase
from streamer.cutpoints import parse_policy
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

    simulator = ToolSimulator(
        database, model, widest=Scope[config.tool_db_scope.upper()]
    )
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
    )
