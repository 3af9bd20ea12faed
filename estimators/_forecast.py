"""Forecasts of live rates from shadow counts, and their scorecard against live.

A forecast band is a *predictive* band for the live rate, not a sampling interval. On
the log scale it adds three independent errors:

- counting noise of the shadow window: the shadow rate's Jeffreys posterior,
  Gamma(k + 1/2, rate n), exact rather than log-normal, so k = 0 is handled;
- grader uncertainty: the Jeffreys posteriors of log PPV and log recall (means
  psi(h + 1/2) - psi(m + 1), variances psi'(h + 1/2) - psi'(m + 1)), treated as
  normal on the log scale, when an audit is given;
- structural error: shadow traffic and graders are not live ones. A normal error
  with sd `structural_sigma` on the log rate, ln(1.5) by default, from the source
  article's median SME of 1.5x between forecast and live. That median includes
  counting noise; a log-normal error alone has median SME exp(0.674 sigma), 1.31x
  at the default. Replace it with the value back-tests give.

With an audit, rates are put on the true-rate scale by the Jeffreys posterior geometric
mean of PPV / recall (`GraderAudit.correction`), which is never 0 or infinite.

The band's quantiles come from the exact distribution of log Gamma plus a normal,
integrated by Gauss-Hermite quadrature and inverted by root-finding: deterministic.

Scoring against live counts gives, per category: the SME and the noise-only funnel for
the two windows' counts, whether live lies in the band, and a *forecast miss* when a
confidence sequence on the live rate (valid however often the scorecard is recomputed)
lies wholly outside the band. Given the previous model's counts, it also checks the
forecast's direction of change, counted only for categories whose rate-ratio interval
excludes 1 or whose live change is at least 1.5x with both windows above the floor.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import optimize, special, stats

from estimators._counts import Counts
from estimators._errors import EstimatorError, check_confidence, check_counts
from estimators._floor import detection_floor, is_below_floor
from estimators._ratio import rate_ratio_interval
from estimators._sequence import confidence_sequence_interval
from estimators._sme import sme_from_counts, sme_funnel

STRUCTURAL_SIGMA = math.log(1.5)
CHANGE_FACTOR = 1.5

Change = Literal["up", "down"]
Side = Literal["above", "below", "equal"]

_NODES, _WEIGHTS = hermegauss(48)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


@dataclass(frozen=True, slots=True)
class GraderAudit:
    """Audit counts for one category's grader: precision and recall samples."""

    ppv_hits: int
    ppv_audited: int
    recall_hits: int
    recall_audited: int

    def __post_init__(self) -> None:
        check_counts(self.ppv_hits, self.ppv_audited)
        check_counts(self.recall_hits, self.recall_audited)
        if self.ppv_audited == 0 or self.recall_audited == 0:
            raise EstimatorError("an audit needs at least one item on each side")

    @property
    def correction(self) -> float:
        """Factor from flagged share to true rate: exp(E[log(PPV / recall)]).

        The Jeffreys posterior geometric mean, the centre of the band on the log
        scale. Unlike the plug-in PPV / recall it is never 0 or infinite.
        """
        return math.exp(self.log_mean)

    @property
    def log_mean(self) -> float:
        """Jeffreys posterior mean of log(PPV / recall); finite at zero counts."""
        return _log_beta_mean(self.ppv_hits, self.ppv_audited) - _log_beta_mean(
            self.recall_hits, self.recall_audited
        )

    @property
    def log_variance(self) -> float:
        """Jeffreys posterior variance of log(PPV / recall)."""
        return _log_beta_variance(self.ppv_hits, self.ppv_audited) + _log_beta_variance(
            self.recall_hits, self.recall_audited
        )


@dataclass(frozen=True, slots=True)
class CategoryForecast:
    """One category's forecast: point rate, predictive band and where it came from."""

    category: str
    events: int
    trials: int
    rate: float
    low: float
    high: float
    floor: float
    below_floor: bool
    correction: float
    log_sigma: float
    predicted_ratio: float | None = None
    predicted_change: Change | None = None
    predicted_change_significant: bool | None = None


@dataclass(frozen=True, slots=True)
class Forecast:
    """A model's forecast rates per category, made at `created_at` (passed in)."""

    id: str
    created_at: datetime
    model: str
    level: float
    structural_sigma: float
    categories: tuple[CategoryForecast, ...]

    def category(self, name: str) -> CategoryForecast:
        """The forecast for category `name` (KeyError if absent)."""
        for band in self.categories:
            if band.category == name:
                return band
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; `created_at` as ISO 8601."""
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(),
            "model": self.model,
            "level": self.level,
            "structural_sigma": self.structural_sigma,
            "categories": [asdict(band) for band in self.categories],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Forecast:
        """A forecast from `to_dict`'s output."""
        return cls(
            id=str(data["id"]),
            created_at=datetime.fromisoformat(data["created_at"]),
            model=str(data["model"]),
            level=float(data["level"]),
            structural_sigma=float(data["structural_sigma"]),
            categories=tuple(CategoryForecast(**band) for band in data["categories"]),
        )


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """Forecast against live for one category. None where live has no trials."""

    category: str
    forecast_rate: float
    band_low: float
    band_high: float
    live_events: int
    live_trials: int
    live_rate: float | None
    live_low: float
    live_high: float
    live_floor: float
    live_below_floor: bool
    sme: float | None
    funnel_median: float | None
    funnel_high: float | None
    within_funnel: bool | None
    direction: Side | None
    live_in_band: bool | None
    forecast_miss: bool
    realised_ratio: float | None = None
    realised_change: Change | None = None
    direction_correct: bool | None = None


@dataclass(frozen=True, slots=True)
class Scorecard:
    """All categories of one forecast scored against live counts."""

    forecast_id: str
    model: str
    confidence: float
    funnel_level: float
    rows: tuple[ScoreRow, ...]

    @property
    def directions_called(self) -> int:
        """Categories whose realised change counts for directional accuracy."""
        return sum(row.direction_correct is not None for row in self.rows)

    @property
    def directions_correct(self) -> int:
        """Of those, how many the forecast got the direction of right."""
        return sum(row.direction_correct is True for row in self.rows)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "forecast_id": self.forecast_id,
            "model": self.model,
            "confidence": self.confidence,
            "funnel_level": self.funnel_level,
            "directions_called": self.directions_called,
            "directions_correct": self.directions_correct,
            "rows": [asdict(row) for row in self.rows],
        }


def make_forecast(
    forecast_id: str,
    created_at: datetime,
    model: str,
    shadow: Mapping[str, Counts],
    *,
    audits: Mapping[str, GraderAudit] | None = None,
    previous: Mapping[str, Counts] | None = None,
    level: float = 0.9,
    structural_sigma: float = STRUCTURAL_SIGMA,
) -> Forecast:
    """Forecast live rates per category from the candidate's shadow counts.

    `audits` (optional, per category) corrects for grader error and widens the band
    by its uncertainty. `previous` (optional) holds the current model's shadow counts
    on the same traffic; each category then carries the predicted ratio and
    direction of change, and whether the exact conditional test calls it at alpha
    0.1 (the source method's rule). Edge cases: k = 0 gives rate 0, `below_floor`,
    and a band from ~0 to a finite high; trials = 0 gives the band [0, 1].
    """
    coverage = check_confidence(level, "level")
    if not (math.isfinite(structural_sigma) and structural_sigma >= 0.0):
        raise EstimatorError(f"structural_sigma must be >= 0, got {structural_sigma}")

    bands = []
    for category in sorted(shadow):
        counts = shadow[category]
        audit = (audits or {}).get(category)
        correction = audit.correction if audit else 1.0
        sigma = math.sqrt(structural_sigma**2 + (audit.log_variance if audit else 0.0))
        low, high = _predictive_band(counts, math.log(correction), sigma, coverage)
        change = _predicted_change(counts, (previous or {}).get(category))
        bands.append(
            CategoryForecast(
                category=category,
                events=counts.events,
                trials=counts.trials,
                rate=min(counts.rate * correction, 1.0),
                low=low,
                high=high,
                floor=detection_floor(counts.trials) * correction,
                below_floor=is_below_floor(counts.events, counts.trials),
                correction=correction,
                log_sigma=sigma,
                predicted_ratio=change[0],
                predicted_change=change[1],
                predicted_change_significant=change[2],
            )
        )

    return Forecast(
        id=forecast_id,
        created_at=created_at,
        model=model,
        level=coverage,
        structural_sigma=structural_sigma,
        categories=tuple(bands),
    )


def score_forecast(
    forecast: Forecast,
    live: Mapping[str, Counts],
    *,
    previous_live: Mapping[str, Counts] | None = None,
    confidence: float = 0.95,
    funnel_level: float = 0.9,
) -> Scorecard:
    """Score every forecast category against the live counts so far.

    Live counts are assumed graded by the same grader as the shadow ones, so the SME
    and funnel use raw counts (the correction cancels) while rates and the
    confidence sequence are put on the corrected scale. `previous_live` holds the
    previous model's live counts for the directional check.
    """
    level = check_confidence(confidence)
    funnel_q = check_confidence(funnel_level, "funnel_level")
    rows = tuple(
        _score_row(
            band,
            live.get(band.category, Counts()),
            (previous_live or {}).get(band.category),
            level,
            funnel_q,
        )
        for band in forecast.categories
    )

    return Scorecard(forecast.id, forecast.model, level, funnel_q, rows)


def _score_row(
    band: CategoryForecast,
    live: Counts,
    previous: Counts | None,
    confidence: float,
    funnel_level: float,
) -> ScoreRow:
    c = band.correction
    raw_low, raw_high = confidence_sequence_interval(
        live.events, live.trials, confidence
    )
    live_low, live_high = min(raw_low * c, 1.0), min(raw_high * c, 1.0)
    miss = live.trials > 0 and (live_low > band.high or live_high < band.low)

    sme = funnel_median = funnel_high = within = side = in_band = live_rate = None
    if live.trials > 0:
        live_rate = min(live.rate * c, 1.0)
        in_band = band.low <= live_rate <= band.high
        side = _side(live_rate, band.rate)
    if live.trials > 0 and band.trials > 0:
        sme = sme_from_counts(band.events, band.trials, live.events, live.trials)
        funnel = sme_funnel(
            band.trials, live.trials, band.events + live.events, funnel_level
        )
        funnel_median, funnel_high = funnel.median, funnel.high
        within = funnel.contains(sme)

    realised_ratio, realised, correct = _realised_change(band, live, previous)

    return ScoreRow(
        category=band.category,
        forecast_rate=band.rate,
        band_low=band.low,
        band_high=band.high,
        live_events=live.events,
        live_trials=live.trials,
        live_rate=live_rate,
        live_low=live_low,
        live_high=live_high,
        live_floor=detection_floor(live.trials, confidence) * c,
        live_below_floor=is_below_floor(live.events, live.trials, confidence),
        sme=sme,
        funnel_median=funnel_median,
        funnel_high=funnel_high,
        within_funnel=within,
        direction=side,
        live_in_band=in_band,
        forecast_miss=miss,
        realised_ratio=realised_ratio,
        realised_change=realised,
        direction_correct=correct,
    )


def _predictive_band(
    counts: Counts, offset: float, sigma: float, level: float
) -> tuple[float, float]:
    """Quantiles of Gamma(k + 1/2, rate n) x exp(N(offset, sigma^2))."""
    if counts.trials == 0:
        return 0.0, 1.0

    shape, scale = counts.events + 0.5, 1.0 / counts.trials

    def cdf(log_rate: float) -> float:
        shifted = np.exp(log_rate - offset - sigma * _NODES)
        return float(_WEIGHTS @ stats.gamma.cdf(shifted, shape, scale=scale))

    span = 12.0 * sigma + 40.0
    centre = math.log(shape * scale) + offset

    def quantile(q: float) -> float:
        root = optimize.brentq(lambda x: cdf(x) - q, centre - span, centre + span)
        return math.exp(float(root))

    tail = (1.0 - level) / 2.0

    return min(quantile(tail), 1.0), min(quantile(1.0 - tail), 1.0)


def _predicted_change(
    shadow: Counts, previous: Counts | None
) -> tuple[float | None, Change | None, bool | None]:
    if previous is None or shadow.trials == 0 or previous.trials == 0:
        return None, None, None

    ratio = rate_ratio_interval(
        shadow.events, shadow.trials, previous.events, previous.trials
    )
    change: Change | None = None
    if ratio.estimate != 1.0:
        change = "up" if ratio.estimate > 1.0 else "down"

    return ratio.estimate, change, ratio.direction(alpha=0.1) is not None


def _realised_change(
    band: CategoryForecast, live: Counts, previous: Counts | None
) -> tuple[float | None, Change | None, bool | None]:
    """Live change against the previous model, and whether the forecast called it.

    Counted when the change's 95% rate-ratio interval excludes 1, or when it is at
    least CHANGE_FACTOR either way with both windows above their detection floor
    (so that 1 event against 0 does not count as a 3x change).
    """
    if previous is None or live.trials == 0 or previous.trials == 0:
        return None, None, None

    ratio = rate_ratio_interval(
        live.events, live.trials, previous.events, previous.trials
    )
    measured = not (
        is_below_floor(live.events, live.trials)
        or is_below_floor(previous.events, previous.trials)
    )
    large = measured and max(ratio.estimate, 1.0 / ratio.estimate) >= CHANGE_FACTOR
    excludes_one = ratio.low > 1.0 or ratio.high < 1.0
    if not (large or excludes_one) or ratio.estimate == 1.0:
        return ratio.estimate, None, None

    realised: Change = "up" if ratio.estimate > 1.0 else "down"
    correct = (
        None if band.predicted_change is None else band.predicted_change == realised
    )

    return ratio.estimate, realised, correct


def _side(live_rate: float, forecast_rate: float) -> Side:
    if live_rate > forecast_rate:
        return "above"

    return "below" if live_rate < forecast_rate else "equal"


def _log_beta_mean(hits: int, trials: int) -> float:
    """Mean of log X for X ~ Beta(h + 1/2, m - h + 1/2): psi(h + 1/2) - psi(m + 1)."""
    return float(special.digamma(hits + 0.5) - special.digamma(trials + 1.0))


def _log_beta_variance(hits: int, trials: int) -> float:
    """Variance of log X, X ~ Beta(h + 1/2, m - h + 1/2): psi'(h + 1/2) - psi'(m+1)."""
    return float(special.polygamma(1, hits + 0.5) - special.polygamma(1, trials + 1.0))
