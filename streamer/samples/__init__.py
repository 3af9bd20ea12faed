"""Real conversations shipped with depsim for the demo and tests (see PROVENANCE.md)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

HH_RLHF_SAMPLE = "hh_rlhf_harmless_test.jsonl.gz"


def sample_path(name: str = HH_RLHF_SAMPLE) -> Path:
    """The path of a shipped sample file."""
    return Path(str(resources.files(__package__).joinpath(name)))
