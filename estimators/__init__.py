"""Estimators for rare rates: intervals, corrections, comparisons, drift, forecasts.

A pure library: no I/O, no clocks, no logging set-up, nothing imported from the rest of
depsim. Every estimator's docstring names its method and its edge cases; the accuracy
bars they are held to (G1-G9) are listed in the README's Accuracy section and measured
by `python -m bench.estimators_accuracy`.

Errors::

    ValueError
     └── EstimatorError      bad arguments: counts, levels, rates, designs

Modules, one concern each (all private; the public names are below):

    _interval   one rate: Wilson / Jeffreys / Clopper-Pearson
    _floor      one-sided upper bound and detection floor
    _publish    what to show: a rate, or its upper bound below the floor
    _weighted   weighted samples: Hajek, Kish effective counts, Fay-Feuer
    _corrected  grader-corrected rate (q x PPV / recall), MOVER on the log
    _ratio      two rates: independent and paired
    _sme        symmetric multiplicative error and its noise funnel
    _sequence   confidence sequences (valid at every look)
    _arl, _drift  CUSUM run lengths and the change detector
    _forecast   forecast bands and the scorecard against live
    _windows    counts per time bucket
"""

from estimators._arl import WobbleShape
from estimators._corrected import CorrectedInterval, corrected_interval
from estimators._counts import Counts
from estimators._drift import (
    DEFAULT_WOBBLE,
    DEFAULT_WOBBLE_SHAPE,
    ChangeDetector,
    CusumDesign,
    arl0_for_budget,
    design_cusum,
)
from estimators._errors import EstimatorError
from estimators._floor import detection_floor, floor_events, is_below_floor, upper_bound
from estimators._forecast import (
    CategoryForecast,
    Forecast,
    GraderAudit,
    Scorecard,
    ScoreRow,
    make_forecast,
    score_forecast,
)
from estimators._interval import ProportionInterval, proportion_interval
from estimators._publish import PublishedRate, publish_rate
from estimators._ratio import (
    RateRatio,
    paired_rate_ratio_interval,
    rate_ratio_interval,
)
from estimators._sequence import ConfidenceSequence, confidence_sequence_interval
from estimators._sme import (
    SmeBand,
    sme_from_counts,
    sme_funnel,
    symmetric_multiplicative_error,
)
from estimators._weighted import (
    WeightedCounts,
    WeightedInterval,
    weighted_interval,
    weighted_proportion_interval,
)
from estimators._windows import WindowCounts

__all__ = [
    "DEFAULT_WOBBLE",
    "DEFAULT_WOBBLE_SHAPE",
    "CategoryForecast",
    "ChangeDetector",
    "ConfidenceSequence",
    "CorrectedInterval",
    "Counts",
    "CusumDesign",
    "EstimatorError",
    "Forecast",
    "GraderAudit",
    "ProportionInterval",
    "PublishedRate",
    "RateRatio",
    "ScoreRow",
    "Scorecard",
    "SmeBand",
    "WeightedCounts",
    "WeightedInterval",
    "WindowCounts",
    "WobbleShape",
    "arl0_for_budget",
    "confidence_sequence_interval",
    "corrected_interval",
    "design_cusum",
    "detection_floor",
    "floor_events",
    "is_below_floor",
    "make_forecast",
    "paired_rate_ratio_interval",
    "proportion_interval",
    "publish_rate",
    "rate_ratio_interval",
    "score_forecast",
    "sme_from_counts",
    "sme_funnel",
    "symmetric_multiplicative_error",
    "upper_bound",
    "weighted_interval",
    "weighted_proportion_interval",
]
