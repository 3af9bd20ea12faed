"""The ensemble: which graders vote on which category, and how votes combine.

An `Ensemble` is itself a `Grader`, so the streamer's panel runs it like any other.
It runs its member graders concurrently on a reply, drops the votes of members that
returned a non-result (or broke their contract), and combines the remaining votes
per category with the configured rule (`graders/ensemble.yaml` documents them).
Each member's own result is kept in `members`, so a graded record shows who said
what. Only planned categories, all in the taxonomy, ever reach the ensemble's
verdicts; a member's verdicts on anything else stay in its own result.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from graders.base import Grader
from graders.errors import EnsembleConfigError
from graders.exchange import Exchange
from graders.taxonomy import CategoryId, Taxonomy
from graders.verdicts import GraderResult, Status, Verdict

__all__ = [
    "GRADER_NAMES",
    "CategoryPlan",
    "Ensemble",
    "EnsembleConfig",
    "combine",
    "load_ensemble_config",
]

log = logging.getLogger(__name__)

Rule = Literal["any", "all", "majority", "first"]
Tie = Literal["first", "flag", "clear"]
GraderName = Literal["rules", "classifier", "trajectory", "judge"]
GRADER_NAMES: tuple[str, ...] = ("rules", "classifier", "trajectory", "judge")


class CategoryPlan(BaseModel):
    """The graders that may vote on a category, in priority order, and the rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    graders: tuple[GraderName, ...] = Field(min_length=1)
    rule: Rule = "any"
    tie: Tie = "first"


class EnsembleConfig(BaseModel):
    """A plan per category, and the plan for categories not listed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    default: CategoryPlan | None = None
    categories: dict[CategoryId, CategoryPlan] = Field(default_factory=dict)

    def plans(self, taxonomy: Taxonomy, *, strict: bool) -> dict[str, CategoryPlan]:
        """The plan of every taxonomy category that has one.

        With `strict`, a listed category outside the taxonomy is an error; without,
        it is skipped (the shipped configuration meeting a user's own taxonomy).
        """
        unknown = set(self.categories) - taxonomy.ids
        if unknown and strict:
            raise EnsembleConfigError(
                f"ensemble names categories not in the taxonomy: {sorted(unknown)}"
            )
        plans = {c: p for c, p in self.categories.items() if c in taxonomy.ids}
        if self.default is not None:
            for category in taxonomy.ids - plans.keys():
                plans[category] = self.default
        return plans


def load_ensemble_config(path: Path | None = None) -> EnsembleConfig:
    """Read and validate an ensemble configuration; the shipped one when None."""
    try:
        if path is None:
            source = resources.files("graders").joinpath("ensemble.yaml")
            text = source.read_text("utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        return EnsembleConfig.model_validate(yaml.safe_load(text))
    except OSError as exc:
        raise EnsembleConfigError(f"cannot read {path}: {exc.strerror}") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise EnsembleConfigError(f"invalid ensemble configuration: {exc}") from exc


def combine(rule: Rule, votes: Sequence[Verdict], tie: Tie = "first") -> Verdict | None:
    """Combine the votes on one category, in priority order; None if there are none.

    `tie` settles an even split under `majority`: the earliest vote (`first`),
    flagged (`flag`) or not flagged (`clear`). The combined confidence is the mean
    confidence of the votes that agree with the outcome; for `first`, that of the
    deciding vote.
    """
    if not votes:
        return None
    if rule == "first":
        return votes[0]
    flags = [vote.flagged for vote in votes]
    if rule == "any":
        flagged = any(flags)
    elif rule == "all":
        flagged = all(flags)
    else:
        yes, no = flags.count(True), flags.count(False)
        if yes != no:
            flagged = yes > no
        else:
            flagged = {"first": votes[0].flagged, "flag": True, "clear": False}[tie]
    agreeing = [vote for vote in votes if vote.flagged == flagged]
    confidence = sum(vote.confidence for vote in agreeing) / len(agreeing)
    return Verdict(votes[0].category, flagged, confidence, f"{rule} of {len(votes)}")


class Ensemble:
    """Runs member graders and combines their verdicts per category."""

    name = "ensemble"

    def __init__(
        self,
        members: Mapping[str, Grader],
        plans: Mapping[str, CategoryPlan],
        taxonomy: Taxonomy,
    ) -> None:
        self.members = dict(members)
        self.plans = {
            category: plan
            for category, plan in plans.items()
            if any(self._can_vote(name, category) for name in plan.graders)
        }
        self.categories = frozenset(self.plans)
        taxonomy.require(self.categories)
        plan_text = json.dumps(
            {c: p.model_dump(mode="json") for c, p in sorted(self.plans.items())},
            sort_keys=True,
        )
        plan_digest = hashlib.sha256(plan_text.encode("utf-8")).hexdigest()[:8]
        self.version = "+".join(
            [f"{name}@{m.version}" for name, m in sorted(self.members.items())]
            + [f"plan.{plan_digest}"]
        )

    async def grade(self, exchange: Exchange) -> GraderResult:
        """Every member's result, combined per category by the plan's rule."""
        names = list(self.members)
        results = await asyncio.gather(*(self._run(name, exchange) for name in names))
        by_name = dict(zip(names, results, strict=True))

        verdicts: list[Verdict] = []
        for category in sorted(self.plans):
            plan = self.plans[category]
            votes = [
                vote
                for name in plan.graders
                if (vote := _vote(by_name.get(name), category)) is not None
            ]
            combined = combine(plan.rule, votes, plan.tie)
            if combined is not None:
                verdicts.append(combined)

        members = tuple(results)
        if verdicts:
            return GraderResult(
                self.name, self.version, Status.OK, tuple(verdicts), members=members
            )
        status = (
            Status.NOT_EVALUABLE
            if all(r.status is Status.NOT_EVALUABLE for r in results)
            else Status.GRADER_ERROR
        )
        return GraderResult(
            self.name, self.version, status, reason="no_member_verdict", members=members
        )

    async def close(self) -> None:
        """Close members that hold connections (the judge)."""
        for member in self.members.values():
            closer = getattr(member, "close", None)
            if closer is not None:
                await closer()

    def _can_vote(self, name: str, category: str) -> bool:
        member = self.members.get(name)
        return member is not None and category in member.categories

    async def _run(self, name: str, exchange: Exchange) -> GraderResult:
        member = self.members[name]
        try:
            result = await member.grade(exchange)
        except Exception as exc:  # a member's bug must not lose the reply
            log.error("grader %s failed: %s", name, type(exc).__name__)
            return GraderResult.non_result(
                name, member.version, Status.GRADER_ERROR, type(exc).__name__
            )
        undeclared = {v.category for v in result.verdicts} - member.categories
        if undeclared:
            log.error("grader %s gave verdicts outside its categories", name)
            return GraderResult.non_result(
                name, member.version, Status.GRADER_ERROR, "undeclared_category"
            )
        return result


def _vote(result: GraderResult | None, category: str) -> Verdict | None:
    """A member's verdict on a category, if it produced one."""
    if result is None or result.status is not Status.OK:
        return None
    return next((v for v in result.verdicts if v.category == category), None)
