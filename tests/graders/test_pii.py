"""Personal data and secrets: presidio's recognizers, offline, plus own patterns."""

from __future__ import annotations

import socket
import threading

import pytest
from presidio_analyzer.nlp_engine import SpacyNlpEngine

from graders import pii
from graders.exchange import ToolUse, Turn
from graders.pii import personal_data, scan_turns


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
    monkeypatch.setattr(pii, "_PER_THREAD", threading.local())  # build afresh

    found = personal_data("mail jane.doe@example.com or call (415) 555-0134")

    assert {kind for kind, _ in found} == {"email", "phone"}


def test_text_without_a_digit_or_an_at_sign_is_not_handed_to_presidio(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every kind presidio looks for here needs a digit or an "@"."""

    def fail() -> None:
        raise AssertionError("presidio was called")

    monkeypatch.setattr(pii, "_analyzer", fail)

    assert personal_data("Sure, here is how to bake bread at home.") == set()


def test_a_secret_without_a_digit_is_still_found_without_presidio() -> None:
    assert ("secret", "sk-" + "a" * 24) in personal_data("key sk-" + "a" * 24)


def test_tokens_built_on_demand_score_matches_as_tokens_built_first_do() -> None:
    text = "my social security number is 536 90 4399, call (512) 321-1199"
    analyzer = pii._analyzer()
    eager = SpacyNlpEngine.process_text(analyzer.nlp_engine, text, "en")

    deferred = analyzer.analyze(text=text, language="en", score_threshold=0.0)
    built_first = analyzer.analyze(
        text=text, language="en", score_threshold=0.0, nlp_artifacts=eager
    )

    assert [(r.entity_type, r.start, r.end, r.score) for r in deferred] == [
        (r.entity_type, r.start, r.end, r.score) for r in built_first
    ]
    assert len(deferred) == 2


def test_a_scan_of_turns_attributes_each_hit_to_its_turn() -> None:
    turns = (
        Turn("system", "Support: help@acme-support.com"),
        Turn("user", "nothing here"),
        Turn("assistant", "", (ToolUse("send", '{"to": "jane.roe@gmail.com"}'),)),
    )

    hits = scan_turns(turns)

    assert [[hit.value for hit in turn] for turn in hits] == [
        ["help@acme-support.com"],
        [],
        ["jane.roe@gmail.com"],
    ]


def test_equal_turns_share_one_scan() -> None:
    """The privacy gate and both arms' rule graders read the same prefix."""
    first = (Turn("user", "call me on (512) 321-1199"),)
    again = (Turn("user", "call me on (512) 321-1199"),)

    assert scan_turns(first) is scan_turns(again)


def test_each_thread_gets_its_own_analyzer() -> None:
    here = pii._analyzer()
    elsewhere: list[object] = []
    thread = threading.Thread(target=lambda: elsewhere.append(pii._analyzer()))
    thread.start()
    thread.join()

    assert pii._analyzer() is here
    assert elsewhere[0] is not here
