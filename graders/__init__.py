"""Graders: a taxonomy of undesired behaviour and the graders that flag it.

The light parts (interface, verdicts, taxonomy, errors) import eagerly. The graders
themselves pull in presidio/spaCy, scikit-learn and the openai client, so they are
imported on first use: `import graders` stays cheap for commands that only read
graded records.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from graders.base import Grader
from graders.errors import (
    ArtefactError,
    EnsembleConfigError,
    GraderError,
    JudgeConfigError,
    JudgeOutputError,
    LabelledDataError,
    TaxonomyError,
)
from graders.exchange import Exchange, ToolUse, Turn
from graders.taxonomy import Category, Taxonomy, load_taxonomy
from graders.verdicts import GraderResult, Status, Verdict

if TYPE_CHECKING:
    from graders.classifier import ClassifierGrader
    from graders.ensemble import Ensemble
    from graders.factory import build_ensemble, build_panel_graders, close_graders
    from graders.judge import JudgeEndpoint, LLMJudge
    from graders.rules import RuleGrader

_LAZY = {
    "ClassifierGrader": "graders.classifier",
    "Ensemble": "graders.ensemble",
    "JudgeEndpoint": "graders.judge",
    "LLMJudge": "graders.judge",
    "RuleGrader": "graders.rules",
    "build_ensemble": "graders.factory",
    "build_panel_graders": "graders.factory",
    "close_graders": "graders.factory",
}

__all__ = [
    "ArtefactError",
    "Category",
    "ClassifierGrader",
    "Ensemble",
    "EnsembleConfigError",
    "Exchange",
    "Grader",
    "GraderError",
    "GraderResult",
    "JudgeConfigError",
    "JudgeEndpoint",
    "JudgeOutputError",
    "LLMJudge",
    "LabelledDataError",
    "RuleGrader",
    "Status",
    "Taxonomy",
    "TaxonomyError",
    "ToolUse",
    "Turn",
    "Verdict",
    "build_ensemble",
    "build_panel_graders",
    "close_graders",
    "load_taxonomy",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'graders' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
