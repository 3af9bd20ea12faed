"""Personal data and secrets in text: presidio's pattern recognizers plus own regexes.

presidio-analyzer finds e-mail addresses, phone numbers (via `phonenumbers`), payment
cards (with the Luhn checksum), US social security and taxpayer numbers, UK national
insurance and NHS numbers, and IBANs (with their checksum). It runs offline here
because it is given a blank spaCy pipeline (its default engine downloads a model) and
an e-mail validator that reads tldextract's bundled public-suffix snapshot (the stock
one fetches the list from the network). Names and street addresses need a real NER
model, which depsim does not ship, so they are not detected.

Secrets and keys are not personal data to presidio; depsim's own patterns find them.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Any, NamedTuple, cast

import spacy
import tldextract
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    NhsRecognizer,
    PhoneRecognizer,
    UkNinoRecognizer,
    UsItinRecognizer,
    UsSsnRecognizer,
)

__all__ = ["MIN_SCORE", "Finding", "findings", "personal_data"]

# presidio scores unvalidated phone and id patterns 0.4-0.5 and checksummed ones 1.0;
# below 0.4 are bare digit runs (passport-like, ITIN without context) that fire on
# prices and years far more often than on identifiers.
MIN_SCORE = 0.4

_KINDS = {
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "CREDIT_CARD": "card",
    "IBAN_CODE": "iban",
    "US_SSN": "national_id",
    "US_ITIN": "national_id",
    "UK_NINO": "national_id",
    "UK_NHS": "national_id",
}

_SECRET = re.compile(
    r"\b(?:AKIA[0-9A-Z]{16}|sk-[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{30,}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})\b"
    r"|-----BEGIN (?:RSA |EC |OPENSSH |DSA )?PRIVATE KEY-----"
)

# presidio logs recognizer set-up at INFO; the worker keeps its own log quiet.
logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)


def personal_data(text: str) -> set[tuple[str, str]]:
    """The (kind, normalised value) pairs of personal data and secrets in `text`."""
    found = {("secret", match.group()) for match in _SECRET.finditer(text)}
    if not text.strip():
        return found
    for hit in _analyzer().analyze(text=text, language="en", score_threshold=MIN_SCORE):
        kind = _KINDS.get(hit.entity_type)
        if kind is not None:
            found.add((kind, _normalise(kind, text[hit.start : hit.end])))
    return found


class Finding(NamedTuple):
    """One piece of personal data or a secret: its kind, where, and how sure."""

    kind: str
    start: int
    end: int
    score: float


def findings(text: str, min_score: float = MIN_SCORE) -> list[Finding]:
    """Every finding in `text` scored at least `min_score`, secrets scored 1.0."""
    found = [
        Finding("secret", match.start(), match.end(), 1.0)
        for match in _SECRET.finditer(text)
    ]
    if not text.strip():
        return found
    for hit in _analyzer().analyze(text=text, language="en", score_threshold=min_score):
        kind = _KINDS.get(hit.entity_type)
        if kind is not None:
            found.append(Finding(kind, hit.start, hit.end, hit.score))
    return found


def _normalise(kind: str, value: str) -> str:
    """One spelling per value: "(415) 555-0134" in a prompt matches "415.555.0134"."""
    if kind == "email":
        return value.lower()
    if kind == "iban":
        return re.sub(r"\s", "", value).upper()
    return re.sub(r"\D", "", value)


class _OfflineEmailRecognizer(EmailRecognizer):
    """presidio's e-mail recognizer, validating domains against the bundled list."""

    _extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    def validate_result(self, pattern_text: str) -> bool:
        domain = pattern_text.rsplit("@", 1)[-1]
        return bool(self._extract(domain).suffix)


class _BlankSpacyEngine(SpacyNlpEngine):
    """A spaCy engine over a blank English pipeline: tokenises, downloads nothing."""

    def __init__(self) -> None:
        super().__init__(models=[{"lang_code": "en", "model_name": "blank"}])

    def load(self) -> None:
        self.nlp = cast(Any, {"en": spacy.blank("en")})


@cache
def _analyzer() -> AnalyzerEngine:
    recognizers: list[EntityRecognizer] = [
        _OfflineEmailRecognizer(),
        PhoneRecognizer(),
        CreditCardRecognizer(),
        IbanRecognizer(),
        UsSsnRecognizer(),
        UsItinRecognizer(),
        UkNinoRecognizer(),
        NhsRecognizer(),
    ]
    engine = _BlankSpacyEngine()
    engine.load()
    registry = RecognizerRegistry(recognizers=recognizers)
    return AnalyzerEngine(
        nlp_engine=engine, registry=registry, supported_languages=["en"]
    )
