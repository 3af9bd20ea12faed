"""Confidence sequences: intervals for a rate that stay valid at every look.

An ordinary 95% interval recomputed at every look of a dashboard misses the truth at
least once in most long runs. A confidence sequence (Howard, Ramdas, McAuliffe & Sekhon
2021) covers the true rate at all looks at once with probability >= `confidence`.

Method: the gamma-Poisson conjugate mixture. For a candidate rate p0 with expected count
mu0 = p0 n, and S events seen, the process

    M(p0) = integral of r^S exp(-(r - 1) mu0) dGamma(r; shape a, rate a)
          = exp(mu0) a^a Gamma(a + S) / (Gamma(a) (a + mu0)^(a + S))

is a nonnegative supermartingale under p0 (a mixture of Poisson likelihood ratios
r^S e^{-(r-1) mu0}; Bernoulli counts are sub-Poisson, so it holds for them too). By
Ville's inequality M(p0) ever reaches 1/alpha with probability <= alpha, so
{p0 : M(p0) < 1/alpha} is a confidence sequence. In x = a + mu0 the boundary is
x - (a + S) ln x = const, solved in closed form by the two real branches of the
Lambert W function and polished by Newton steps.

The mixing gamma on the rate *ratio* r (mean 1) makes the boundary depend on counts
only, not on the scale of the rate, which suits rates from 1e-5 to 1e-2 alike. Its
shape a = 5 keeps the width 1.5-1.9x the Wilson interval's from 3 to 10^4 events
(2.0-2.3x beyond 10^5 events, where the mixture's log-n penalty shows). Over a year of
hourly looks, 0.8-4.5% of simulated runs ever missed the truth (bar G5: <= 5%).
"""

from __future__ import annotations

import math
from typing import Any, SupportsIndex

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln, lambertw

from estimators._errors import check_confidence, check_counts, check_positive

DEFAULT_SHAPE = 5.0


class ConfidenceSequence:
    """Time-uniform interval for a rate, fed counts as they arrive.

    `update(events, trials)` adds a batch; `interval()` is valid at every look. With
    `intersect=True` (default) the interval is the running intersection of all
    intervals so far, which is just as valid and never widens. If that intersection
    would be empty (probability <= 1 - confidence while the rate is constant, so the
    rate has evidently moved), the sequence restarts from the newest interval.
    """

    def __init__(
        self,
        confidence: float = 0.95,
        *,
        shape: float = DEFAULT_SHAPE,
        intersect: bool = True,
    ) -> None:
        self.confidence = check_confidence(confidence)
        self.shape = check_positive(shape, "shape")
        self.intersect = intersect
        self.events = 0
        self.trials = 0
        self._low = 0.0
        self._high = 1.0

    def update(
        self, events: SupportsIndex, trials: SupportsIndex
    ) -> tuple[float, float]:
        """Add `events` out of `trials`; return the interval after this look."""
        k, n = check_counts(events, trials)
        self.events += k
        self.trials += n

        low, high = confidence_sequence_interval(
            self.events, self.trials, self.confidence, shape=self.shape
        )
        if not self.intersect:
            self._low, self._high = low, high
        elif max(low, self._low) <= min(high, self._high):
            self._low, self._high = max(low, self._low), min(high, self._high)
        else:
            self._low, self._high = low, high

        return self._low, self._high

    def interval(self) -> tuple[float, float]:
        """The current (low, high); (0, 1) before any trials."""
        return self._low, self._high

    def reset(self) -> None:
        """Forget all counts."""
        self.events = 0
        self.trials = 0
        self._low, self._high = 0.0, 1.0


def confidence_sequence_interval(
    events: SupportsIndex,
    trials: SupportsIndex,
    confidence: float = 0.95,
    *,
    shape: float = DEFAULT_SHAPE,
) -> tuple[float, float]:
    """Confidence-sequence interval from cumulative counts (no running intersection).

    Valid simultaneously at every look when called on the running totals. Edge
    cases: n = 0 gives (0, 1); k = 0 gives low 0 and a high of about 7.6 / n at 95%
    (2.5x the rule of three: the price of validity at every look).
    """
    k, n = check_counts(events, trials)
    level = check_confidence(confidence)
    if n == 0:
        return 0.0, 1.0

    a = check_positive(shape, "shape")
    m = a + k
    target = float(_level_term(level, a, m))
    argument = max(-math.exp(-target / m - math.log(m)), -1.0 / math.e)
    x_low = _polish(float(-m * lambertw(argument, 0).real), m, target)
    x_high = _polish(float(-m * lambertw(argument, -1).real), m, target)

    return min(max(x_low - a, 0.0) / n, 1.0), min(max(x_high - a, 0.0) / n, 1.0)


def sequence_bounds(
    events: ArrayLike,
    trials: ArrayLike,
    confidence: float = 0.95,
    shape: float = DEFAULT_SHAPE,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vectorised gamma-Poisson mixture bounds for cumulative counts (trials > 0)."""
    s = np.asarray(events, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    a = shape
    m = a + s
    level_term = _level_term(confidence, a, m)
    argument = -np.exp(-level_term / m - np.log(m))
    argument = np.maximum(argument, -1.0 / math.e)  # round-off at the branch point
    x_low = np.real(-m * lambertw(argument, 0))
    x_high = np.real(-m * lambertw(argument, -1))
    for _ in range(2):
        x_low = _newton(x_low, m, level_term)
        x_high = _newton(x_high, m, level_term)

    low = np.maximum(x_low - a, 0.0) / n
    high = (x_high - a) / n

    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def _level_term(confidence: float, a: float, m: Any) -> Any:
    """Right side K of the boundary x - m ln x = K (x = a + mu0, m = a + S)."""
    return (
        math.log(1.0 / (1.0 - confidence))
        + a
        - a * math.log(a)
        + gammaln(a)
        - gammaln(m)
    )


def _polish(x: float, m: float, target: float) -> float:
    """Two Newton steps on x - m ln x = target (the scalar twin of `_newton`)."""
    for _ in range(2):
        slope = 1.0 - m / x
        if abs(slope) > 1e-12:
            x = max(x - (x - m * math.log(x) - target) / slope, 1e-300)

    return x


def _newton(
    x: NDArray[np.float64], m: NDArray[np.float64], target: NDArray[np.float64]
) -> NDArray[np.float64]:
    slope = 1.0 - m / x
    safe = np.abs(slope) > 1e-12
    step = np.where(
        safe, (x - m * np.log(x) - target) / np.where(safe, slope, 1.0), 0.0
    )
    stepped: NDArray[np.float64] = np.maximum(x - step, 1e-300)

    return stepped
