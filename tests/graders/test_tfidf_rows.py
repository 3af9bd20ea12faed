"""Single-text TF-IDF rows equal the fitted vectorizer's own `transform`."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix

from graders.artefact import load_artefact
from graders.classifier import TfidfRows, build_vectorizer
from graders.labelled import load_labelled

VECTORIZER = build_vectorizer(load_artefact())
ROWS = TfidfRows(VECTORIZER)


def dense(indices: np.ndarray, data: np.ndarray) -> np.ndarray:
    row = np.zeros(len(VECTORIZER.vocabulary), dtype=np.float64)
    row[indices] = data
    return row


def reference(text: str) -> np.ndarray:
    matrix: csr_matrix = VECTORIZER.transform([text])
    return dense(matrix.indices, matrix.data)


def test_rows_equal_transform_on_every_shipped_labelled_text() -> None:
    texts = [t for item in load_labelled() for t in (item.reply, item.prompt)]

    worst = 0.0
    for text in texts:
        row = ROWS.row(text)
        worst = max(
            worst, float(np.abs(dense(row.indices, row.data) - reference(text)).max())
        )

    assert len(texts) > 1000
    assert worst < 1e-6


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_rows_equal_transform_on_any_text(text: str) -> None:
    row = ROWS.row(text)

    assert np.allclose(dense(row.indices, row.data), reference(text), atol=1e-6)


def test_a_text_without_known_terms_has_an_empty_row() -> None:
    row = ROWS.row("zzqxv qqzzv")

    assert row.indices.size == 0
