"""Property tests of admission: any bytes give a record or a known reason code."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from streamer.errors import RecordRejected
from streamer.parse import parse_record
from streamer.reasons import Reason
from streamer.validate import Intake

from .test_records import record

REASONS = {reason.value for reason in Reason}
INTAKE = Intake(max_bytes=8192)
FUZZ = settings(max_examples=300, deadline=None)


def outcome_of(data: bytes) -> str:
    """`admitted`, or the reason code of the `RecordRejected` admission raised."""
    try:
        INTAKE.admit(data, scan=False)
    except RecordRejected as rejected:
        return rejected.reason
    return "admitted"


def admitted_or_known_reason(data: bytes) -> None:
    """Admission either succeeds or raises `RecordRejected` with a known reason."""
    assert outcome_of(data) in {*REASONS, "admitted"}


VALID = json.dumps(
    record(
        messages=[
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": [{"type": "text", "text": "hé ✓"}]},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "f", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "42"},
            {"role": "assistant", "content": "done"},
        ],
        tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}],
    ),
    ensure_ascii=False,
).encode()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)


@FUZZ
@given(st.binary(max_size=512))
def test_arbitrary_bytes_never_raise_anything_else(data: bytes) -> None:
    """Random bytes are rejected with a known reason (or, rarely, admitted)."""
    admitted_or_known_reason(data)


@FUZZ
@given(
    st.integers(0, len(VALID)),
    st.integers(0, 16),
    st.binary(max_size=16),
)
def test_spliced_valid_records_give_a_known_reason(
    at: int, remove: int, insert: bytes
) -> None:
    """Bytes cut out of, or spliced into, a valid record never escape as errors."""
    admitted_or_known_reason(VALID[:at] + insert + VALID[at + remove :])


@FUZZ
@given(st.sampled_from(sorted(json.loads(VALID))), json_values)
def test_a_field_replaced_by_any_json_gives_a_known_reason(
    key: str, value: Any
) -> None:
    """Any JSON value in any top-level field is admitted or rejected, never raised."""
    mutated = {**json.loads(VALID), key: value}

    admitted_or_known_reason(json.dumps(mutated).encode())


@FUZZ
@given(
    st.integers(0, 4), st.sampled_from(["role", "content", "tool_call_id"]), json_values
)
def test_a_message_field_replaced_by_any_json_gives_a_known_reason(
    index: int, key: str, value: Any
) -> None:
    """Any JSON value in a message field is admitted or rejected, never raised."""
    mutated = json.loads(VALID)
    mutated["messages"][index][key] = value

    admitted_or_known_reason(json.dumps(mutated).encode())


turns = st.lists(
    st.tuples(st.sampled_from(["user", "assistant", "system"]), st.text(max_size=40)),
    min_size=1,
    max_size=6,
)


@FUZZ
@given(turns, st.text(min_size=1, max_size=30), st.floats(1e-6, 1.0))
def test_valid_generated_records_round_trip(
    messages: list[tuple[str, str]], record_id: str, probability: float
) -> None:
    """A generated record parses, and its own JSON parses back to an equal record."""
    data = record(
        id=record_id,
        sampling_probability=probability,
        messages=[{"role": role, "content": text} for role, text in messages],
    )

    parsed = parse_record(json.dumps(data).encode(), max_bytes=1 << 20)
    again = parse_record(parsed.model_dump_json().encode(), max_bytes=1 << 20)

    assert again == parsed
    assert parsed.id == record_id
    assert [(m.role, m.text()) for m in parsed.messages] == messages
