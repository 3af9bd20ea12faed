"""Change detection on a category's rate: two one-sided Poisson CUSUMs (Page 1954).

Per update (an hour of traffic, say) with X events in n trials against a baseline rate
b, so m = b n events are expected:

    up   <- max(0, up   + X ln(rise) - (rise - 1) m)     alarms "up"   at h_up
    down <- max(0, down + X ln(fall) - (fall - 1) m)     alarms "down" at h_down

each the log-likelihood ratio of rate rise x b (or fall x b) against b, summed since
it was last at zero: Lucas's (1985) Poisson CUSUM. rise = 1.7 sits between the rises
depsim must catch, 2x and 1.5x; fall = 0.5 watches for a halving.

False alarms. `arl0` is the mean number of updates between false alarms of the pair;
each CUSUM gets half of that budget, and `arl0_for_budget` spreads a system-wide budget
over categories. Thresholds come from an exact Markov-chain run length
(`estimators._arl`) that includes a day-to-day wobble of the true rate: a daily factor
with mean 1, redrawn every `updates_per_day` updates, either normal with standard
deviation `wobble` (the default, 0.2) or uniform within +-`wobble` (`wobble_shape`).
A day at 1.3x looks like a shift for a whole day, and with plenty of traffic is
indistinguishable from one; ignoring it cut the time between false alarms from a year
to 19 days in the source's simulation. The normal calibration also covers a uniform
+-20% wobble with room to spare; the uniform one does not cover a normal sd-20%
wobble at all (about 70 false alarms a month instead of one, in the benchmark), so it
is only for a rate known to stay within its band. The thresholds are set for
1.5 x arl0, a margin for the approximations (grid, union of two detectors, traffic
that varies within the day), so the stated ARL0 is a floor.

The price of the wobble is paid where counts are large. Calibrated for the normal
sd-20% wobble, with at most 0.25 events expected per update (6 a day) a sustained 2x
rise is caught within 10-24 baseline events on average and a 1.5x one within 26-73
(bar G8: 25 and 80); calibrated for a uniform +-20% wobble, up to 0.5 events per
update, within 10-24 and 26-75. Beyond that, G8's delays and this false-alarm budget
under the wobble cannot both be had by any Poisson CUSUM of any tuned rise (exact run
lengths, the frontier rows of `python -m bench.estimators_accuracy`), and from about
3 events per update not even on a steady rate: G8's bars are in baseline events, an
update's worth of them is indivisible, and the budget is in updates. With 1 event per
update the default catches a 2x rise after 38 baseline events, with 100 per update
after 1,330, though that is still only 38 and 13 hours. Where the rate is known to be
steadier, a smaller `wobble` or the uniform shape buys speed back.

The run length depends on the events expected per update, which the detector learns as
the running mean of b n (or is told via `expected_per_update`); thresholds are
recalibrated when that mean moves by more than an eighth of an octave (cached).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal, SupportsIndex

from estimators._arl import WobbleShape, cusum_threshold
from estimators._errors import EstimatorError, check_counts, check_positive

Direction = Literal["up", "down"]

# Thresholds are calibrated for ARL_SAFETY x the requested ARL0.
ARL_SAFETY = 1.5
# The day-to-day wobble thresholds allow for unless told otherwise: a daily factor on
# the true rate, normal with sd 20%.
DEFAULT_WOBBLE = 0.2
DEFAULT_WOBBLE_SHAPE: WobbleShape = "normal"
_BINS_PER_OCTAVE = 8


@dataclass(frozen=True, slots=True)
class CusumDesign:
    """Thresholds of the up/down CUSUM pair for one traffic level."""

    arl0: float
    expected_per_update: float
    rise: float
    fall: float
    wobble: float
    wobble_shape: WobbleShape
    updates_per_day: int
    threshold_up: float
    threshold_down: float

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return asdict(self)


def design_cusum(
    arl0: float,
    expected_per_update: float,
    *,
    rise: float = 1.7,
    fall: float = 0.5,
    wobble: float = DEFAULT_WOBBLE,
    wobble_shape: WobbleShape = DEFAULT_WOBBLE_SHAPE,
    updates_per_day: int = 24,
) -> CusumDesign:
    """Thresholds so the pair's in-control ARL (with wobble) is >= `arl0` updates.

    `expected_per_update` is rounded to an eighth of an octave, so nearby traffic
    levels share one (cached) calibration.
    """
    _check_design(arl0, rise, fall, wobble, wobble_shape, updates_per_day)
    m = _binned(check_positive(expected_per_update, "expected_per_update"))
    target = 2.0 * ARL_SAFETY * arl0

    def threshold(log_ratio: float) -> float:
        return cusum_threshold(
            log_ratio,
            target,
            m,
            wobble=wobble,
            updates_per_day=updates_per_day,
            wobble_shape=wobble_shape,
        )

    return CusumDesign(
        arl0=float(arl0),
        expected_per_update=m,
        rise=rise,
        fall=fall,
        wobble=wobble,
        wobble_shape=wobble_shape,
        updates_per_day=updates_per_day,
        threshold_up=threshold(math.log(rise)),
        threshold_down=threshold(math.log(fall)),
    )


def arl0_for_budget(
    categories: int,
    updates_per_day: int = 24,
    false_alarms_per_days: tuple[float, float] = (1.0, 30.0),
) -> float:
    """Per-category ARL0 (in updates) that keeps all categories within a budget.

    The budget (default: 1 false alarm per 30 days, all categories together) is split
    equally across categories; within a category the detector splits it between
    rises and falls. 20 categories updated hourly give 20 x 24 x 30 = 14,400 updates,
    600 days per category.
    """
    if categories < 1 or updates_per_day < 1:
        raise EstimatorError("categories and updates_per_day must be >= 1")
    alarms, days = false_alarms_per_days
    check_positive(alarms, "false alarms")
    check_positive(days, "days")

    return categories * updates_per_day * days / alarms


class ChangeDetector:
    """Two-sided CUSUM alarm on one category's rate against a baseline.

    `update(events, trials)` returns True on the update that raises an alarm. The
    alarm and its `direction` stay latched until `reset()`; the statistics restart at
    zero after each alarm, so a persisting shift alarms again only on fresh evidence.
    Updates with trials = 0 change nothing but count toward the ARL.
    """

    def __init__(
        self,
        baseline_rate: float,
        arl0: float,
        *,
        rise: float = 1.7,
        fall: float = 0.5,
        wobble: float = DEFAULT_WOBBLE,
        wobble_shape: WobbleShape = DEFAULT_WOBBLE_SHAPE,
        updates_per_day: int = 24,
        expected_per_update: float | None = None,
    ) -> None:
        rate = float(baseline_rate)
        if not 0.0 < rate < 1.0:
            raise EstimatorError(f"baseline_rate must lie in (0, 1), got {rate}")
        _check_design(arl0, rise, fall, wobble, wobble_shape, updates_per_day)

        self.baseline_rate = rate
        self.arl0 = float(arl0)
        self.rise = float(rise)
        self.fall = float(fall)
        self.wobble = float(wobble)
        self.wobble_shape: WobbleShape = wobble_shape
        self.updates_per_day = int(updates_per_day)
        self._fixed_m = expected_per_update
        self._design: CusumDesign | None = None
        self._updates = 0
        self._expected_total = 0.0
        self.up_statistic = 0.0
        self.down_statistic = 0.0
        self.alarm = False
        self.direction: Direction | None = None
        if expected_per_update is not None:
            self._design = self._redesign(expected_per_update)

    @property
    def design(self) -> CusumDesign | None:
        """The current thresholds; None until the first update with trials."""
        return self._design

    @property
    def updates(self) -> int:
        """Updates seen since construction (`reset` keeps the traffic estimate)."""
        return self._updates

    def update(self, events: SupportsIndex, trials: SupportsIndex) -> bool:
        """Add one update's counts; True if this update raises an alarm."""
        k, n = check_counts(events, trials)
        expected = self.baseline_rate * n
        self._updates += 1
        self._expected_total += expected
        design = self._current_design()
        if design is None:
            return False

        log_rise, log_fall = math.log(self.rise), math.log(self.fall)
        up = self.up_statistic + k * log_rise - (self.rise - 1.0) * expected
        down = self.down_statistic + k * log_fall + (1.0 - self.fall) * expected
        self.up_statistic, self.down_statistic = max(up, 0.0), max(down, 0.0)
        up_ratio = self.up_statistic / design.threshold_up
        down_ratio = self.down_statistic / design.threshold_down
        if max(up_ratio, down_ratio) < 1.0:
            return False

        self.alarm = True
        self.direction = "up" if up_ratio >= down_ratio else "down"
        self.up_statistic = 0.0
        self.down_statistic = 0.0

        return True

    def reset(self) -> None:
        """Clear the alarm and the statistics (the traffic estimate is kept)."""
        self.up_statistic = 0.0
        self.down_statistic = 0.0
        self.alarm = False
        self.direction = None

    def state(self) -> dict[str, Any]:
        """Plain JSON-ready snapshot; `from_state` rebuilds the detector from it."""
        return {
            "baseline_rate": self.baseline_rate,
            "arl0": self.arl0,
            "rise": self.rise,
            "fall": self.fall,
            "wobble": self.wobble,
            "wobble_shape": self.wobble_shape,
            "updates_per_day": self.updates_per_day,
            "expected_per_update": self._fixed_m,
            "updates": self._updates,
            "expected_total": self._expected_total,
            "up_statistic": self.up_statistic,
            "down_statistic": self.down_statistic,
            "alarm": self.alarm,
            "direction": self.direction,
            "design": None if self._design is None else self._design.to_dict(),
        }

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ChangeDetector:
        """A detector that continues where the one that wrote `state` stopped."""
        detector = cls(
            state["baseline_rate"],
            state["arl0"],
            rise=state["rise"],
            fall=state["fall"],
            wobble=state["wobble"],
            # States written before the shape was a choice were calibrated normal.
            wobble_shape=state.get("wobble_shape", "normal"),
            updates_per_day=state["updates_per_day"],
            expected_per_update=state["expected_per_update"],
        )
        detector._updates = int(state["updates"])
        detector._expected_total = float(state["expected_total"])
        detector.up_statistic = float(state["up_statistic"])
        detector.down_statistic = float(state["down_statistic"])
        detector.alarm = bool(state["alarm"])
        detector.direction = state["direction"]
        detector._current_design()

        return detector

    def _current_design(self) -> CusumDesign | None:
        if self._fixed_m is not None or self._expected_total <= 0.0:
            return self._design
        m = self._expected_total / self._updates
        if self._design is None or _binned(m) != self._design.expected_per_update:
            self._design = self._redesign(m)

        return self._design

    def _redesign(self, expected_per_update: float) -> CusumDesign:
        return design_cusum(
            self.arl0,
            expected_per_update,
            rise=self.rise,
            fall=self.fall,
            wobble=self.wobble,
            wobble_shape=self.wobble_shape,
            updates_per_day=self.updates_per_day,
        )


def _check_design(
    arl0: float,
    rise: float,
    fall: float,
    wobble: float,
    wobble_shape: str,
    updates_per_day: int,
) -> None:
    if not float(arl0) > 1.0:
        raise EstimatorError(f"arl0 must be > 1 update, got {arl0}")
    if not rise > 1.0:
        raise EstimatorError(f"rise must be > 1, got {rise}")
    if not 0.0 < fall < 1.0:
        raise EstimatorError(f"fall must lie in (0, 1), got {fall}")
    if not 0.0 <= wobble <= 0.5:
        raise EstimatorError(f"wobble must lie in [0, 0.5], got {wobble}")
    if wobble_shape not in ("uniform", "normal"):
        raise EstimatorError(f"wobble_shape must be uniform or normal: {wobble_shape}")
    if int(updates_per_day) != updates_per_day or updates_per_day < 1:
        raise EstimatorError(f"updates_per_day must be an int >= 1: {updates_per_day}")


def _binned(expected_per_update: float) -> float:
    """Round to an eighth of an octave so nearby traffic levels share a design."""
    step = round(_BINS_PER_OCTAVE * math.log2(expected_per_update))

    return float(2.0 ** (step / _BINS_PER_OCTAVE))
