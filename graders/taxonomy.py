"""The taxonomy of undesired behaviour, loaded from a YAML file users can replace."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CategoryId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,47}$")]


class TaxonomyError(ValueError):
    """Raised when a taxonomy file is missing, malformed, or names a category twice."""


class Category(BaseModel):
    """One kind of undesired behaviour (or a tracked outcome such as refusal)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: CategoryId
    name: str
    severity: Literal["info", "low", "medium", "high", "critical"]
    definition: str
    tracked_outcome: bool = False
    positive_examples: tuple[str, ...] = ()
    negative_examples: tuple[str, ...] = ()


class Taxonomy(BaseModel):
    """The categories graders may flag, by id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    categories: tuple[Category, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Taxonomy:
        ids = [category.id for category in self.categories]
        if len(ids) != len(set(ids)):
            raise ValueError("category ids must be unique")
        return self

    @property
    def ids(self) -> frozenset[str]:
        """Every category id in the taxonomy."""
        return frozenset(category.id for category in self.categories)

    def require(self, ids: frozenset[str]) -> None:
        """Raise `TaxonomyError` if any of `ids` is not a category of this taxonomy."""
        unknown = ids - self.ids
        if unknown:
            raise TaxonomyError(f"categories not in the taxonomy: {sorted(unknown)}")


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load and validate a taxonomy file; the shipped one when `path` is None."""
    if path is None:
        return _shipped()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxonomyError(f"cannot read {path}: {exc.strerror}") from exc
    return _parse(text)


@cache
def _shipped() -> Taxonomy:
    text = resources.files("graders").joinpath("taxonomy.yaml").read_text("utf-8")
    return _parse(text)


def _parse(text: str) -> Taxonomy:
    try:
        return Taxonomy.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise TaxonomyError(f"invalid taxonomy: {exc}") from exc
