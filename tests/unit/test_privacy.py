"""The privacy gate's PII scan, and settings that never show their secrets."""

from __future__ import annotations

from typing import Any

import pytest

from graders import Exchange, RuleGrader, pii
from streamer.errors import ConfigurationError, RecordRejected
from streamer.panel import to_turn
from streamer.privacy import PrivacyScan, parse_entities
from streamer.reasons import Reason
from streamer.records import Message
from streamer.settings import Settings, load_settings


def prefix(*turns: tuple[str, str]) -> tuple[Message, ...]:
    return tuple(Message(role=role, content=text) for role, text in turns)  # type: ignore[arg-type]


def kinds(*turns: tuple[str, str], **policy: Any) -> set[str]:
    return PrivacyScan(**policy).kinds_found(prefix(*turns))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("mail me at jane.roe@gmail.com", "email"),
        ("my number is (512) 321-1199", "phone"),
        ("call +44 20 7946 0958 tomorrow", "phone"),
        ("card 4111 1111 1111 1111 exp 12/29", "card"),
        ("IBAN GB82 WEST 1234 5698 7654 32", "iban"),
        ("my ssn is 536-90-4399", "national_id"),
        ("key sk-abcdefghijklmnopqrstuvwxyz123456", "secret"),
    ],
)
def test_personal_data_in_a_user_turn_is_found_by_kind(text: str, kind: str) -> None:
    """Each configured kind in the prefix is reported."""
    assert kind in kinds(("user", text))


@pytest.mark.parametrize(
    "text",
    [
        # ordinary chat about personal topics, with numbers that are not identifiers
        "How do I pick a lock? I need it by 2024, it cost $1,250.",
        # reserved example domains identify nobody
        "set the author to dev@example.com and bot@ci.test",
        # coordinates and version strings match presidio's phone pattern
        "(-7.66371733, -33.43973263, 8142.66444317) on python 3.10.6-1~22.04.1",
        # short digit runs
        "issue 1647 was fixed in 05120",
        # the fictional 555 exchange
        "call (555) 555-5555 or +1 512 555 0202",
    ],
)
def test_text_without_personal_data_passes(text: str) -> None:
    """No finding on plain text, example addresses, coordinates and versions."""
    assert kinds(("user", text), ("tool", text), ("assistant", text)) == set()


def test_system_and_developer_turns_are_not_scanned() -> None:
    """Operator-written instructions (a support address, say) are not user data."""
    found = kinds(
        ("system", "escalate to support@acme-corp.com"),
        ("developer", "or call (512) 321-1199"),
        ("user", "hello"),
    )

    assert found == set()


def test_tool_results_and_call_arguments_are_scanned() -> None:
    """Personal data a tool returned still reaches the model, so it counts."""
    assert kinds(("tool", "customer: jane.roe@gmail.com")) == {"email"}


def test_only_the_configured_entity_kinds_quarantine() -> None:
    """`privacy_entities` narrows what counts."""
    text = "jane.roe@gmail.com, (512) 321-1199"

    assert kinds(("user", text), entities=frozenset({"phone"})) == {"phone"}


def test_the_scan_can_be_switched_off() -> None:
    """With `privacy_scan` off, only the attestations guard the gate."""
    assert kinds(("user", "jane.roe@gmail.com"), enabled=False) == set()


def test_check_raises_pii_found_with_kinds_and_no_values() -> None:
    """The rejection names the kinds, sorted, never the matched text."""
    scan = PrivacyScan()

    with pytest.raises(RecordRejected) as caught:
        scan.check(prefix(("user", "jane.roe@gmail.com or (512) 321-1199")))

    assert caught.value.reason == Reason.PII_FOUND
    assert caught.value.detail == "email,phone"
    assert "jane" not in str(caught.value)


def test_an_unknown_entity_kind_is_a_configuration_error() -> None:
    """A typo in `privacy_entities` fails at start-up, not silently."""
    with pytest.raises(ConfigurationError):
        parse_entities("email,passport")


SECRETS = {
    "candidate_api_key": "sk-candidate-VALUE-123",
    "judge_api_key": "sk-judge-VALUE-456",
    "tool_simulator_api_key": "sk-simulator-VALUE-789",
}


def test_settings_repr_and_str_never_show_api_keys() -> None:
    """`SecretStr` keeps every key out of repr, str and model dumps."""
    settings = Settings(**SECRETS)  # type: ignore[arg-type]

    shown = [repr(settings), str(settings), str(settings.model_dump())]

    for value in SECRETS.values():
        assert all(value not in text for text in shown)


def test_settings_errors_never_show_api_keys() -> None:
    """A validation error about settings does not echo the input values."""
    with pytest.raises(ConfigurationError) as caught:
        load_settings(**SECRETS, concurrency="not a number")

    for value in SECRETS.values():
        assert value not in str(caught.value)
        assert value not in repr(caught.value.__cause__)


async def test_the_gate_scan_of_a_prefix_serves_the_rule_grader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A prefix is scanned once per record: the rule grader reuses the gate's scan."""
    turns = prefix(
        ("system", "Escalate to desk.gate-share@gmail.com"),  # the gate skips it
        ("user", "who do I write to?"),
    )
    reply = Message(role="assistant", content="Write to desk.gate-share@gmail.com.")
    PrivacyScan().check(turns)
    scanned: list[str] = []
    real = pii.findings

    def counting(text: str, min_score: float = pii.MIN_SCORE) -> list[pii.Finding]:
        scanned.append(text)
        return real(text, min_score)

    monkeypatch.setattr(pii, "findings", counting)

    result = await RuleGrader().grade(
        Exchange(tuple(map(to_turn, turns)), to_turn(reply))
    )

    leak = next(v for v in result.verdicts if v.category == "personal_data_leak")
    assert not leak.flagged  # the operator's address was in the prefix
    assert scanned == [reply.text()]
