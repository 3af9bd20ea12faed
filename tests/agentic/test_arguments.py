"""Tool-call arguments normalise to one encoding per JSON value."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from streamer.agentic.arguments import NOT_JSON_PREFIX, normalise_arguments

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
objects = st.dictionaries(st.text(max_size=8), values, max_size=6)


def tagged(value: Any) -> Any:
    """A JSON value with its JSON type explicit (Python has `True == 1 == 1.0`)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if isinstance(value, int):
        return ("number", value)
    if isinstance(value, float):
        exact = value.is_integer() and abs(value) <= 2**53
        return ("number", int(value)) if exact else ("float", value)
    if isinstance(value, list):
        return ("list", [tagged(item) for item in value])
    return ("object", {key: tagged(item) for key, item in value.items()})


def shuffled(value: Any, rng: random.Random) -> Any:
    """The same JSON value with every object's keys in another order."""
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {key: shuffled(item, rng) for key, item in items}
    if isinstance(value, list):
        return [shuffled(item, rng) for item in value]
    return value


@given(objects, st.integers(), st.sampled_from([None, 0, 2]), st.booleans())
def test_key_order_and_whitespace_do_not_change_the_normal_form(
    arguments: dict[str, Any], seed: int, indent: int | None, ascii_only: bool
) -> None:
    reencoded = json.dumps(
        shuffled(arguments, random.Random(seed)), indent=indent, ensure_ascii=ascii_only
    )

    assert normalise_arguments(f"  {reencoded}\n") == normalise_arguments(
        json.dumps(arguments)
    )


@given(st.one_of(objects.map(json.dumps), st.text(max_size=40)))
def test_normalising_twice_changes_nothing(arguments: str) -> None:
    once = normalise_arguments(arguments)

    assert normalise_arguments(once) == once


@given(objects, objects)
@example({"flag": True}, {"flag": 1})
@example({"line": 1.0}, {"line": 1})
def test_different_objects_keep_different_normal_forms(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    same = normalise_arguments(json.dumps(first)) == normalise_arguments(
        json.dumps(second)
    )

    assert same == (tagged(first) == tagged(second))


def test_integral_floats_and_empty_arguments_have_one_form() -> None:
    assert normalise_arguments('{"line": 3.0}') == normalise_arguments('{"line": 3}')
    assert normalise_arguments("") == normalise_arguments("  ") == "{}"


def test_arguments_that_are_not_json_are_kept_and_marked() -> None:
    assert normalise_arguments(" ls -la ") == NOT_JSON_PREFIX + "ls -la"
