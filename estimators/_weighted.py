"""A rate from a weighted sample (stratified or otherwise unequal-probability).

Estimate: the Hajek ratio sum(w y) / sum(w). Effective counts (Kish 1965), driven by the
positives' weights as rare events need: k_eff = (sum of w over positives)^2 / (sum of
w^2 over positives), and n_eff = k_eff / estimate, so that estimate = k_eff / n_eff and
the Poisson variance estimate / n_eff equals the linearised variance of the Hajek ratio.

Interval: the gamma interval for a weighted sum of Poisson counts of Fay & Feuer
(1997), whose shape is exactly k_eff. Its upper limit adds one pseudo-event at the
largest weight in the sample, which covers what a Wilson interval on (k_eff, n_eff)
misses: a heavily weighted stratum that happened to show no positives. In simulations
of stratified samples (bar G4) that Wilson interval covered as little as 0.3%; this one
covered >= 95% in every cell, conservatively (it reduces to the exact Garwood interval
when all weights are equal). Being Poisson-based, it is meant for rates below ~5%;
above that it grows more conservative still.

Everything is computed from running sums (`WeightedCounts`), so a streaming worker can
keep weighted rates without keeping records; it needs the largest weight as well as the
sums of w and w^2 over positives.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from estimators._errors import EstimatorError, check_confidence


@dataclass(frozen=True, slots=True)
class WeightedCounts:
    """Running sums of a weighted sample; add two to merge them."""

    records: int = 0
    positives: int = 0
    total_weight: float = 0.0
    total_weight_sq: float = 0.0
    positive_weight: float = 0.0
    positive_weight_sq: float = 0.0
    max_weight: float = 0.0

    def __add__(self, other: WeightedCounts) -> WeightedCounts:
        return WeightedCounts(
            records=self.records + other.records,
            positives=self.positives + other.positives,
            total_weight=self.total_weight + other.total_weight,
            total_weight_sq=self.total_weight_sq + other.total_weight_sq,
            positive_weight=self.positive_weight + other.positive_weight,
            positive_weight_sq=self.positive_weight_sq + other.positive_weight_sq,
            max_weight=max(self.max_weight, other.max_weight),
        )

    @classmethod
    def from_records(cls, flags: ArrayLike, weights: ArrayLike) -> WeightedCounts:
        """Sums over records: `flags` says which are positive, `weights` their weights.

        The sums do not depend on the order of the records.
        """
        y = np.asarray(flags)
        w = np.asarray(weights, dtype=np.float64)
        if y.ndim != 1 or w.ndim != 1 or y.shape != w.shape:
            raise EstimatorError(
                "flags and weights must be one-dimensional and of equal length, "
                f"got shapes {y.shape} and {w.shape}"
            )
        if y.size and not np.isin(y, (0, 1)).all():
            raise EstimatorError("flags must be booleans or 0/1")
        if y.size and not (np.isfinite(w).all() and (w > 0).all()):
            raise EstimatorError("weights must be finite and > 0")

        positive = y.astype(bool)
        return cls(
            records=int(y.size),
            positives=int(positive.sum()),
            total_weight=float(w.sum()),
            total_weight_sq=float((w * w).sum()),
            positive_weight=float(w[positive].sum()),
            positive_weight_sq=float((w[positive] ** 2).sum()),
            max_weight=float(w.max()) if w.size else 0.0,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WeightedCounts:
        """Counts from `to_dict`'s output."""
        return cls(
            records=int(data["records"]),
            positives=int(data["positives"]),
            **{
                name: float(data[name])
                for name in (
                    "total_weight",
                    "total_weight_sq",
                    "positive_weight",
                    "positive_weight_sq",
                    "max_weight",
                )
            },
        )


@dataclass(frozen=True, slots=True)
class WeightedInterval:
    """Hajek estimate, Fay-Feuer interval and the effective counts behind them."""

    estimate: float
    low: float
    high: float
    k_eff: float
    n_eff: float
    records: int
    positives: int
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return asdict(self)


def weighted_proportion_interval(
    flags: ArrayLike, weights: ArrayLike, confidence: float = 0.95
) -> WeightedInterval:
    """Interval for a rate from per-record flags and sampling weights.

    See the module docstring for the method (Hajek; Kish 1965; Fay & Feuer 1997).
    Edge cases:

    - no positives: estimate 0, low 0, k_eff 0; n_eff falls back to Kish's effective
      sample size (sum w)^2 / sum w^2, and `high` is the upper limit of one
      pseudo-event at the largest weight, so it stays > 0.
    - no records: estimate 0, interval [0, 1], effective counts 0.
    - equal weights: the exact Poisson (Garwood) interval for k out of n.
    """
    counts = WeightedCounts.from_records(flags, weights)

    return weighted_interval(counts, confidence)


def weighted_interval(
    counts: WeightedCounts, confidence: float = 0.95
) -> WeightedInterval:
    """`weighted_proportion_interval` from running sums instead of records."""
    level = check_confidence(confidence)
    if counts.records == 0 or counts.total_weight <= 0.0:
        return WeightedInterval(0.0, 0.0, 1.0, 0.0, 0.0, counts.records, 0, level)

    total = counts.total_weight
    estimate = min(counts.positive_weight / total, 1.0)
    low, high = fay_feuer_bounds(
        estimate,
        counts.positive_weight_sq / total**2,
        counts.max_weight / total,
        level,
    )
    if counts.positive_weight > 0.0:
        k_eff = counts.positive_weight**2 / counts.positive_weight_sq
        n_eff = k_eff / estimate
    else:
        k_eff = 0.0
        n_eff = total**2 / counts.total_weight_sq

    return WeightedInterval(
        estimate=estimate,
        low=min(float(low), estimate),
        high=max(float(high), estimate),
        k_eff=k_eff,
        n_eff=n_eff,
        records=counts.records,
        positives=counts.positives,
        confidence=level,
    )


def fay_feuer_bounds(
    estimate: ArrayLike,
    variance: ArrayLike,
    max_coefficient: ArrayLike,
    confidence: float = 0.95,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vectorised Fay & Feuer (1997) gamma limits for a weighted sum of Poissons.

    `estimate` is y = sum(c_i k_i), `variance` v = sum(c_i^2 k_i) and
    `max_coefficient` the largest c_i (here c_i = w_i / sum w). Lower limit: the
    alpha/2 quantile of a gamma with mean y and variance v (0 when y = 0). Upper
    limit: the 1 - alpha/2 quantile of one with mean y + c_max and variance
    v + c_max^2. Both clipped to [0, 1].
    """
    y = np.asarray(estimate, dtype=np.float64)
    v = np.asarray(variance, dtype=np.float64)
    c_max = np.asarray(max_coefficient, dtype=np.float64)
    alpha = 1.0 - confidence

    # A gamma with mean mu and variance v has shape mu^2 / v and scale v / mu.
    positive = y > 0.0
    safe_y = np.where(positive, y, 1.0)
    safe_v = np.where(positive, v, 1.0)
    low_shape = safe_y**2 / safe_v
    low = np.where(
        positive, special.gammaincinv(low_shape, alpha / 2.0) * safe_v / safe_y, 0.0
    )
    mean_up, var_up = y + c_max, v + c_max**2
    high_shape = mean_up**2 / var_up
    high = special.gammaincinv(high_shape, 1.0 - alpha / 2.0) * var_up / mean_up

    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)
