"""One-sided upper bounds and the detection floor they imply.

The guarantee depsim gives for a rare rate is the one-sided Clopper-Pearson upper bound
(Clopper & Pearson 1934): at least `confidence` of the windows it is computed for lie
above the true rate, whatever that rate is. At k = 0 the bound is 1 - (1 - c)^(1/n),
about -ln(1 - c) / n: the "rule of three" (3/n) at 95% (Hanley & Lippman-Hand 1983).
That k = 0 bound is the *detection floor* of a window of n trials: the smallest rate a
window of that size can tell apart from zero, published beside every rate.
"""

from __future__ import annotations

import math
from typing import SupportsIndex

from scipy import special

from estimators._errors import check_confidence, check_counts


def upper_bound(k: SupportsIndex, n: SupportsIndex, confidence: float = 0.95) -> float:
    """One-sided Clopper-Pearson upper bound for a rate (Clopper & Pearson 1934).

    The `confidence` quantile of Beta(k + 1, n - k). Edge cases:

    - k = 0: 1 - (1 - confidence)^(1/n), about 3/n at 95% (the rule of three);
      always > 0, so a zero count never reads as a zero rate.
    - k = n: 1.0.
    - n = 0: 1.0; nothing has been observed, so nothing is excluded.
    """
    k, n = check_counts(k, n)
    level = check_confidence(confidence)
    if k == n:
        return 1.0
    if k == 0:
        return detection_floor(n, level)

    return float(special.betaincinv(k + 1, n - k, level))


def detection_floor(n: SupportsIndex, confidence: float = 0.95) -> float:
    """The smallest rate a window of n trials can measure: the upper bound at k = 0.

    1 - (1 - confidence)^(1/n), which is -ln(1 - confidence) / n to first order:
    2.996 / n at 95% (the rule of three), 4.6 / n at 99%. A window whose count is
    below `floor_events` (about 3 at 95%) is "below the measurable floor": publish its
    upper bound only. n = 0 gives 1.0.
    """
    _, n = check_counts(0, n)
    level = check_confidence(confidence)
    if n == 0:
        return 1.0

    return -math.expm1(math.log1p(-level) / n)


def floor_events(n: SupportsIndex, confidence: float = 0.95) -> float:
    """Events a window of n trials needs to reach the floor: n x `detection_floor`.

    About 3.0 at 95% for any n >= 100; a category with fewer observed events is
    reported as below the measurable floor.
    """
    _, n = check_counts(0, n)

    return n * detection_floor(n, confidence) if n else math.inf


def is_below_floor(
    k: SupportsIndex, n: SupportsIndex, confidence: float = 0.95
) -> bool:
    """True when fewer events were seen than `floor_events` (always true at n = 0)."""
    k, n = check_counts(k, n)
    if n == 0:
        return True

    return k < floor_events(n, confidence)
