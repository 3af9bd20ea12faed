"""Forecasts with one band, in memory or frozen to a file (`forecast_path`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from estimators import CategoryForecast, Forecast


def one_band_forecast(
    model: str, low: float, high: float, category: str = "refusal"
) -> Forecast:
    """A forecast of `model` whose `category` band is [low, high]."""
    rate = (low + high) / 2
    band = CategoryForecast(
        category=category,
        events=round(rate * 1000),
        trials=1000,
        rate=rate,
        low=low,
        high=high,
        floor=0.003,
        below_floor=False,
        correction=1.0,
        log_sigma=0.3,
    )
    return Forecast(
        id=f"test-{model}-{category}",
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        model=model,
        level=0.9,
        structural_sigma=0.2,
        categories=(band,),
    )


def frozen_forecast(
    path: Path, model: str, low: float, high: float, category: str = "refusal"
) -> Path:
    """Write `one_band_forecast` as a frozen forecast file."""
    forecast = one_band_forecast(model, low, high, category)
    path.write_text(json.dumps(forecast.to_dict()), encoding="utf-8")
    return path
