"""Canonical forms of tool-call arguments and of the calls made so far.

Two calls of the same tool with the same arguments should find the same recorded
response however the arguments were encoded: key order and insignificant
whitespace differ between models and frameworks, and so do `1` and `1.0`, or `""`
and `{}` for a call without arguments. String values are kept as they are: `ls -la`
and `ls  -la` are different commands.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from typing import Any

NOT_JSON_PREFIX = "raw:"
"""Marks arguments that are not JSON: no JSON text starts with it."""

_MAX_EXACT_INT = 2**53


def normalise_arguments(arguments: str) -> str:
    """The canonical encoding of a call's JSON arguments.

    JSON is re-encoded with sorted keys, no whitespace and integral floats as
    integers; empty arguments are `{}`; text that is not JSON is kept, stripped and
    marked with `NOT_JSON_PREFIX`. The result is idempotent: normalising a
    normalised encoding returns it unchanged.
    """
    text = arguments.strip()
    if not text:
        return "{}"
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return text if text.startswith(NOT_JSON_PREFIX) else NOT_JSON_PREFIX + text
    return canonical_json(value)


def canonical_json(value: Any) -> str:
    """`value` as compact ASCII JSON, sorted keys, integral floats as integers.

    ASCII escapes keep lone surrogates (valid in JSON text) storable as UTF-8.
    """
    return json.dumps(
        _canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=True
    )


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    if (
        isinstance(value, float)
        and math.isfinite(value)
        and value.is_integer()
        and abs(value) <= _MAX_EXACT_INT
    ):
        return int(value)
    return value


def state_key(calls: Iterable[tuple[str, str]]) -> str:
    """A digest of the (name, normalised arguments) calls made so far, in order.

    Two points of two conversations with the same key have made the same calls in
    the same order, so a recorded response at one is what the other would have seen
    if the environment is deterministic.
    """
    digest = hashlib.sha256()
    for name, arguments in calls:
        digest.update(name.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
        digest.update(arguments.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1e")
    return digest.hexdigest()
