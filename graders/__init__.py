"""Graders: a taxonomy of undesired behaviour and the graders that flag it."""

from graders.base import Grader
from graders.exchange import Exchange, ToolUse, Turn
from graders.rules import RuleGrader
from graders.taxonomy import Category, Taxonomy, TaxonomyError, load_taxonomy
from graders.verdicts import GraderResult, Status, Verdict

__all__ = [
    "Category",
    "Exchange",
    "Grader",
    "GraderResult",
    "RuleGrader",
    "Status",
    "Taxonomy",
    "TaxonomyError",
    "ToolUse",
    "Turn",
    "Verdict",
    "load_taxonomy",
]
