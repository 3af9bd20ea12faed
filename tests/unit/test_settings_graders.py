"""The grader panel setting: the ensemble by default, the rule panel by name."""

from __future__ import annotations

import pytest

from streamer.errors import ConfigurationError
from streamer.settings import load_settings


def test_the_default_panel_is_the_ensemble() -> None:
    assert load_settings().graders == "ensemble"


def test_the_rule_panel_is_chosen_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEPSIM_GRADERS", "rules")

    assert load_settings().graders == "rules"


def test_an_unknown_panel_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        load_settings(graders="judge-only")


def test_the_worker_runtime_grades_with_the_panel_the_settings_name() -> None:
    from streamer.runtime import Runtime

    ensemble = Runtime.from_settings(load_settings()).pipeline.panel.version
    rules = Runtime.from_settings(load_settings(graders="rules")).pipeline.panel.version

    assert rules != ensemble
