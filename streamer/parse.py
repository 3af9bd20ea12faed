"""Raw bytes to a validated traffic record, or a reason-coded rejection.

The worker consumes raw bytes and parses them here rather than in a consumer
deserializer: a deserializer that raises makes the consumer redeliver the same bad
record forever, while a rejection here is dead-lettered and the offset moves on.
"""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from streamer.errors import RecordRejected
from streamer.reasons import Reason
from streamer.records import TrafficRecord

DEFAULT_MAX_BYTES = 1_048_576


def parse_record(raw: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> TrafficRecord:
    """Parse and validate one record; raise `RecordRejected` with a reason code."""
    if len(raw) > max_bytes:
        raise RecordRejected(Reason.TOO_LARGE, f"{len(raw)} bytes > {max_bytes}")

    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordRejected(Reason.INVALID_UTF8, f"byte {exc.start}") from None

    try:
        return TrafficRecord.model_validate_json(raw)
    except ValidationError as exc:
        raise _rejection(exc.errors()) from None


def _rejection(errors: list[ErrorDetails]) -> RecordRejected:
    """The reason code for pydantic's first error, with its location, never content."""
    first = errors[0]
    kind, location = first["type"], _location(first)

    if kind == "json_invalid":
        message = first["msg"]
        if "EOF" in message:
            return RecordRejected(Reason.TRUNCATED_JSON)
        if "escape" in message or "surrogate" in message:
            return RecordRejected(Reason.LONE_SURROGATE)
        return RecordRejected(Reason.NOT_JSON)
    if kind == "model_type" and not first["loc"]:
        return RecordRejected(Reason.NOT_AN_OBJECT)
    if location == "schema_version":
        return RecordRejected(Reason.UNSUPPORTED_SCHEMA_VERSION)
    if location.endswith(".role") and kind == "literal_error":
        return RecordRejected(Reason.UNKNOWN_ROLE, location)
    return RecordRejected(Reason.SCHEMA_INVALID, f"{location}: {kind}")


def _location(error: ErrorDetails) -> str:
    return ".".join(str(part) for part in error["loc"])
