"""Every kind of bad input, as raw bytes through `Pipeline.process`, has one outcome.

Each case ends graded (one record per arm) or dead-lettered with its reason code;
nothing raises, and no case reaches the candidate unless it is graded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

import pytest

from graders import RuleGrader, load_taxonomy
from streamer.candidate import Candidate, Generation
from streamer.context import ContextWindow
from streamer.panel import GraderPanel
from streamer.pipeline import Pipeline, Processed
from streamer.reasons import Reason
from streamer.records import Message, ToolSpec
from streamer.validate import Intake

from .test_records import record

MAX_BYTES = 4096
GRADED = "graded"


class FakeCandidate:
    """Answers every prefix with one fixed reply and remembers what it was shown."""

    model = "fake-candidate"

    def __init__(self) -> None:
        self.prefixes: list[tuple[Message, ...]] = []

    async def generate(
        self, prefix: Sequence[Message], tools: Sequence[ToolSpec] | None = None
    ) -> Generation:
        self.prefixes.append(tuple(prefix))
        reply = Message(role="assistant", content="Here is a short answer.")
        return Generation(reply, self.model, "stop", 10, 5, 0.01)


def pipeline(intake: Intake | None = None) -> tuple[Pipeline, FakeCandidate]:
    candidate = FakeCandidate()
    panel = GraderPanel([RuleGrader()], load_taxonomy())
    built = Pipeline(
        cast(Candidate, candidate),
        panel,
        shadow_arm="shadow:fake-candidate",
        standin=False,
        max_bytes=MAX_BYTES,
        intake=intake or Intake(max_bytes=MAX_BYTES),
    )
    return built, candidate


def raw(messages: list[dict[str, Any]], **changes: Any) -> bytes:
    return json.dumps(record(messages=messages, **changes)).encode()


def user(text: Any = "hi") -> dict[str, Any]:
    return {"role": "user", "content": text}


def assistant(text: Any = "hello") -> dict[str, Any]:
    return {"role": "assistant", "content": text}


def calling(call_id: str) -> dict[str, Any]:
    call = {"id": call_id, "type": "function", "function": {"name": "f"}}
    call["function"]["arguments"] = "{}"
    return {"role": "assistant", "content": None, "tool_calls": [call]}


def tool(call_id: str) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": call_id, "content": "42"}


def outcome(processed: Processed) -> str:
    if processed.dead_letter is not None:
        assert processed.graded == ()
        return processed.dead_letter.reason
    assert [g.arm for g in processed.graded] == ["live", "shadow:fake-candidate"]
    return GRADED


CASES: list[tuple[str, bytes, str]] = [
    # Bytes that are not a record.
    ("not_json", b"this is not json", Reason.NOT_JSON),
    ("empty_bytes", b"", Reason.TRUNCATED_JSON),
    ("truncated_json", raw([user(), assistant()])[:-20], Reason.TRUNCATED_JSON),
    ("json_array", b"[1, 2, 3]", Reason.NOT_AN_OBJECT),
    ("json_string", b'"hello"', Reason.NOT_AN_OBJECT),
    (
        "invalid_utf8",
        raw([user(), assistant()]).replace(b"hi", b"h\xff"),
        "invalid_utf8",
    ),
    # A surrogate encoded as UTF-8 bytes is not valid UTF-8.
    (
        "raw_surrogate",
        raw([user(), assistant()]).replace(b"hi", b"\xed\xa0\x80"),
        "invalid_utf8",
    ),
    (
        "escaped_lone_surrogate",
        raw([user("\ud800"), assistant()]),
        Reason.LONE_SURROGATE,
    ),
    ("too_large", raw([user("x" * MAX_BYTES), assistant()]), Reason.TOO_LARGE),
    # Records that break the schema.
    (
        "schema_version_2",
        raw([user(), assistant()], schema_version=2),
        "unsupported_schema_version",
    ),
    (
        "consent_as_string",
        raw([user(), assistant()], consent="yes"),
        Reason.SCHEMA_INVALID,
    ),
    ("content_as_number", raw([user(7), assistant()]), Reason.SCHEMA_INVALID),
    (
        "messages_not_a_list",
        json.dumps(record(messages={"role": "user"})).encode(),
        Reason.SCHEMA_INVALID,
    ),
    ("no_messages", raw([]), Reason.SCHEMA_INVALID),
    (
        "unknown_role",
        raw([{"role": "robot", "content": "x"}, assistant()]),
        Reason.UNKNOWN_ROLE,
    ),
    ("role_missing", raw([{"content": "x"}, assistant()]), Reason.SCHEMA_INVALID),
    (
        "text_part_without_text",
        raw([user([{"type": "text"}]), assistant()]),
        Reason.SCHEMA_INVALID,
    ),
    ("part_not_an_object", raw([user(["plain"]), assistant()]), Reason.SCHEMA_INVALID),
    (
        "tool_call_missing_function",
        raw([user(), {"role": "assistant", "tool_calls": [{"id": "c1"}]}]),
        Reason.SCHEMA_INVALID,
    ),
    # Conversations that cannot be cut.
    ("no_assistant_turn", raw([user(), user("again")]), Reason.NO_ASSISTANT_TURN),
    ("assistant_first", raw([assistant(), user()]), Reason.EMPTY_PREFIX),
    (
        "reply_content_null",
        raw([user(), assistant(None)]),
        Reason.EMPTY_PRODUCTION_REPLY,
    ),
    (
        "reply_content_missing",
        raw([user(), {"role": "assistant"}]),
        Reason.EMPTY_PRODUCTION_REPLY,
    ),
    (
        "reply_content_empty",
        raw([user(), assistant("  ")]),
        Reason.EMPTY_PRODUCTION_REPLY,
    ),
    (
        "reply_only_image_parts",
        raw([user(), assistant([{"type": "image_url"}])]),
        Reason.EMPTY_PRODUCTION_REPLY,
    ),
    (
        "orphan_tool_result",
        raw([user(), tool("nope"), assistant()]),
        Reason.ORPHAN_TOOL_RESULT,
    ),
    (
        "tool_result_without_call_id",
        raw([user(), {"role": "tool", "content": "x"}, assistant()]),
        Reason.ORPHAN_TOOL_RESULT,
    ),
    (
        "tool_result_before_its_call",
        raw([user(), tool("c1"), calling("c1"), assistant()]),
        Reason.ORPHAN_TOOL_RESULT,
    ),
    # The privacy gate.
    ("no_consent", raw([user(), assistant()], consent=False), Reason.NO_CONSENT),
    (
        "not_deidentified",
        raw([user(), assistant()], deidentified=False),
        Reason.NOT_DEIDENTIFIED,
    ),
    (
        "email_in_prefix",
        raw([user("write to jane.roe@gmail.com"), assistant()]),
        "pii_found",
    ),
    # Defined, gradable shapes.
    ("plain_exchange", raw([user(), assistant()]), GRADED),
    ("ends_on_a_user_turn", raw([user(), assistant(), user("and?")]), GRADED),
    (
        "two_assistant_turns_in_a_row",
        raw([user(), assistant("a"), assistant("b")]),
        GRADED,
    ),
    (
        "tool_call_with_null_content",
        raw([user(), calling("c1"), tool("c1"), assistant()]),
        GRADED,
    ),
    ("reply_made_of_tool_calls", raw([user(), calling("c1")]), GRADED),
    ("user_content_missing", raw([{"role": "user"}, assistant()]), GRADED),
    ("user_content_empty", raw([user(""), assistant()]), GRADED),
    (
        "unknown_part_types",
        raw(
            [
                user([{"type": "text", "text": "see"}, {"type": "hologram", "x": 1}]),
                assistant(),
            ]
        ),
        GRADED,
    ),
    ("paired_surrogate_escape", raw([user("\U0001f600"), assistant()]), GRADED),
    (
        "unicode_escapes_ascii",
        json.dumps(
            record(messages=[user("héllo ✓"), assistant()]), ensure_ascii=True
        ).encode(),
        GRADED,
    ),
    (
        "email_at_a_reserved_domain",
        raw([user("write to a@example.com"), assistant()]),
        GRADED,
    ),
    (
        "email_only_in_the_reply",
        raw([user(), assistant("mail jane.roe@gmail.com")]),
        GRADED,
    ),
]


@pytest.mark.parametrize(
    ("data", "expected"),
    [pytest.param(data, expected, id=name) for name, data, expected in CASES],
)
async def test_each_bad_input_has_its_defined_outcome(
    data: bytes, expected: str
) -> None:
    """Raw bytes end graded or dead-lettered with the case's reason, never raised."""
    worker, candidate = pipeline()

    processed = await worker.process(data)

    assert outcome(processed) == expected
    assert bool(candidate.prefixes) == (expected == GRADED)


async def test_turns_after_the_reply_are_counted_in_the_graded_records() -> None:
    """A conversation ending on a user turn is graded with that turn dropped."""
    worker, _ = pipeline()

    processed = await worker.process(raw([user(), assistant(), user("and?")]))

    assert [g.dropped_turns for g in processed.graded] == [1, 1]


def long_conversation() -> bytes:
    turns = [{"role": "system", "content": "be brief"}]
    for index in range(6):
        turns += [user("q" * 300), calling(f"c{index}"), tool(f"c{index}")]
        turns += [assistant("a" * 300)]
    return json.dumps(record(messages=[*turns, user("last?"), assistant()])).encode()


async def test_a_prefix_over_the_context_window_is_dead_lettered_under_skip() -> None:
    """With `skip`, a prefix that does not fit is `context_too_long`."""
    window = ContextWindow(tokens=1200, reply_tokens=200, policy="skip")
    worker, candidate = pipeline(Intake(max_bytes=65536, context=window))

    processed = await worker.process(long_conversation())

    assert outcome(processed) == Reason.CONTEXT_TOO_LONG
    assert candidate.prefixes == []


async def test_trim_oldest_drops_whole_turns_and_keeps_tool_pairs() -> None:
    """With `trim_oldest`, the oldest turns go, calls leave with their results."""
    window = ContextWindow(tokens=1200, reply_tokens=200, policy="trim_oldest")
    worker, candidate = pipeline(Intake(max_bytes=65536, context=window))

    processed = await worker.process(long_conversation())

    assert outcome(processed) == GRADED
    shown = candidate.prefixes[0]
    assert shown[0].role == "system"
    assert shown[-1].text() == "last?"
    called = {call.id for m in shown for call in m.tool_calls or ()}
    assert all(m.tool_call_id in called for m in shown if m.role == "tool")
    trimmed = processed.graded[0].trimmed_turns
    assert trimmed == 26 - len(shown)
    assert [g.trimmed_turns for g in processed.graded] == [trimmed, trimmed]
    assert processed.graded[0].to_json()["trimmed_turns"] == trimmed


async def test_a_prefix_that_cannot_fit_even_trimmed_is_dead_lettered() -> None:
    """Trimming never drops the turn the reply answers; too long then is rejected."""
    window = ContextWindow(tokens=1100, reply_tokens=1000)
    worker, _ = pipeline(Intake(max_bytes=65536, context=window))

    processed = await worker.process(raw([user("x" * 500), assistant()]))

    assert outcome(processed) == Reason.CONTEXT_TOO_LONG


async def test_a_dead_letter_names_the_pii_kinds_never_the_values() -> None:
    """The `pii_found` detail lists entity kinds only."""
    worker, _ = pipeline()
    text = "call me on +1 (415) 321-1199 or jane.roe@gmail.com"

    processed = await worker.process(raw([user(text), assistant()], id="conv-pii"))

    assert processed.dead_letter is not None
    assert processed.dead_letter.detail == "email,phone"
    assert processed.dead_letter.record_id == "conv-pii"
    assert "1199" not in processed.dead_letter.to_bytes().decode()
    assert "jane" not in processed.dead_letter.to_bytes().decode()
