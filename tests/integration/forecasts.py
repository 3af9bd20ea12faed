"""A frozen forecast file with one band, for the worker's `forecast_path`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from estimators import CategoryForecast, Forecast


def frozen_forecast(
    path: Path, model: str, low: float, high: float, category: str = "refusal"
) -> Path:
    """Write a forecast of `model` whose `category` band is [low, high]."""
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
    forecast = Forecast(
        id=f"test-{model}-{category}",
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        model=model,
        level=0.9,
        structural_sigma=0.2,
        categories=(band,),
    )
    path.write_text(json.dumps(forecast.to_dict()), encoding="utf-8")
    return path
