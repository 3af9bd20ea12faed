"""The one exception estimators raise, and the argument checks that raise it."""

from __future__ import annotations

import math
import operator
from typing import SupportsIndex


class EstimatorError(ValueError):
    """Raised when an estimator is given arguments it cannot use.

    Counts that are negative or exceed their trials, confidence levels outside (0, 1),
    rates outside their range. A subclass of ValueError, so callers that already catch
    ValueError keep working; the rest of depsim may wrap it at its boundary.
    """


def check_counts(events: SupportsIndex, trials: SupportsIndex) -> tuple[int, int]:
    """Events and trials as ints, with 0 <= events <= trials."""
    k = _as_int(events, "events")
    n = _as_int(trials, "trials")
    if n < 0:
        raise EstimatorError(f"trials must be >= 0, got {n}")
    if not 0 <= k <= n:
        raise EstimatorError(f"events must lie in [0, trials={n}], got {k}")

    return k, n


def check_count(value: SupportsIndex, name: str) -> int:
    """A single count as an int >= 0."""
    count = _as_int(value, name)
    if count < 0:
        raise EstimatorError(f"{name} must be >= 0, got {count}")

    return count


def check_confidence(confidence: float, name: str = "confidence") -> float:
    """A confidence level (or any probability) strictly between 0 and 1."""
    value = float(confidence)
    if not 0.0 < value < 1.0:
        raise EstimatorError(f"{name} must lie strictly between 0 and 1, got {value}")

    return value


def check_positive(value: float, name: str) -> float:
    """A finite number greater than zero."""
    number = float(value)
    if not (math.isfinite(number) and number > 0.0):
        raise EstimatorError(f"{name} must be a finite number > 0, got {value!r}")

    return number


def check_rate(rate: float, name: str = "rate") -> float:
    """A rate in [0, 1]."""
    value = float(rate)
    if not 0.0 <= value <= 1.0:
        raise EstimatorError(f"{name} must lie in [0, 1], got {rate!r}")

    return value


def _as_int(value: SupportsIndex, name: str) -> int:
    if isinstance(value, bool):
        raise EstimatorError(f"{name} must be an integer count, got a bool")
    try:
        return operator.index(value)
    except TypeError as error:
        raise EstimatorError(
            f"{name} must be an integer count, got {value!r}"
        ) from error
