"""The drift settings: the wobble the live detectors are calibrated for."""

from __future__ import annotations

import pytest

from streamer.errors import ConfigurationError
from streamer.runtime import Runtime
from streamer.settings import load_settings


def test_the_default_calibration_allows_a_normal_sd_20_percent_wobble() -> None:
    plan = Runtime.from_settings(load_settings()).watch().plan

    assert (plan.wobble, plan.wobble_shape) == (0.2, "normal")


def test_a_bounded_wobble_is_chosen_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEPSIM_DRIFT_WOBBLE_SHAPE", "uniform")

    plan = Runtime.from_settings(load_settings()).watch().plan

    assert plan.wobble_shape == "uniform"


def test_an_unknown_wobble_shape_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        load_settings(drift_wobble_shape="weekly")
