"""The privacy gate: what must hold before any part of a record reaches a model.

1. Both upstream attestations, `consent` and `deidentified`, are true.
2. A scan of the prefix (what the candidate and the judge are shown) finds no
   personal data or secret of the configured kinds. A record where some is still
   found is quarantined with `pii_found`; the detail names the kinds, never the
   values.

The scan reuses `graders.pii` (presidio's offline pattern recognizers plus depsim's
secret patterns). Policy, and why:

- Only the prefix is scanned. The production reply is where the rule grader looks
  for personal data a model *introduces* (`personal_data_leak`); quarantining
  records whose reply holds some would hide the very behaviour being measured.
- System and developer messages are not scanned: the operator writes them, the
  same for every conversation (an agent's support address, say); they are not end
  user data.
- Addresses at reserved example domains (RFC 2606 and 6761: example.com, .test,
  .invalid...) identify nobody and are ignored.
- A phone match needs at least ten digits, only the characters phone numbers are
  written with, and must not be a decimal number: presidio's phone pattern also
  matches coordinates, version strings and short digit runs, which fill tool
  output. North American numbers in the 555 exchange ("(555) 555-5555") are the
  telephone equivalent of example.com and are ignored.
- `privacy_min_score` defaults to `graders.pii.MIN_SCORE` (0.4): below it are bare
  digit runs that fire on prices and ids far more often than on people.

The scan covers every turn of the prefix in one call (`graders.pii.scan_turns`), the
operator's turns included, and drops what it found in those: the same cached scan
then serves the rule grader, which reads the whole prefix when a reply holds personal
data, so a prefix is scanned once per record, not once per reader.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from graders.pii import MIN_SCORE, Hit, scan_turns
from streamer.errors import ConfigurationError, RecordRejected
from streamer.panel import to_turn
from streamer.reasons import Reason
from streamer.records import Message, TrafficRecord

ENTITY_KINDS = frozenset({"email", "phone", "card", "iban", "national_id", "secret"})

_UNSCANNED_ROLES = frozenset({"system", "developer"})
_RESERVED_DOMAIN = re.compile(
    r"(?:^|\.)(?:example\.(?:com|net|org)|example|test|invalid|localhost)$",
    re.IGNORECASE,
)
_DECIMAL = re.compile(r"\d\.\d{5,}|\d{5,}\.\d")
_PHONE_CHARACTERS = re.compile(r"[\d\s+().\-/]+")


def check_attestations(record: TrafficRecord) -> None:
    """No record reaches a model without both upstream attestations."""
    if not record.consent:
        raise RecordRejected(Reason.NO_CONSENT)
    if not record.deidentified:
        raise RecordRejected(Reason.NOT_DEIDENTIFIED)


def parse_entities(value: str) -> frozenset[str]:
    """The entity kinds in a comma-separated setting; raise on an unknown kind."""
    kinds = frozenset(part.strip() for part in value.split(",") if part.strip())
    unknown = kinds - ENTITY_KINDS
    if unknown:
        raise ConfigurationError(
            f"unknown privacy_entities {sorted(unknown)}; known: {sorted(ENTITY_KINDS)}"
        )
    return kinds


@dataclass(frozen=True, slots=True)
class PrivacyScan:
    """Which personal data quarantines a record, and whether to look at all."""

    enabled: bool = True
    entities: frozenset[str] = ENTITY_KINDS
    min_score: float = MIN_SCORE

    def check(self, prefix: Sequence[Message]) -> None:
        """Raise `RecordRejected(pii_found)` naming the kinds found in `prefix`."""
        kinds = self.kinds_found(prefix)
        if kinds:
            raise RecordRejected(Reason.PII_FOUND, ",".join(sorted(kinds)))

    def kinds_found(self, prefix: Sequence[Message]) -> set[str]:
        """The configured kinds of personal data in the scanned turns of `prefix`."""
        if not self.enabled or not self.entities:
            return set()
        scans = scan_turns(tuple(map(to_turn, prefix)), self.min_score)
        return {
            hit.kind
            for message, hits in zip(prefix, scans, strict=True)
            if message.role not in _UNSCANNED_ROLES
            for hit in hits
            if hit.kind in self.entities and _counts(hit)
        }


def _fictional_phone(digits: str) -> bool:
    """North American numbers in the 555 exchange: fiction's, not a person's."""
    national = digits[1:] if len(digits) == 11 and digits[0] == "1" else digits
    return len(national) == 10 and national[3:6] == "555"


def _counts(hit: Hit) -> bool:
    """Whether a pattern match is plausibly personal data (see the module notes)."""
    value = hit.value
    if hit.kind == "email":
        return not _RESERVED_DOMAIN.search(value.rsplit("@", 1)[-1])
    if hit.kind == "phone":
        digits = re.sub(r"\D", "", value)
        return (
            len(digits) >= 10
            and _PHONE_CHARACTERS.fullmatch(value) is not None
            and not _DECIMAL.search(value)
            and not _fictional_phone(digits)
        )
    return True
