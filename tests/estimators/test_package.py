"""The package's public surface and purity."""

import subprocess
import sys

import estimators


def test_every_public_name_is_importable() -> None:
    missing = [name for name in estimators.__all__ if not hasattr(estimators, name)]

    assert missing == []


def test_the_error_is_a_value_error() -> None:
    assert issubclass(estimators.EstimatorError, ValueError)


def test_importing_it_pulls_in_no_other_part_of_depsim() -> None:
    code = (
        "import sys, estimators; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('streamer', 'graders')))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"
