"""Reason codes: why a record was dead-lettered or a reply was not graded.

These strings are part of depsim's interface: they appear in the dead-letter topic and
as the `reason` label of metrics, so they form a small, fixed set.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a traffic record never reached a model, or a reply was not graded."""

    # Bytes that are not a record.
    INVALID_UTF8 = "invalid_utf8"
    LONE_SURROGATE = "lone_surrogate"
    TRUNCATED_JSON = "truncated_json"
    NOT_JSON = "not_json"
    NOT_AN_OBJECT = "not_an_object"
    TOO_LARGE = "too_large"
    # A record that breaks the schema.
    UNSUPPORTED_SCHEMA_VERSION = "unsupported_schema_version"
    SCHEMA_INVALID = "schema_invalid"
    UNKNOWN_ROLE = "unknown_role"
    # A conversation that cannot be cut into a prefix and a reply.
    NO_ASSISTANT_TURN = "no_assistant_turn"
    EMPTY_PREFIX = "empty_prefix"
    EMPTY_PRODUCTION_REPLY = "empty_production_reply"
    ORPHAN_TOOL_RESULT = "orphan_tool_result"
    # The privacy gate.
    NO_CONSENT = "no_consent"
    NOT_DEIDENTIFIED = "not_deidentified"
    PII_FOUND = "pii_found"
    # A prefix longer than the candidate's context window (`context_policy=skip`).
    CONTEXT_TOO_LONG = "context_too_long"
    # Adapters reading foreign formats.
    UNSUPPORTED_FORMAT = "unsupported_format"
    # The worker's own limits, and a fault of depsim's own while handling a record.
    DEADLINE_EXCEEDED = "deadline_exceeded"
    INTERNAL_ERROR = "internal_error"
    # Shadow generation that produced nothing to grade.
    GENERATION_FAILED = "generation_failed"
    INCOMPLETE_REPLY = "incomplete_reply"
    EMPTY_REPLY = "empty_reply"
    QUOTA_EXHAUSTED = "quota_exhausted"
    GENERATION_TIMEOUT = "generation_timeout"
    CIRCUIT_OPEN = "circuit_open"
    # A graded reply that declined the request (the message's `refusal` field).
    REFUSAL = "refusal"
    # Shadow generation skipped on purpose: the budget's sampling left it out.
    BUDGET = "budget"
    # An agentic continuation (replay with simulated tools) that stopped early.
    STEP_LIMIT = "step_limit"
    TOKEN_LIMIT = "token_limit"
    TIME_LIMIT = "time_limit"
    UNKNOWN_TOOL = "unknown_tool"
    TOOL_UNSIMULATED = "tool_unsimulated"
    TOOL_SIMULATOR_FAILED = "tool_simulator_failed"
