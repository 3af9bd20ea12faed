"""Run lengths of a one-sided Poisson CUSUM, by Markov chain (Brook & Evans 1972).

The statistic S <- max(0, S + X ln(rho) - (rho - 1) m) is discretised on a grid of
`states` cells over [0, h); each step's probability mass is split between the two
cells either side of where it lands, which keeps the mean drift exact (plain rounding
biases it). The chain's fundamental matrix gives the expected number of steps to
cross h from 0.

Day-to-day wobble: the true rate on a day is theta x (shift x baseline), with theta
normal with mean 1 and standard deviation w, or uniform on [1 - w, 1 + w], redrawn
each day. Within a day the chain runs with theta fixed, so the day's transition is
Q_theta^(steps per day); averaging that over theta gives a day-level chain whose
expected time to absorption is the run length with wobble. A wobble that lasts a
whole day is far more dangerous than the same variance spread over hours: with plenty
of traffic it is indistinguishable from a genuine shift for that day. The normal's
tails make its calibration cover a uniform +-w wobble with room to spare (that has a
third of the variance and no tails); the converse does not hold.

Sparse traffic: when fewer than ~0.25 events are expected per update, updates are
pooled into blocks (a divisor of the day) for the chain, so the grid still resolves the
drift; reflecting at 0 once per block instead of per update barely changes the run
length (the benchmark's simulations check the calibrated run lengths end to end).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, sparse, stats

from estimators._errors import EstimatorError

WobbleShape = Literal["normal", "uniform"]

STATES = 120
_TAIL_Z = 6.0
_Z_STEP = 0.5
_POOL_EVENTS = 0.25
_MAX_THRESHOLD = 2.0**24


def cusum_arl(
    log_ratio: float,
    threshold: float,
    expected_per_update: float,
    *,
    shift: float = 1.0,
    wobble: float = 0.0,
    updates_per_day: int = 24,
    wobble_shape: WobbleShape = "normal",
) -> float:
    """Expected updates until a CUSUM started at 0 reaches `threshold`.

    `log_ratio` is ln(rho) for the rate ratio rho the CUSUM is tuned to (> 0 watches
    for rises, < 0 for falls); `expected_per_update` the baseline expected events per
    update; `shift` the true rate over the baseline; `wobble` the size of the daily
    factor on the true rate: its standard deviation (normal, mean 1) or its half
    width (uniform on [1 - wobble, 1 + wobble]), by `wobble_shape`.
    """
    block = _block(expected_per_update, updates_per_day)
    steps_per_day = updates_per_day // block
    baseline = expected_per_update * block
    thetas, weights = wobble_nodes(wobble, wobble_shape)
    kernels = _Kernels(log_ratio, threshold, baseline, shift * thetas)

    if wobble == 0.0:
        steps = np.linalg.solve(np.eye(STATES) - kernels.matrix(0), np.ones(STATES))
        return float(steps[0]) * block

    day_kernel = np.zeros((STATES, STATES))
    day_steps = np.zeros(STATES)
    for index, weight in enumerate(weights):
        kernel = kernels.matrix(index)
        alive = np.ones(STATES)
        for _ in range(steps_per_day):
            day_steps += weight * alive
            alive = kernel @ alive
        day_kernel += weight * np.linalg.matrix_power(kernel, steps_per_day)

    steps = np.linalg.solve(np.eye(STATES) - day_kernel, day_steps)

    return float(steps[0]) * block


def wobble_nodes(
    wobble: float, shape: WobbleShape = "normal"
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Daily factors and their probabilities on a grid.

    Normal(1, wobble^2): z from -6 to 6 in steps of 1/2 with normal weights, the
    factor floored at 0.02. A grid rather than Gauss-Hermite nodes, because with much
    traffic the run length changes abruptly with the factor and the tails must be
    resolved. Uniform on [1 - wobble, 1 + wobble]: 25 equal cells' midpoints.
    """
    if wobble == 0.0:
        return np.ones(1), np.ones(1)
    if shape == "uniform":
        cells = 2 * round(_TAIL_Z / _Z_STEP) + 1
        edges = np.linspace(1.0 - wobble, 1.0 + wobble, cells + 1)
        return (edges[:-1] + edges[1:]) / 2.0, np.full(cells, 1.0 / cells)
    z = np.arange(-_TAIL_Z, _TAIL_Z + 1e-9, _Z_STEP)
    weights = np.exp(-z * z / 2.0)

    return np.maximum(1.0 + wobble * z, 0.02), weights / weights.sum()


def cusum_delay(
    log_ratio: float, threshold: float, expected_per_update: float, shift: float
) -> float:
    """Expected baseline events from a sustained `shift` (from S = 0) to the alarm."""
    updates = cusum_arl(log_ratio, threshold, expected_per_update, shift=shift)

    return updates * expected_per_update


@lru_cache(maxsize=512)
def cusum_threshold(
    log_ratio: float,
    target_arl: float,
    expected_per_update: float,
    *,
    wobble: float,
    updates_per_day: int,
    wobble_shape: WobbleShape = "normal",
) -> float:
    """The threshold h whose in-control run length (with wobble) is `target_arl`.

    Root of log ARL(h) = log target, bracketed by doubling h. Raises EstimatorError
    when no h up to 2^24 reaches the target.
    """

    def gap(threshold: float) -> float:
        arl = cusum_arl(
            log_ratio,
            threshold,
            expected_per_update,
            wobble=wobble,
            updates_per_day=updates_per_day,
            wobble_shape=wobble_shape,
        )
        return math.log(max(arl, 1e-300)) - math.log(target_arl)

    low, high = 0.05, 1.0
    while gap(high) < 0.0:
        low, high = high, 2.0 * high
        if high > _MAX_THRESHOLD:
            raise EstimatorError(
                "no CUSUM threshold reaches the requested ARL0 with this wobble; "
                "widen rise/fall or lower the wobble"
            )

    return float(optimize.brentq(gap, low, high, xtol=5e-3))


def _block(expected_per_update: float, updates_per_day: int) -> int:
    """Largest divisor of the day whose pooled expected events stay <= 0.25."""
    divisors = [d for d in range(1, updates_per_day + 1) if updates_per_day % d == 0]
    fitting = [d for d in divisors if d * expected_per_update <= _POOL_EVENTS]

    return max(fitting, default=1)


class _Kernels:
    """One-step transition matrices on the grid over [0, threshold), one per mean.

    Where a step lands depends only on the event count, so the landing cells are
    laid out once as a sparse (cells x counts) matrix; each mean's kernel is that
    matrix times its Poisson probabilities.
    """

    def __init__(
        self,
        log_ratio: float,
        threshold: float,
        baseline: float,
        factors: NDArray[np.float64],
    ) -> None:
        means = factors * baseline
        lowest = int(stats.poisson.ppf(1e-13, means.min()))
        highest = int(stats.poisson.isf(1e-13, means.max())) + 1
        self._events = np.arange(lowest, highest + 1)
        self._means = means

        cell = threshold / STATES
        drift = math.expm1(log_ratio) * baseline
        jump = (self._events * log_ratio - drift) / cell
        landing = np.maximum(np.arange(STATES)[:, None] + jump[None, :], 0.0)
        lower = np.floor(landing)
        upper_share = (landing - lower).ravel()
        rows = np.repeat(np.arange(STATES) * (STATES + 1), self._events.size)
        columns = np.tile(np.arange(self._events.size), STATES)
        self._layout = sparse.csr_matrix(
            (
                np.concatenate([1.0 - upper_share, upper_share]),
                (
                    np.concatenate(
                        [
                            rows + np.minimum(lower, STATES).astype(np.int64).ravel(),
                            rows
                            + np.minimum(lower + 1, STATES).astype(np.int64).ravel(),
                        ]
                    ),
                    np.concatenate([columns, columns]),
                ),
            ),
            shape=(STATES * (STATES + 1), self._events.size),
        )

    def matrix(self, index: int) -> NDArray[np.float64]:
        """The sub-stochastic kernel for the `index`-th mean (absorbing column cut)."""
        probability = stats.poisson.pmf(self._events, self._means[index])
        flat = np.asarray(self._layout @ probability, dtype=np.float64)

        return flat.reshape(STATES, STATES + 1)[:, :STATES]
