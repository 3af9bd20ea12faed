"""ChangeDetector and its calibration: two-sided Poisson CUSUM."""

import json
import math

import pytest

from estimators import ChangeDetector, EstimatorError, arl0_for_budget, design_cusum
from estimators._arl import cusum_arl, cusum_delay, cusum_threshold, wobble_nodes

RISE, FALL = math.log(1.7), math.log(0.5)


class TestBudget:
    def test_twenty_hourly_categories_at_one_alarm_a_month(self) -> None:
        """20 x 24 x 30 updates: each category may alarm once in 600 days."""
        assert arl0_for_budget(20, 24, (1, 30)) == 14_400

    def test_a_tighter_budget_asks_for_a_longer_run(self) -> None:
        assert arl0_for_budget(20, 24, (1, 90)) > arl0_for_budget(20, 24, (1, 30))


class TestCalibration:
    def test_a_longer_arl0_needs_a_higher_threshold(self) -> None:
        short = cusum_threshold(RISE, 1_000.0, 0.5, wobble=0.0, updates_per_day=24)

        long = cusum_threshold(RISE, 100_000.0, 0.5, wobble=0.0, updates_per_day=24)

        assert long > short

    def test_the_calibrated_threshold_reaches_the_target_run_length(self) -> None:
        design = design_cusum(14_400, 0.5)

        arl = cusum_arl(RISE, design.threshold_up, 0.5, wobble=0.2)

        assert arl == pytest.approx(2 * 1.5 * 14_400, rel=0.01)

    def test_wobble_shortens_the_in_control_run_length(self) -> None:
        steady = cusum_arl(RISE, 8.0, 2.0)

        wobbly = cusum_arl(RISE, 8.0, 2.0, wobble=0.2)

        assert wobbly < steady

    def test_a_uniform_wobble_costs_less_than_a_normal_one_of_that_size(
        self,
    ) -> None:
        """+-w uniform has a third of the variance of sd w normal, and no tails."""
        steady = cusum_arl(RISE, 8.0, 2.0)

        uniform = cusum_arl(RISE, 8.0, 2.0, wobble=0.2, wobble_shape="uniform")
        normal = cusum_arl(RISE, 8.0, 2.0, wobble=0.2, wobble_shape="normal")

        assert normal < uniform < steady

    def test_uniform_wobble_nodes_span_the_band_with_equal_weight(self) -> None:
        factors, weights = wobble_nodes(0.2, "uniform")

        assert factors.min() > 0.8
        assert factors.max() < 1.2
        assert factors.mean() == pytest.approx(1.0)
        assert weights == pytest.approx(1.0 / factors.size)

    def test_a_bounded_wobble_lets_the_design_alarm_on_less_evidence(self) -> None:
        """A uniform +-20% daily factor needs lower thresholds than an sd-20% one."""
        normal = design_cusum(14_400, 0.5, wobble_shape="normal")

        uniform = design_cusum(14_400, 0.5, wobble_shape="uniform")

        assert uniform.threshold_up < normal.threshold_up
        assert uniform.wobble_shape == "uniform"

    def test_a_uniform_calibration_reaches_its_run_length_under_that_wobble(
        self,
    ) -> None:
        design = design_cusum(14_400, 0.5, wobble_shape="uniform")

        arl = cusum_arl(
            RISE, design.threshold_up, 0.5, wobble=0.2, wobble_shape="uniform"
        )

        assert arl == pytest.approx(2 * 1.5 * 14_400, rel=0.01)

    def test_a_larger_shift_is_caught_sooner(self) -> None:
        assert cusum_delay(RISE, 8.0, 0.5, 2.0) < cusum_delay(RISE, 8.0, 0.5, 1.5)

    @pytest.mark.parametrize(
        "arguments",
        [
            {"baseline_rate": 0.0, "arl0": 100},  # no baseline
            {"baseline_rate": 1e-3, "arl0": 1},  # an alarm every update
            {"baseline_rate": 1e-3, "arl0": 100, "fall": 1.2},  # fall above 1
            {"baseline_rate": 1e-3, "arl0": 100, "updates_per_day": 0},
            {"baseline_rate": 1e-3, "arl0": 100, "wobble": 0.8},  # sd beyond 0.5
            {"baseline_rate": 1e-3, "arl0": 100, "wobble_shape": "weekly"},
        ],
    )
    def test_impossible_designs_are_rejected(self, arguments: dict[str, float]) -> None:
        with pytest.raises(EstimatorError):
            ChangeDetector(**arguments)  # type: ignore[arg-type]


class TestDetector:
    def test_a_burst_of_events_raises_an_up_alarm(self) -> None:
        detector = ChangeDetector(1e-4, 14_400)

        alarmed = detector.update(40, 10_000)

        assert alarmed
        assert (detector.alarm, detector.direction) == (True, "up")

    def test_a_long_silence_raises_a_down_alarm(self) -> None:
        detector = ChangeDetector(1e-3, 14_400)

        alarms = [detector.update(0, 1_000) for _ in range(200)]

        assert any(alarms)
        assert detector.direction == "down"

    def test_counts_at_the_baseline_raise_no_alarm(self) -> None:
        detector = ChangeDetector(1e-3, 14_400)

        alarms = [detector.update(1, 1_000) for _ in range(500)]

        assert not any(alarms)
        assert detector.direction is None

    def test_statistics_restart_after_an_alarm_but_the_alarm_latches(self) -> None:
        detector = ChangeDetector(1e-4, 14_400)
        detector.update(40, 10_000)

        alarmed_again = detector.update(1, 10_000)

        assert not alarmed_again
        assert detector.alarm
        assert detector.up_statistic < detector.design.threshold_up  # type: ignore[union-attr]

    def test_reset_clears_the_alarm(self) -> None:
        detector = ChangeDetector(1e-4, 14_400)
        detector.update(40, 10_000)

        detector.reset()

        assert (detector.alarm, detector.direction) == (False, None)
        assert detector.up_statistic == detector.down_statistic == 0.0

    def test_the_design_follows_the_traffic(self) -> None:
        detector = ChangeDetector(1e-4, 14_400)

        detector.update(0, 5_000)

        assert detector.design is not None
        assert detector.design.expected_per_update == pytest.approx(0.5)

    def test_the_state_round_trips_through_json(self) -> None:
        detector = ChangeDetector(1e-4, 14_400)
        detector.update(3, 10_000)

        restored = ChangeDetector.from_state(json.loads(json.dumps(detector.state())))

        assert restored.state() == detector.state()

    def test_the_wobble_shape_survives_a_restart(self) -> None:
        detector = ChangeDetector(1e-4, 14_400, wobble_shape="uniform")
        detector.update(3, 10_000)

        restored = ChangeDetector.from_state(detector.state())

        assert restored.wobble_shape == "uniform"
        assert restored.design == detector.design

    def test_a_state_written_before_shapes_keeps_its_normal_calibration(
        self,
    ) -> None:
        detector = ChangeDetector(1e-4, 14_400, wobble_shape="normal")
        detector.update(3, 10_000)
        older = {k: v for k, v in detector.state().items() if k != "wobble_shape"}

        restored = ChangeDetector.from_state(older)

        assert restored.design == detector.design

    def test_a_restored_detector_continues_the_same_path(self) -> None:
        original = ChangeDetector(1e-4, 14_400)
        original.update(3, 10_000)
        restored = ChangeDetector.from_state(original.state())

        for detector in (original, restored):
            detector.update(4, 10_000)

        assert restored.up_statistic == original.up_statistic
