"""Personal data and secrets in text: presidio's pattern recognizers plus own regexes.

presidio-analyzer finds e-mail addresses, phone numbers (via `phonenumbers`), payment
cards (with the Luhn checksum), US social security and taxpayer numbers, UK national
insurance and NHS numbers, and IBANs (with their checksum). It runs offline here
because it is given a blank spaCy pipeline (its default engine downloads a model) and
an e-mail validator that reads tldextract's bundled public-suffix snapshot (the stock
one fetches the list from the network). Names and street addresses need a real NER
model, which depsim does not ship, so they are not detected.

Secrets and keys are not personal data to presidio; depsim's own patterns find them.

Scanning is most of a rule grader's and the privacy gate's CPU, so it is kept cheap
without changing what is found:

- every kind presidio looks for here has a digit in it, or an "@" (e-mail), so a
  text with neither is not handed to presidio at all (most chat turns);
- spaCy's tokens are read only by presidio's context enhancer, and only around a
  match, so they are built on first use, not for every text (with the blank
  pipeline's empty lemmas, context words never raise a score anyway);
- the turns of a conversation are scanned in one analyzer call (`scan_turns`),
  and the result is kept for a while: the privacy gate scans a prefix and the rule
  grader reads the same scan when a reply holds personal data, in either arm.
"""

from __future__ import annotations

import logging
import re
import threading
from bisect import bisect_right
from collections.abc import Callable
from functools import lru_cache, partial
from typing import Any, NamedTuple, cast

import spacy
import tldextract
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine
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

from graders.exchange import Turn

__all__ = ["MIN_SCORE", "Finding", "Hit", "findings", "personal_data", "scan_turns"]

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
# What every presidio pattern used here needs: a digit (phone, card, IBAN check
# digits, national ids) or an "@" (e-mail). `\d` is Unicode-wide, as in presidio.
_ANALYSABLE = re.compile(r"[\d@]")
# Turns of one conversation are joined with this for a single analyzer call.
_TURN_SEPARATOR = "\n\n"

# presidio logs recognizer set-up at INFO; the worker keeps its own log quiet.
logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)


def personal_data(text: str) -> set[tuple[str, str]]:
    """The (kind, normalised value) pairs of personal data and secrets in `text`."""
    return {
        (finding.kind, _normalise(finding.kind, text[finding.start : finding.end]))
        for finding in findings(text, MIN_SCORE)
    }


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
    if not _ANALYSABLE.search(text):
        return found
    for hit in _analyzer().analyze(text=text, language="en", score_threshold=min_score):
        kind = _KINDS.get(hit.entity_type)
        if kind is not None:
            found.append(Finding(kind, hit.start, hit.end, hit.score))
    return found


class Hit(NamedTuple):
    """A finding in one turn: its kind, the text matched, and how sure."""

    kind: str
    value: str
    score: float

    @property
    def normalised(self) -> str:
        """The value in one spelling, for comparing turns (see `personal_data`)."""
        return _normalise(self.kind, self.value)


def scan_turns(
    turns: tuple[Turn, ...], min_score: float = MIN_SCORE
) -> tuple[tuple[Hit, ...], ...]:
    """The hits in each turn (its text and tool-call arguments), aligned with `turns`.

    One analyzer call covers every turn: presidio's per-call overhead outweighs its
    per-byte cost on conversations of many short turns. The result is cached, since
    the privacy gate and the rule grader of both arms read the same prefix moments
    apart; keys are the turns themselves, so equal prefixes share one scan.
    """
    return _scan_turns(turns, min_score)  # one cache key however it was called


@lru_cache(maxsize=256)
def _scan_turns(
    turns: tuple[Turn, ...], min_score: float
) -> tuple[tuple[Hit, ...], ...]:
    segments = [
        (index, text)
        for index, turn in enumerate(turns)
        for text in (turn.text, *(use.arguments for use in turn.tool_uses))
    ]
    starts = []
    offset = 0
    for _, text in segments:
        starts.append(offset)
        offset += len(text) + len(_TURN_SEPARATOR)
    joined = _TURN_SEPARATOR.join(text for _, text in segments)

    hits: list[list[Hit]] = [[] for _ in turns]
    for finding in findings(joined, min_score):
        index = segments[bisect_right(starts, finding.start) - 1][0]
        value = joined[finding.start : finding.end]
        hits[index].append(Hit(finding.kind, value, finding.score))
    return tuple(map(tuple, hits))


def _normalise(kind: str, value: str) -> str:
    """One spelling per value: "(415) 555-0134" in a prompt matches "415.555.0134".

    Secrets are compared as written.
    """
    if kind == "secret":
        return value
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

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        """Tokens on demand: most texts have no match whose context is read."""
        return _DeferredArtifacts(partial(super().process_text, text, language))


class _DeferredArtifacts(NlpArtifacts):
    """spaCy's artefacts of a text, computed when a recognizer first reads one.

    presidio builds tokens, lemmas and keywords for every text, yet only its
    context enhancer reads them, and only for a match. Every attribute read is
    passed to the real artefacts, built once.
    """

    def __init__(self, build: Callable[[], NlpArtifacts]) -> None:
        self._build = build
        self._built: NlpArtifacts | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if self._built is None:
            self._built = self._build()
        return getattr(self._built, name)


_PER_THREAD = threading.local()


def _analyzer() -> AnalyzerEngine:
    """This thread's presidio analyzer, so no engine is shared between threads.

    Grading runs on the event loop's thread and on the grading thread
    (`graders.offload`).
    """
    engine: AnalyzerEngine | None = getattr(_PER_THREAD, "analyzer", None)
    if engine is None:
        engine = _PER_THREAD.analyzer = _build_analyzer()
    return engine


def _build_analyzer() -> AnalyzerEngine:
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
