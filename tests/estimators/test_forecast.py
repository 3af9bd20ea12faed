"""Forecast bands from shadow counts, and the scorecard against live."""

import json
import math
from datetime import UTC, datetime

import pytest

from estimators import Counts, Forecast, GraderAudit, make_forecast, score_forecast

CREATED = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def _forecast(**kwargs: object) -> Forecast:
    shadow = {"harm": Counts(40, 100_000), "rare": Counts(0, 100_000)}
    return make_forecast("f-1", CREATED, "candidate", shadow, **kwargs)  # type: ignore[arg-type]


class TestForecast:
    def test_the_band_holds_the_point_rate(self) -> None:
        band = _forecast().category("harm")

        assert band.low < band.rate == 4e-4 < band.high

    def test_structural_error_of_1_5x_widens_the_band_beyond_counting_noise(
        self,
    ) -> None:
        counting_only = _forecast(structural_sigma=0.0).category("harm")

        with_structure = _forecast().category("harm")

        assert with_structure.high / with_structure.low > 2 * (
            counting_only.high / counting_only.low
        )

    def test_a_grader_audit_corrects_the_rate_and_widens_the_band(self) -> None:
        plain = _forecast().category("harm")

        audited = _forecast(audits={"harm": GraderAudit(30, 60, 50, 60)}).category(
            "harm"
        )

        assert audited.rate == pytest.approx(4e-4 * 0.5 / (50 / 60), rel=0.05)
        assert audited.log_sigma > plain.log_sigma

    def test_a_zero_count_is_below_the_floor_with_a_finite_band(self) -> None:
        band = _forecast().category("rare")

        assert band.below_floor
        assert 0.0 <= band.low < band.high < 1e-4

    def test_an_audit_without_confirmed_flags_keeps_a_positive_rate(self) -> None:
        """The log-scale correction is never 0, so live can still be compared."""
        band = _forecast(audits={"harm": GraderAudit(0, 20, 18, 20)}).category("harm")

        assert 0.0 < band.rate < band.high

    def test_the_previous_model_gives_a_predicted_direction(self) -> None:
        band = _forecast(previous={"harm": Counts(10, 100_000)}).category("harm")

        assert band.predicted_change == "up"
        assert band.predicted_change_significant

    def test_round_trips_through_json(self) -> None:
        forecast = _forecast(previous={"harm": Counts(10, 100_000)})

        text = json.dumps(forecast.to_dict(), allow_nan=False)

        assert Forecast.from_dict(json.loads(text)) == forecast


class TestScorecard:
    def test_live_inside_the_band_is_neither_a_miss_nor_outside(self) -> None:
        row = score_forecast(_forecast(), {"harm": Counts(85, 200_000)}).rows[0]

        assert row.live_in_band
        assert not row.forecast_miss
        assert row.sme == pytest.approx((85.5 / 200_000) / (40.5 / 100_000))

    def test_live_far_above_the_band_is_a_forecast_miss(self) -> None:
        row = score_forecast(_forecast(), {"harm": Counts(800, 200_000)}).rows[0]

        assert row.direction == "above"
        assert not row.live_in_band
        assert row.forecast_miss
        assert row.funnel_high is not None
        assert row.sme is not None
        assert row.sme > row.funnel_high

    def test_a_single_live_window_outside_the_band_is_not_yet_a_miss(self) -> None:
        """The confidence sequence must clear the band, not just the point rate."""
        row = score_forecast(_forecast(), {"harm": Counts(20, 20_000)}).rows[0]

        assert not row.live_in_band
        assert not row.forecast_miss

    def test_a_category_without_live_traffic_scores_nothing(self) -> None:
        row = score_forecast(_forecast(), {}).rows[0]

        assert row.live_rate is None
        assert row.sme is None
        assert not row.forecast_miss

    def test_a_large_live_change_checks_the_predicted_direction(self) -> None:
        forecast = _forecast(previous={"harm": Counts(10, 100_000)})

        card = score_forecast(
            forecast,
            {"harm": Counts(90, 200_000)},
            previous_live={"harm": Counts(20, 200_000)},
        )

        assert card.rows[0].realised_change == "up"
        assert (card.directions_called, card.directions_correct) == (1, 1)

    def test_serialises_to_strict_json(self) -> None:
        card = score_forecast(_forecast(), {"harm": Counts(85, 200_000)})

        text = json.dumps(card.to_dict(), allow_nan=False)

        assert json.loads(text)["rows"][0]["category"] == "harm"
        assert not math.isnan(card.rows[0].band_high)
