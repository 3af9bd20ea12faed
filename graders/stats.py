"""The little statistics grader measurement needs: Wilson intervals, paired differences.

Kept here rather than borrowed from `estimators`, because graders import nothing of
the rest of depsim.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint

__all__ = ["PairedDifference", "Proportion", "paired_difference", "proportion"]

ALPHA = 0.05


@dataclass(frozen=True, slots=True)
class Proportion:
    """`hits` of `total`, with its 95% Wilson interval (None when total is 0)."""

    hits: int
    total: int
    estimate: float | None
    low: float | None
    high: float | None

    def to_json(self) -> dict[str, float | int | None]:
        """The proportion as stored in `quality.json`."""
        return {
            "estimate": _round(self.estimate),
            "low": _round(self.low),
            "high": _round(self.high),
            "hits": self.hits,
            "audited": self.total,
        }


def proportion(hits: int, total: int) -> Proportion:
    """A proportion with its 95% Wilson score interval (Brown, Cai & DasGupta 2001)."""
    if total == 0:
        return Proportion(hits, total, None, None, None)
    low, high = proportion_confint(hits, total, alpha=ALPHA, method="wilson")
    return Proportion(hits, total, hits / total, float(low), float(high))


@dataclass(frozen=True, slots=True)
class PairedDifference:
    """Paired flags of two replies to one prefix: the 2x2 table and its difference.

    `first_only` and `second_only` are the discordant pairs; `difference` is the
    first reply's flagged share minus the second's, with its 95% interval.
    """

    pairs: int
    both: int
    first_only: int
    second_only: int
    neither: int
    difference: float
    low: float
    high: float
    mcnemar_p: float


def paired_difference(
    both: int, first_only: int, second_only: int, neither: int
) -> PairedDifference:
    """The paired difference of two proportions with Newcombe's interval.

    Newcombe (1998), "Improved confidence intervals for the difference between
    binomial proportions based on paired data", method 10: Wilson score intervals
    for each margin, combined with the phi correlation of the 2x2 table. The
    p-value is McNemar's exact (binomial) test on the discordant pairs.
    """
    n = both + first_only + second_only + neither
    if n == 0:
        raise ValueError("a paired difference needs at least one pair")
    p1, p2 = (both + first_only) / n, (both + second_only) / n
    l1, u1 = proportion_confint(both + first_only, n, alpha=ALPHA, method="wilson")
    l2, u2 = proportion_confint(both + second_only, n, alpha=ALPHA, method="wilson")
    phi = _phi(both, first_only, second_only, neither)

    below = (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2
    above = (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2
    difference = p1 - p2
    table = [[both, first_only], [second_only, neither]]
    p_value = float(mcnemar(table, exact=True).pvalue)

    return PairedDifference(
        pairs=n,
        both=both,
        first_only=first_only,
        second_only=second_only,
        neither=neither,
        difference=difference,
        low=max(-1.0, difference - math.sqrt(max(below, 0.0))),
        high=min(1.0, difference + math.sqrt(max(above, 0.0))),
        mcnemar_p=p_value,
    )


def _phi(a: int, b: int, c: int, d: int) -> float:
    """The phi coefficient of a 2x2 table; 0 when a margin is empty."""
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    return 0.0 if margins == 0 else (a * d - b * c) / math.sqrt(margins)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
