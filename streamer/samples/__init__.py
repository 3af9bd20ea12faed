"""Real conversations shipped with depsim for the demo and tests (see PROVENANCE.md)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

HH_RLHF_SAMPLE = "hh_rlhf_harmless_test.jsonl.gz"


def sample_path(name: str = HH_RLHF_SAMPLE) -> Path:
    """The path of a shipped sample file."""
    return Path(str(resources.files(__package__).joinpath(name)))


AGENTIC_SAMPLES = "agentic"


def agentic_sample_paths() -> list[Path]:
    """The shipped agent trajectories: OpenHands logs and SWE-agent `.traj` files."""
    root = sample_path(AGENTIC_SAMPLES)
    return sorted(root.rglob("*.json.gz")) + sorted(root.rglob("*.traj.gz"))
