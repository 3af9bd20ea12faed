"""The traffic record schema: strict, with reason-coded rejections."""

from __future__ import annotations

import json
from typing import Any

import pytest

from streamer.errors import RecordRejected
from streamer.parse import parse_record
from streamer.reasons import Reason


def record(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "schema_version": 1,
        "id": "conv-1",
        "sampled_at": "2026-11-30T12:00:00Z",
        "source_model": "prod-model",
        "sampling_probability": 0.01,
        "consent": True,
        "deidentified": True,
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"},
        ],
    }
    base.update(changes)
    return base


def raw(value: Any) -> bytes:
    return json.dumps(value).encode()


def reason_of(data: bytes) -> str:
    with pytest.raises(RecordRejected) as caught:
        parse_record(data)
    return caught.value.reason


def test_a_valid_record_parses_with_its_weight() -> None:
    parsed = parse_record(raw(record()))

    assert parsed.id == "conv-1"
    assert parsed.weight == pytest.approx(100.0)


def test_the_design_example_with_tool_calls_and_tools_parses() -> None:
    messages = [
        {"role": "system", "content": "be useful"},
        {"role": "user", "content": "search it"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "search", "arguments": '{"q": "x"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "result"},
        {"role": "assistant", "content": "found it"},
    ]
    tools = [{"type": "function", "function": {"name": "search", "parameters": {}}}]

    parsed = parse_record(raw(record(messages=messages, tools=tools)))

    assert parsed.messages[2].tool_calls is not None
    assert parsed.tools is not None


def test_content_as_parts_keeps_text_and_other_parts() -> None:
    content = [
        {"type": "text", "text": "look at"},
        {"type": "image_url", "image_url": {"url": "data:,"}},
        {"type": "text", "text": "this"},
    ]
    messages = [
        {"role": "user", "content": content},
        {"role": "assistant", "content": "ok"},
    ]

    parsed = parse_record(raw(record(messages=messages)))

    assert parsed.messages[0].text() == "look at\nthis"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        # bytes that are not UTF-8
        (b'{"id": "\xff"}', Reason.INVALID_UTF8),
        # JSON cut off mid-string
        (b'{"schema_version": 1, "id": "con', Reason.TRUNCATED_JSON),
        # not JSON at all
        (b"hello", Reason.NOT_JSON),
        # a JSON array, not an object
        (b"[1, 2]", Reason.NOT_AN_OBJECT),
        # an escaped lone surrogate
        (b'{"id": "\\ud800"}', Reason.LONE_SURROGATE),
    ],
)
def test_bytes_that_are_not_a_record_get_their_reason(data: bytes, reason: str) -> None:
    assert reason_of(data) == reason


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"schema_version": 2}, Reason.UNSUPPORTED_SCHEMA_VERSION),
        ({"consent": "yes"}, Reason.SCHEMA_INVALID),  # no coercion of strings
        ({"sampling_probability": 0}, Reason.SCHEMA_INVALID),
        ({"sampling_probability": 1.5}, Reason.SCHEMA_INVALID),
        ({"sampled_at": "2026-11-30T12:00:00"}, Reason.SCHEMA_INVALID),  # naive
        ({"unexpected": 1}, Reason.SCHEMA_INVALID),
        ({"messages": []}, Reason.SCHEMA_INVALID),
        ({"messages": [{"role": "robot", "content": "x"}]}, Reason.UNKNOWN_ROLE),
        ({"messages": [{"role": "user", "content": 3}]}, Reason.SCHEMA_INVALID),
    ],
)
def test_schema_violations_are_rejected_with_a_reason(
    changes: dict[str, Any], reason: str
) -> None:
    assert reason_of(raw(record(**changes))) == reason


def test_records_over_the_size_limit_are_rejected_before_parsing() -> None:
    data = raw(record(metadata={"pad": "x" * 5000}))

    with pytest.raises(RecordRejected) as caught:
        parse_record(data, max_bytes=1024)

    assert caught.value.reason == Reason.TOO_LARGE


def test_a_rejection_detail_names_the_field_never_the_content() -> None:
    secret = "my password is hunter2"
    data = raw(record(messages=[{"role": "user", "content": 7, "name": secret}]))

    with pytest.raises(RecordRejected) as caught:
        parse_record(data)

    assert secret not in str(caught.value)
