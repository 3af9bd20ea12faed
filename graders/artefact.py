"""The learned classifier's artefact: TF-IDF vocabulary and per-category weights.

Stored as one compressed `.npz` file read with `allow_pickle=False`, so loading it
runs no code and does not depend on the scikit-learn version that trained it: the
vocabulary is a newline-joined UTF-8 blob, the idf and weights are float32 arrays,
and the metadata (format, parameters, thresholds, training provenance) is a JSON
string. `version` is a digest of the weights and metadata, so a retrained model
shows up as a new grader version in every graded record.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from graders.errors import ArtefactError

__all__ = [
    "ARTEFACT_FORMAT",
    "Artefact",
    "CategoryModel",
    "Input",
    "load_artefact",
    "shipped_artefact_path",
]

ARTEFACT_FORMAT = 1
Input = Literal["reply", "prompt"]
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class CategoryModel:
    """One category's logistic regression over the feature blocks of `inputs`."""

    category: str
    inputs: tuple[Input, ...]
    coef: FloatArray
    intercept: float
    threshold: float
    info: dict[str, Any]


@dataclass(frozen=True)
class Artefact:
    """Everything the classifier grader needs, as plain arrays and JSON."""

    vocabulary: tuple[str, ...]
    idf: FloatArray
    vectorizer: dict[str, Any]
    models: tuple[CategoryModel, ...]
    provenance: dict[str, Any]

    @property
    def version(self) -> str:
        """A short digest of weights and metadata: changes whenever they do."""
        digest = hashlib.sha256(json.dumps(self._meta(), sort_keys=True).encode())
        digest.update(self.idf.tobytes())
        for model in self.models:
            digest.update(model.coef.tobytes())
        return f"{ARTEFACT_FORMAT}.{digest.hexdigest()[:10]}"

    def save(self, path: Path) -> None:
        """Write the artefact as one compressed `.npz` file."""
        arrays: dict[str, npt.NDArray[Any]] = {
            "meta": np.array(json.dumps(self._meta(), sort_keys=True)),
            "vocabulary": np.frombuffer(
                "\n".join(self.vocabulary).encode("utf-8"), dtype=np.uint8
            ),
            "idf": self.idf.astype(np.float32),
        }
        for index, model in enumerate(self.models):
            arrays[f"coef_{index}"] = model.coef.astype(np.float32)
        buffer = io.BytesIO()
        save_arrays = cast(Any, np.savez_compressed)
        save_arrays(buffer, **arrays)
        path.write_bytes(buffer.getvalue())

    def _meta(self) -> dict[str, Any]:
        return {
            "format": ARTEFACT_FORMAT,
            "vectorizer": self.vectorizer,
            "provenance": self.provenance,
            "models": [
                {
                    "category": m.category,
                    "inputs": list(m.inputs),
                    "intercept": m.intercept,
                    "threshold": m.threshold,
                    "info": m.info,
                }
                for m in self.models
            ],
        }


def shipped_artefact_path() -> Path:
    """Where the package keeps its fitted classifier."""
    return Path(str(resources.files("graders").joinpath("models/classifier.npz")))


def load_artefact(path: Path | None = None) -> Artefact:
    """Read an artefact; the shipped one when `path` is None."""
    path = path or shipped_artefact_path()
    try:
        with np.load(path, allow_pickle=False) as arrays:
            meta = json.loads(str(arrays["meta"]))
            if meta.get("format") != ARTEFACT_FORMAT:
                raise ArtefactError(
                    f"{path}: artefact format {meta.get('format')!r}, "
                    f"this depsim reads format {ARTEFACT_FORMAT}"
                )
            vocabulary = bytes(arrays["vocabulary"]).decode("utf-8").split("\n")
            idf = arrays["idf"].astype(np.float32)
            models = tuple(
                CategoryModel(
                    category=spec["category"],
                    inputs=tuple(spec["inputs"]),
                    coef=arrays[f"coef_{index}"].astype(np.float32),
                    intercept=float(spec["intercept"]),
                    threshold=float(spec["threshold"]),
                    info=dict(spec["info"]),
                )
                for index, spec in enumerate(meta["models"])
            )
    except (OSError, KeyError, ValueError) as exc:
        raise ArtefactError(f"cannot read classifier artefact {path}: {exc}") from exc

    _check_shapes(path, len(vocabulary), idf, models)
    return Artefact(
        vocabulary=tuple(vocabulary),
        idf=idf,
        vectorizer=dict(meta["vectorizer"]),
        models=models,
        provenance=dict(meta["provenance"]),
    )


def _check_shapes(
    path: Path, size: int, idf: FloatArray, models: tuple[CategoryModel, ...]
) -> None:
    if idf.shape != (size,):
        raise ArtefactError(f"{path}: idf has {idf.shape}, vocabulary {size} terms")
    for model in models:
        if model.coef.shape != (size * len(model.inputs),):
            raise ArtefactError(f"{path}: weights of {model.category} mis-sized")
