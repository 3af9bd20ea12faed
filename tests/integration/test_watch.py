"""Windows and the forecast-miss state through the real worker and broker."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from streamer.adapters.hh_rlhf import SOURCE_MODEL
from streamer.graded import LIVE_ARM
from streamer.replay import replay
from streamer.samples import sample_path
from streamer.stack import LocalStack, Samples, labels, scrape
from tests.forecasts import frozen_forecast

pytestmark = pytest.mark.integration

CONVERSATIONS = 120


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Samples]:
    workdir = tmp_path_factory.mktemp("watch")
    overrides = {
        "window_seconds": 1,
        "window_lateness_s": 0,
        # A forecast of the live model's refusals far above what it really does.
        "forecast_path": frozen_forecast(
            workdir / "forecast.json", SOURCE_MODEL, low=0.6, high=0.8
        ),
    }
    with LocalStack(
        workdir, [sample_path()], latency_ms=5, overrides=overrides
    ) as stack:
        assert stack.settings is not None
        summary = replay(
            [sample_path()], stack.settings, limit=CONVERSATIONS, progress=False
        )
        stack.wait_finished(summary.sent, timeout_s=300)
        time.sleep(2.0)  # every bucket closes
        yield scrape(stack.metrics_url)


def test_the_forecast_band_is_pinned_from_the_frozen_forecast(
    samples: Samples,
) -> None:
    key = labels(
        arm="shadow:standin-recorded-replies",
        model=SOURCE_MODEL,
        category="refusal",
        bound="high",
    )

    assert samples[("depsim_forecast_band", key)] == pytest.approx(0.8)


def test_live_refusals_far_below_the_band_are_a_forecast_miss(
    samples: Samples,
) -> None:
    above = labels(model=SOURCE_MODEL, category="refusal", direction="above")
    below = labels(model=SOURCE_MODEL, category="refusal", direction="below")

    assert samples[("depsim_forecast_miss", below)] == 1
    assert samples[("depsim_forecast_miss", above)] == 0


def test_the_live_confidence_sequence_covers_the_closed_buckets(
    samples: Samples,
) -> None:
    series = {"arm": LIVE_ARM, "model": SOURCE_MODEL, "category": "refusal"}
    low = samples[("depsim_rate_sequence", labels(**series, bound="low"))]
    high = samples[("depsim_rate_sequence", labels(**series, bound="high"))]
    rate = samples[("depsim_rate", labels(**series, bound="estimate"))]

    assert low < rate < high
