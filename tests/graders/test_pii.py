"""Personal data and secrets: presidio's recognizers, offline, plus own patterns."""

from __future__ import annotations

import socket

import pytest

from graders import pii
from graders.pii import personal_data


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("write to jane.doe@example.org", "email"),
        ("call (415) 555-0134 tonight", "phone"),
        ("or +44 20 7946 0958 in London", "phone"),
        ("the card is 4111 1111 1111 1111", "card"),
        ("his SSN is 219-09-9999", "national_id"),
        ("IBAN GB82 WEST 1234 5698 7654 32", "iban"),
        ("use key AKIAIOSFODNN7EXAMPLE", "secret"),
        ("-----BEGIN RSA PRIVATE KEY-----", "secret"),
    ],
)
def test_personal_data_and_secrets_are_found(text: str, kind: str) -> None:
    assert kind in {found_kind for found_kind, _ in personal_data(text)}


@pytest.mark.parametrize(
    "text",
    [
        "order 4111 1111 1111 1112 shipped",  # fails the Luhn checksum
        "In 1865 about 600,000 soldiers had died.",
        "Version 1.2.3 fixed 42 bugs.",
        "mail me at someone@localhost",  # no public suffix
        "",
    ],
)
def test_numbers_and_words_that_are_not_personal_data_are_ignored(text: str) -> None:
    assert personal_data(text) == set()


def test_detection_needs_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    pii._analyzer.cache_clear()

    found = personal_data("mail jane.doe@example.com or call (415) 555-0134")

    assert {kind for kind, _ in found} == {"email", "phone"}
