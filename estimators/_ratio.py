"""Comparing two rates: independent windows, and paired ones on the same prefixes.

Independent (forecast vs live, new vs old model on different traffic): conditional on
the total K = k1 + k2, k1 is binomial with share n1 r / (n1 r + n2), r the rate ratio,
whatever the common rate. The p-value is the exact conditional test (Przyborowski &
Wilenski 1940), `statsmodels.stats.rates.test_poisson_2indep(method="exact-cond")`,
the rate analogue of the Fisher exact test the source method uses at alpha 0.1. The
default interval inverts the same conditional binomial with Clopper-Pearson limits
(exact, conservative); `method="score"` takes the score interval of
`statsmodels.stats.rates.confint_poisson_2indep`, nearer nominal but defined only when
both counts are positive. Both treat counts as Poisson, right for rates below ~5%.

Paired (shadow and live, or candidate and previous model, graded on the same prefixes):
only discordant pairs carry information about a difference. The p-value is the exact
McNemar test (`statsmodels.stats.contingency_tables.mcnemar`); the interval for the
ratio of the two marginal rates is MOVER on the log scale with the correlation between
the two marginals (Zou & Donner 2008; Tang, Tang & Chan 2003 treat the same problem),
on Wilson-centred components so that zeros stay finite. Pairing tightens the interval
whenever the two sides flag the same prefixes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal, SupportsIndex

import numpy as np
from scipy.stats import binomtest
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import confint_poisson_2indep, test_poisson_2indep

from estimators._errors import EstimatorError, check_confidence, check_counts
from estimators._interval import wilson_bounds

Direction = Literal["up", "down"]


@dataclass(frozen=True, slots=True)
class RateRatio:
    """rate1 / rate2 with its interval and a two-sided p-value for "no change".

    `high` is math.inf when the second rate may be 0; `to_dict` writes it as null.
    """

    estimate: float
    low: float
    high: float
    p_value: float
    confidence: float
    method: str

    def direction(self, alpha: float = 0.1) -> Direction | None:
        """The change's direction if significant at `alpha` ("up"/"down"), else None.

        alpha 0.1 is the source method's level for calling a rate change.
        """
        if self.p_value >= alpha or self.estimate == 1.0:
            return None

        return "up" if self.estimate > 1.0 else "down"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (infinite limits become null)."""
        data = asdict(self)
        for key in ("estimate", "low", "high"):
            if math.isinf(data[key]):
                data[key] = None

        return data


def rate_ratio_interval(
    k1: SupportsIndex,
    n1: SupportsIndex,
    k2: SupportsIndex,
    n2: SupportsIndex,
    confidence: float = 0.95,
    method: Literal["exact", "score"] = "exact",
) -> RateRatio:
    """Ratio of two independent rates (k1 / n1) / (k2 / n2), interval and p-value.

    Edge cases (both trial counts must be > 0):

    - k1 = 0: low 0; k2 = 0: high math.inf (one-sided open bound).
    - either count 0: the estimate uses (k + 1/2) / n on both sides, the same rule
      as `sme_from_counts`, so it is finite and inside the interval.
    - k1 = k2 = 0: interval (0, inf) and p-value 1: no evidence either way.
    """
    k1, n1 = check_counts(k1, n1)
    k2, n2 = check_counts(k2, n2)
    level = check_confidence(confidence)
    if n1 == 0 or n2 == 0:
        raise EstimatorError("both windows need trials > 0 to compare their rates")
    if method not in ("exact", "score"):
        raise EstimatorError(f"method must be 'exact' or 'score', got {method!r}")

    total = k1 + k2
    if total == 0:
        return RateRatio(n2 / n1, 0.0, math.inf, 1.0, level, "exact-conditional")

    p_value = float(
        test_poisson_2indep(k1, n1, k2, n2, method="exact-cond").pvalue
        if k2 > 0
        else _conditional_pvalue(k1, total, n1 / (n1 + n2))
    )
    if method == "score" and k1 > 0 and k2 > 0:
        low, high = (
            float(limit)
            for limit in confint_poisson_2indep(
                k1, n1, k2, n2, method="score", alpha=1.0 - level
            )
        )
    else:
        low, high = _conditional_limits(k1, total, n1, n2, level)
        method = "exact"

    return RateRatio(
        estimate=_clip(_ratio_estimate(k1, n1, k2, n2), low, high),
        low=low,
        high=high,
        p_value=min(p_value, 1.0),
        confidence=level,
        method="exact-conditional" if method == "exact" else "score",
    )


def paired_rate_ratio_interval(
    both: SupportsIndex,
    only_first: SupportsIndex,
    only_second: SupportsIndex,
    n: SupportsIndex,
    confidence: float = 0.95,
) -> RateRatio:
    """Ratio of two rates measured on the same n prefixes.

    `both`: prefixes flagged on both sides; `only_first`/`only_second`: flagged on one
    side only. rate1 = (both + only_first) / n, rate2 = (both + only_second) / n.
    Edge cases mirror `rate_ratio_interval`: a zero first rate gives low 0, a zero
    second rate gives high inf, zeros use the half-count estimate, and with no
    discordant pairs the McNemar p-value is 1.
    """
    a, n = check_counts(both, n)
    b, _ = check_counts(only_first, n)
    c, _ = check_counts(only_second, n)
    level = check_confidence(confidence)
    if a + b + c > n:
        raise EstimatorError(
            f"both + only_first + only_second = {a + b + c} exceeds trials = {n}"
        )
    if n == 0:
        raise EstimatorError("trials must be > 0 to compare two rates")

    first, second = a + b, a + c
    table = [[a, b], [c, n - a - b - c]]
    p_value = float(mcnemar(table, exact=True).pvalue) if b + c else 1.0
    low, high = _paired_limits(a, first, second, n, level)

    return RateRatio(
        estimate=_clip(_ratio_estimate(first, n, second, n), low, high),
        low=low,
        high=high,
        p_value=min(p_value, 1.0),
        confidence=level,
        method="paired-mover",
    )


def _conditional_limits(
    k1: int, total: int, n1: int, n2: int, level: float
) -> tuple[float, float]:
    """Clopper-Pearson limits for k1's share of the total, turned into ratios."""
    share_low, share_high = (
        float(limit)
        for limit in proportion_confint(k1, total, alpha=1.0 - level, method="beta")
    )
    low = 0.0 if k1 == 0 else share_low / (1.0 - share_low) * n2 / n1
    high = math.inf if k1 == total else share_high / (1.0 - share_high) * n2 / n1

    return low, high


def _conditional_pvalue(k1: int, total: int, share: float) -> float:
    """Exact conditional p-value for the case statsmodels divides by zero (k2 = 0)."""
    return float(binomtest(k1, total, share).pvalue)


def _paired_limits(
    both: int, first: int, second: int, n: int, level: float
) -> tuple[float, float]:
    centres, lows, highs = wilson_bounds([first, second], [n, n], level)
    log_c1, log_c2 = math.log(centres[0]), math.log(centres[1])
    theta = log_c1 - log_c2
    rho = _marginal_correlation(both, first, second, n)

    if first == 0:
        low = 0.0
    else:
        d1, d2 = log_c1 - math.log(lows[0]), math.log(highs[1]) - log_c2
        low = math.exp(theta - math.sqrt(max(d1 * d1 + d2 * d2 - 2 * rho * d1 * d2, 0)))
    if second == 0:
        high = math.inf
    else:
        d1, d2 = math.log(highs[0]) - log_c1, log_c2 - math.log(lows[1])
        high = math.exp(
            theta + math.sqrt(max(d1 * d1 + d2 * d2 - 2 * rho * d1 * d2, 0))
        )

    return low, high


def _marginal_correlation(both: int, first: int, second: int, n: int) -> float:
    """Correlation of the two sides' flags on a prefix, 0 where it is undefined."""
    p1, p2, p11 = first / n, second / n, both / n
    spread = p1 * (1.0 - p1) * p2 * (1.0 - p2)
    if spread <= 0.0:
        return 0.0

    return float(np.clip((p11 - p1 * p2) / math.sqrt(spread), -1.0, 1.0))


def _ratio_estimate(k1: int, n1: int, k2: int, n2: int) -> float:
    if k1 > 0 and k2 > 0:
        return (k1 / n1) / (k2 / n2)

    return ((k1 + 0.5) / n1) / ((k2 + 0.5) / n2)


def _clip(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)
