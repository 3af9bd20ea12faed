"""Symmetric multiplicative error between a forecast rate and an observed one.

SME = max(f / o, o / f) >= 1: the factor by which the forecast missed, either way (the
source method's error metric). At rare rates counting noise alone makes SME large, so
it means nothing without its *noise funnel*: the SME that two windows with the same true
rate would show, here its median and its `level` quantile (90% by default). With about
3 events expected in the smaller window noise alone gives a median SME of 1.5; with 10,
1.25; with 100, 1.07.

Zero counts use (k + 1/2) / n, so SME stays finite. The funnel comes from the
conditional binomial: given K = k1 + k2 events in total and a common rate, k1 is
Binomial(K, n1 / (n1 + n2)); SME is computed for every k1 and its distribution read off
exactly.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, SupportsIndex

import numpy as np
from scipy import stats

from estimators._errors import (
    EstimatorError,
    check_confidence,
    check_count,
    check_counts,
)


@dataclass(frozen=True, slots=True)
class SmeBand:
    """Where SME falls from counting noise alone: median and `level` quantile."""

    median: float
    high: float
    level: float

    def contains(self, sme: float) -> bool:
        """True when `sme` is within what noise alone would produce at `level`."""
        return sme <= self.high

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return asdict(self)


def symmetric_multiplicative_error(forecast_rate: float, observed_rate: float) -> float:
    """max(f / o, o / f) for two rates >= 0.

    Edge cases: both 0 gives 1.0 (they agree); exactly one 0 gives math.inf. Use
    `sme_from_counts` to keep zero counts finite.
    """
    f, o = float(forecast_rate), float(observed_rate)
    if not (f >= 0.0 and o >= 0.0) or math.isnan(f) or math.isnan(o):
        raise EstimatorError(
            f"rates must be >= 0, got {forecast_rate}, {observed_rate}"
        )
    if f == o:
        return 1.0
    if f == 0.0 or o == 0.0:
        return math.inf

    return max(f / o, o / f)


def sme_from_counts(
    k1: SupportsIndex, n1: SupportsIndex, k2: SupportsIndex, n2: SupportsIndex
) -> float:
    """SME between (k1 + 1/2) / n1 and (k2 + 1/2) / n2; finite for zero counts.

    Both windows need trials > 0.
    """
    k1, n1 = check_counts(k1, n1)
    k2, n2 = check_counts(k2, n2)
    if n1 == 0 or n2 == 0:
        raise EstimatorError("both windows need trials > 0")

    return symmetric_multiplicative_error((k1 + 0.5) / n1, (k2 + 0.5) / n2)


def sme_funnel(
    n1: SupportsIndex, n2: SupportsIndex, events: SupportsIndex, level: float = 0.9
) -> SmeBand:
    """Noise-only SME band for two windows sharing `events` = k1 + k2 in total.

    Exact under the conditional binomial (module docstring), with SME on the
    half-count rates of `sme_from_counts`. `events` may be observed (k1 + k2) or, for
    planning, the total expected in both windows rounded to an integer. Edge case:
    events = 0 gives a degenerate band at the SME of two zero counts,
    max(n1 / n2, n2 / n1).
    """
    _, n1 = check_counts(0, n1)
    _, n2 = check_counts(0, n2)
    total = check_count(events, "events")
    quantile = check_confidence(level, "level")
    if n1 == 0 or n2 == 0:
        raise EstimatorError("both windows need trials > 0")

    k1 = np.arange(total + 1)
    probability = stats.binom.pmf(k1, total, n1 / (n1 + n2))
    rate1, rate2 = (k1 + 0.5) / n1, (total - k1 + 0.5) / n2
    sme = np.maximum(rate1 / rate2, rate2 / rate1)

    order = np.argsort(sme, kind="stable")
    cumulative = np.cumsum(probability[order])
    cumulative /= cumulative[-1]

    def quantile_of(q: float) -> float:
        index = int(np.searchsorted(cumulative, q - 1e-12))
        return float(sme[order][min(index, total)])

    return SmeBand(median=quantile_of(0.5), high=quantile_of(quantile), level=quantile)
