"""Two-sided intervals for one rate: k events in n trials.

Wilson (1927) by default, Jeffreys or Clopper-Pearson (1934) on request; never Wald,
which covers far below nominal at rare rates (Brown, Cai & DasGupta 2001). Computed by
`statsmodels.stats.proportion.proportion_confint`. Exact coverage of the default over
rates 1e-5..1e-2 with 5..1000 expected events is 95.1% on average, 94.0% at worst
(see `bench/estimators_accuracy.py`, bar G1).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, SupportsIndex

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special
from statsmodels.stats.proportion import proportion_confint

from estimators._errors import EstimatorError, check_confidence, check_counts
from estimators._floor import detection_floor, is_below_floor, upper_bound

Method = Literal["wilson", "jeffreys", "clopper-pearson"]

# Our method names mapped to statsmodels' names for them.
_STATSMODELS_METHOD: dict[str, str] = {
    "wilson": "wilson",
    "jeffreys": "jeffreys",
    "clopper-pearson": "beta",
}


@dataclass(frozen=True, slots=True)
class ProportionInterval:
    """A rate's point estimate, two-sided interval, one-sided bound and floor.

    `estimate` is k / n (unbiased). `low`/`high` bound the rate two-sided at
    `confidence`; `upper` is the one-sided Clopper-Pearson bound at the same level,
    the number to publish when `below_floor` (fewer than about 3 events were seen).
    """

    events: int
    trials: int
    confidence: float
    method: str
    estimate: float
    low: float
    high: float
    upper: float
    floor: float
    below_floor: bool

    @property
    def k(self) -> int:
        """Alias of `events`."""
        return self.events

    @property
    def n(self) -> int:
        """Alias of `trials`."""
        return self.trials

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return asdict(self)


def proportion_interval(
    k: SupportsIndex,
    n: SupportsIndex,
    confidence: float = 0.95,
    method: Method = "wilson",
) -> ProportionInterval:
    """Interval for a rate from k events out of n trials.

    Methods: "wilson" (score interval, Wilson 1927), "jeffreys" (equal-tailed
    Beta(k + 1/2, n - k + 1/2) quantiles, with the lower end at 0 for k = 0) and
    "clopper-pearson" (exact, conservative). Brown, Cai & DasGupta (2001) recommend the
    first two. Edge cases:

    - k = 0: estimate 0 and low 0, but `high` and `upper` stay > 0, and the result is
      `below_floor`, so a bare 0 is never the published figure.
    - tiny n, or k < about 3: `below_floor` is True; publish `upper` only.
    - n = 0: low 0, high 1, upper 1, estimate 0 with `below_floor` True. We chose 0
      over NaN so the result stays JSON-safe; the floor flag keeps it unpublished.
    """
    k, n = check_counts(k, n)
    level = check_confidence(confidence)
    if method not in _STATSMODELS_METHOD:
        raise EstimatorError(
            f"method must be one of {sorted(_STATSMODELS_METHOD)}, got {method!r}"
        )

    if n == 0:
        low, high, estimate = 0.0, 1.0, 0.0
    else:
        estimate = k / n
        low, high = (
            float(bound)
            for bound in proportion_confint(
                k, n, alpha=1.0 - level, method=_STATSMODELS_METHOD[method]
            )
        )
        # Round-off can leave a bound a hair on the wrong side of the estimate.
        low, high = min(max(low, 0.0), estimate), max(min(high, 1.0), estimate)

    return ProportionInterval(
        events=k,
        trials=n,
        confidence=level,
        method=method,
        estimate=estimate,
        low=low,
        high=high,
        upper=upper_bound(k, n, level),
        floor=detection_floor(n, level),
        below_floor=is_below_floor(k, n, level),
    )


def wilson_bounds(
    events: ArrayLike, trials: ArrayLike, confidence: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Vectorised Wilson (centre, low, high) for arrays of counts with trials > 0.

    The centre (k + z^2/2) / (n + z^2) is the midpoint of the Wilson interval; unlike
    k / n it is > 0 at k = 0, which lets the log-scale combinations in
    `corrected_interval` and `paired_rate_ratio_interval` stay finite.
    """
    k = np.asarray(events, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    low, high = proportion_confint(k, n, alpha=1.0 - confidence, method="wilson")
    z2 = two_sided_z(confidence) ** 2
    centre = (k + z2 / 2.0) / (n + z2)
    # statsmodels leaves round-off (~1e-18) where the limits are exactly 0 and 1.
    low = np.where(k == 0, 0.0, low)
    high = np.where(k == n, 1.0, high)

    return centre, low.astype(np.float64), high.astype(np.float64)


def two_sided_z(confidence: float) -> float:
    """The normal quantile z with P(|Z| <= z) = confidence."""
    return float(special.ndtri(0.5 + confidence / 2.0))
