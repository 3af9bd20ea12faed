"""A rate corrected for grader error, with the audits' uncertainty carried along.

A grader flags k of n messages (flagged share q = k / n). Auditing flagged messages
estimates its precision PPV; grading known positives estimates its recall. The true
rate is p = q * PPV / recall. Ignoring the audits' own sampling error covers the truth
only 78-92% of the time; this carries it.

Interval: MOVER on the log scale (Zou & Donner 2008; Newcombe 1998): log p is a sum
of three independent log-proportions, and each one's Wilson interval (Wilson 1927)
recovers its variance on either side, so the limits are

    L = theta - sqrt(sum of squared lower distances),
    U = theta + sqrt(sum of squared upper distances),

the delta method on the log with asymmetric, small-sample-safe variances. Each
component is centred at its Wilson midpoint (k + z^2/2) / (n + z^2), which stays > 0
at zero counts, so the interval is defined for every input. Closed form and
deterministic. Exact coverage over 1,344 settings (rates 1e-4..1e-2, 5..1000 expected
flags, recall 0.5..0.98, PPV 0.2..0.97, audits of 20..300) averaged 95.4%, worst
93.9% (bar G3).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, SupportsIndex

import numpy as np
from numpy.typing import ArrayLike, NDArray

from estimators._errors import EstimatorError, check_confidence, check_counts
from estimators._interval import wilson_bounds


@dataclass(frozen=True, slots=True)
class CorrectedInterval:
    """Grader-corrected rate: estimate, interval and the three parts it came from."""

    estimate: float
    low: float
    high: float
    flagged_rate: float
    ppv: float
    recall: float
    confidence: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return asdict(self)


def corrected_interval(
    k: SupportsIndex,
    n: SupportsIndex,
    ppv_hits: SupportsIndex,
    ppv_audited: SupportsIndex,
    recall_hits: SupportsIndex,
    recall_audited: SupportsIndex,
    confidence: float = 0.95,
) -> CorrectedInterval:
    """Interval for p = q * PPV / recall (see the module docstring for the method).

    `k`/`n`: flagged and graded messages. `ppv_hits`/`ppv_audited`: flagged
    messages an auditor confirmed, out of those audited. `recall_hits`/`recall_audited`:
    known positives the grader flagged, out of those tried.

    Estimate: q * PPV * (m + 1) / (h + 1), where h / m is the recall audit. Plain
    q * PPV * m / h is biased upwards by about (1 - recall) / (recall * m), since
    1 / recall is a convex function of the audit; E[(m + 1) / (h + 1)] =
    (1 - (1 - recall)^(m + 1)) / recall is within a hair of 1 / recall. Edge cases:

    - k = 0 or ppv_hits = 0: estimate 0 and low 0; high stays > 0.
    - recall_hits = 0: high is 1 (recall could be ~0, so the rate is unbounded).
    - trials = 0: estimate 0, interval [0, 1].
    - an audit of size 0 is an error: there is nothing to correct with, so use
      `proportion_interval` on the raw counts instead.

    The estimate is clipped into [low, high] (it can only fall outside at near-empty
    audits) and everything into [0, 1].
    """
    k, n = check_counts(k, n)
    hits, audited = check_counts(ppv_hits, ppv_audited)
    found, known = check_counts(recall_hits, recall_audited)
    level = check_confidence(confidence)
    if audited == 0 or known == 0:
        raise EstimatorError(
            "both audits need at least one item; without them use proportion_interval"
        )

    ppv, recall = hits / audited, found / known
    if n == 0:
        return CorrectedInterval(0.0, 0.0, 1.0, 0.0, ppv, recall, level)

    flagged_rate = k / n
    estimate = min(flagged_rate * ppv * (known + 1) / (found + 1), 1.0)
    low, high = (
        float(b) for b in mover_bounds(k, n, hits, audited, found, known, level)
    )

    return CorrectedInterval(
        estimate=min(max(estimate, low), high),
        low=low,
        high=high,
        flagged_rate=flagged_rate,
        ppv=ppv,
        recall=recall,
        confidence=level,
    )


def mover_bounds(
    events: ArrayLike,
    trials: ArrayLike,
    ppv_hits: ArrayLike,
    ppv_audited: ArrayLike,
    recall_hits: ArrayLike,
    recall_audited: ArrayLike,
    confidence: float = 0.95,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vectorised MOVER-Wilson limits of q * PPV / recall (all trials > 0)."""
    parts = np.broadcast_arrays(
        events, trials, ppv_hits, ppv_audited, recall_hits, recall_audited
    )
    centres, lows, highs = wilson_bounds(
        np.stack(parts[0::2]), np.stack(parts[1::2]), confidence
    )
    centre_q, centre_v, centre_r = centres
    low_q, low_v, low_r = lows
    high_q, high_v, high_r = highs

    # A Wilson lower limit of 0 puts a log at -inf, which sends L to 0 or U to inf:
    # exactly the limits a zero count should give.
    with np.errstate(divide="ignore", invalid="ignore"):
        log_q, log_v, log_r = np.log(centre_q), np.log(centre_v), np.log(centre_r)
        theta = log_q + log_v - log_r
        below = np.sqrt(
            (log_q - np.log(low_q)) ** 2
            + (log_v - np.log(low_v)) ** 2
            + (np.log(high_r) - log_r) ** 2
        )
        above = np.sqrt(
            (np.log(high_q) - log_q) ** 2
            + (np.log(high_v) - log_v) ** 2
            + (log_r - np.log(low_r)) ** 2
        )
        low = np.exp(theta - below)
        high = np.exp(theta + above)

    return np.clip(low, 0.0, 1.0), np.clip(np.nan_to_num(high, nan=1.0), 0.0, 1.0)
