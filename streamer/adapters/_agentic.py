"""Normalising agent logs into the strict message schema of `streamer.records`.

Agent frameworks log OpenAI-style messages with extra fields the traffic record
rejects: an `index` on tool calls, `cache_control` on text parts, bookkeeping keys
(`agent`, `thought`, `message_type`...), a `tool_call_ids` list instead of
`tool_call_id`. The helpers here keep what the schema knows and drop the rest, so
adapters hand validation a record that is the conversation, not the log.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from streamer.adapters._source import ReadOptions, SourceItem
from streamer.reasons import Reason

MakeRecord = Callable[[Mapping[str, Any], ReadOptions, int, int], dict[str, Any]]

_MESSAGE_FIELDS = ("role", "content", "name", "tool_calls", "tool_call_id", "refusal")


def read_document(lines: Iterable[str]) -> list[Any]:
    """The JSON documents in a file: one whole document, else one per line.

    Raises `ValueError` when neither reading yields JSON.
    """
    text = "".join(lines)
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        pass
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def read_records(
    lines: Iterable[str],
    options: ReadOptions,
    recognise: Callable[[Any], bool],
    make_record: MakeRecord,
) -> Iterator[SourceItem]:
    """One record per recognised JSON document in the file; a reason for the rest."""
    try:
        documents = read_document(lines)
    except ValueError:
        yield SourceItem(0, None, reason=Reason.NOT_JSON)
        return

    for position, document in enumerate(documents):
        if not recognise(document):
            yield SourceItem(position, None, reason=Reason.UNSUPPORTED_FORMAT)
            continue
        try:
            record = make_record(document, options, position, len(documents))
        except (KeyError, IndexError, TypeError, AttributeError):
            yield SourceItem(position, None, reason=Reason.UNSUPPORTED_FORMAT)
            continue
        yield SourceItem(position, record)


def content(value: Any) -> Any:
    """A message content with text parts reduced to `type` and `text`.

    An empty string, an empty list or a list of empty text parts becomes None, which
    the schema and the chat-completions API both read as "no content".
    """
    if value == "":
        return None
    if not isinstance(value, list):
        return value
    parts: list[Any] = []
    for part in value:
        if isinstance(part, Mapping) and part.get("type") == "text":
            parts.append({"type": "text", "text": part.get("text", "")})
        else:
            parts.append(part)
    if all(isinstance(p, dict) and p.get("text") == "" for p in parts):
        return None
    return parts


def tool_calls(calls: Any) -> list[dict[str, Any]] | None:
    """Tool calls reduced to `id`, `type` and `function` (`name`, `arguments`)."""
    if not calls:
        return None
    normalised = []
    for call in calls:
        function = call.get("function") or {}
        arguments = function.get("arguments", "")
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments, ensure_ascii=False)
        normalised.append(
            {
                "id": call.get("id"),
                "type": "function",
                "function": {"name": function.get("name"), "arguments": arguments},
            }
        )
    return normalised


def message(raw: Mapping[str, Any]) -> dict[str, Any]:
    """One logged message as the traffic record's schema takes it."""
    out: dict[str, Any] = {
        key: raw[key] for key in _MESSAGE_FIELDS if raw.get(key) is not None
    }
    if "content" in out:
        out["content"] = content(out["content"])
        if out["content"] is None:
            del out["content"]
    calls = tool_calls(raw.get("tool_calls"))
    if calls:
        out["tool_calls"] = calls
    else:
        out.pop("tool_calls", None)
    ids = raw.get("tool_call_ids")
    if "tool_call_id" not in out and isinstance(ids, list) and ids:
        out["tool_call_id"] = ids[0]
    return out


def unique_call_ids(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages with reused tool-call ids renamed, each result following its call.

    Some logs (SWE-agent demonstrations replayed) reuse a call id in later turns;
    a tool result then answers the latest call with that id.
    """
    used: set[str] = set()
    latest: dict[str, str] = {}
    out = []
    for item in messages:
        item = dict(item)
        if item.get("tool_calls"):
            calls = []
            for call in item["tool_calls"]:
                original = new = call["id"]
                suffix = 1
                while new in used:
                    suffix += 1
                    new = f"{original}-{suffix}"
                used.add(new)
                latest[original] = new
                calls.append({**call, "id": new})
            item["tool_calls"] = calls
        if item.get("role") == "tool" and item.get("tool_call_id") in latest:
            item["tool_call_id"] = latest[item["tool_call_id"]]
        out.append(item)
    return out


def infer_tools(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Function schemas inferred from the calls a log made, for logs without schemas.

    Each function gets the argument names seen in its calls, typed from their values;
    nothing is required. Adapters mark records that carry inferred schemas.
    """
    seen: dict[str, dict[str, set[str]]] = {}
    for item in messages:
        for call in item.get("tool_calls") or ():
            function = call["function"]
            properties = seen.setdefault(function["name"], {})
            try:
                arguments = json.loads(function["arguments"] or "{}")
            except json.JSONDecodeError:
                continue
            if isinstance(arguments, dict):
                for key, value in arguments.items():
                    properties.setdefault(key, set()).add(_json_type(value))
    return [
        {
            "type": "function",
            "function": {
                "name": name,
                "parameters": {
                    "type": "object",
                    "properties": {
                        key: _property(types) for key, types in sorted(props.items())
                    },
                },
            },
        }
        for name, props in sorted(seen.items())
    ]


def _property(types: set[str]) -> dict[str, Any]:
    if len(types) == 1:
        return {"type": next(iter(types))}
    return {"type": sorted(types)}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"
