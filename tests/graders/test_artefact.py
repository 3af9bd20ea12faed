"""The classifier artefact format: round trip, version tag, and what it refuses."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path

import numpy as np
import pytest

from graders import ArtefactError
from graders.artefact import Artefact, CategoryModel, load_artefact


def _tiny() -> Artefact:
    model = CategoryModel(
        category="refusal",
        inputs=("reply",),
        coef=np.array([2.0, -1.0], dtype=np.float32),
        intercept=-0.5,
        threshold=0.5,
        info={"c": 1.0},
    )
    return Artefact(
        vocabulary=("sorry", "sure"),
        idf=np.array([1.0, 1.5], dtype=np.float32),
        vectorizer={"ngram_range": [1, 1]},
        models=(model,),
        provenance={"command": "test"},
    )


def test_an_artefact_survives_a_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "a.npz"
    _tiny().save(path)

    loaded = load_artefact(path)

    assert loaded.version == _tiny().version
    assert loaded.vocabulary == ("sorry", "sure")


def test_the_version_changes_when_the_weights_do() -> None:
    tiny = _tiny()
    model = dataclasses.replace(tiny.models[0], coef=np.array([2.0, 1.0], np.float32))

    changed = dataclasses.replace(tiny, models=(model,))

    assert changed.version != tiny.version


def test_an_artefact_of_another_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.npz"
    _tiny().save(path)
    with np.load(path) as arrays:
        contents = dict(arrays)
    meta = json.loads(str(contents["meta"]))
    contents["meta"] = np.array(json.dumps({**meta, "format": 99}))
    buffer = io.BytesIO()
    np.savez(buffer, **contents)
    path.write_bytes(buffer.getvalue())

    with pytest.raises(ArtefactError, match="format"):
        load_artefact(path)


def test_a_missing_artefact_is_an_artefact_error(tmp_path: Path) -> None:
    with pytest.raises(ArtefactError):
        load_artefact(tmp_path / "absent.npz")


def test_the_shipped_artefact_is_small_enough_to_ship() -> None:
    from graders.artefact import shipped_artefact_path

    assert shipped_artefact_path().stat().st_size < 3 * 1024 * 1024
