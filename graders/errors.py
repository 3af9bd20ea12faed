"""The errors the graders package raises on purpose, under one root.

    GraderError
    ├── TaxonomyError        a taxonomy file missing, malformed or inconsistent
    ├── EnsembleConfigError  an ensemble configuration the taxonomy cannot satisfy
    ├── JudgeConfigError     a judge without an endpoint, or asked to grade itself
    ├── JudgeOutputError     a judge reply with no usable verdict in it
    ├── ArtefactError        a classifier artefact missing, corrupt or of another format
    └── LabelledDataError    labelled data that cannot be read or mapped to categories

Graders never raise from `grade`: a failing backend becomes a `grader_error` result.
These errors are for configuration, start-up and offline tooling.
"""

from __future__ import annotations


class GraderError(Exception):
    """Root of every error the graders package raises on purpose."""


class TaxonomyError(GraderError, ValueError):
    """Raised when a taxonomy file is missing, malformed, or names a category twice."""


class EnsembleConfigError(GraderError, ValueError):
    """Raised when an ensemble configuration is malformed or names unknown parts."""


class JudgeConfigError(GraderError, ValueError):
    """Raised when a judge is misconfigured, e.g. would grade its own replies."""


class JudgeOutputError(GraderError):
    """Raised when a judge's reply holds no readable verdict; `reason` says why."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


class ArtefactError(GraderError):
    """Raised when the classifier artefact is missing, corrupt or of another format."""


class LabelledDataError(GraderError):
    """Raised when labelled data cannot be read or mapped onto taxonomy categories."""
