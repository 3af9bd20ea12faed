"""OpenHands completion logs: one LLM call of a coding agent per JSON document.

OpenHands (with `log_completions`) writes, per model call, `{"messages": [...],
"response": {...}, "kwargs": {"tools": [...]}, "timestamp": ..., "cost": ...}`. The
messages are the whole trajectory so far in OpenAI chat format, the response's first
choice is the agent's next turn. The last completion of a run therefore holds the
whole run: the record is `messages` plus that reply, which plays the production
reply, with the `tools` offered.

Quirks normalised here: content as lists of parts carrying `cache_control`, an
`index` on tool calls, assistant turns with no content (only a tool call), and the
`litellm_proxy/` prefix on model names. A file may hold one document (as OpenHands
writes it) or one per line.

The shipped sample (`streamer/samples/agentic/openhands/`) is the public, MIT-licensed
evaluation output of the OpenHands project on SWE-bench Verified: an agent working on
open-source repositories, with no end user and no personal data, published by its
authors for research. The adapter attests consent and de-identification for it, as
`hh_rlhf` does for its data; point it only at logs with the same standing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from streamer.adapters import _agentic
from streamer.adapters._source import ReadOptions, SourceItem
from streamer.records import new_record

TERMINAL_TOOLS = ("finish",)
"""Tools whose call ends an OpenHands run: nothing answers them."""


def is_completion_log(document: Any) -> bool:
    """Whether a JSON document looks like an OpenHands completion log."""
    return (
        isinstance(document, dict)
        and isinstance(document.get("messages"), list)
        and isinstance(document.get("response"), dict)
    )


def read(lines: Iterable[str], options: ReadOptions) -> Iterator[SourceItem]:
    """Yield one traffic record per completion log in the file."""
    yield from _agentic.read_records(lines, options, is_completion_log, _record)


def _record(
    document: Mapping[str, Any], options: ReadOptions, position: int, count: int
) -> dict[str, Any]:
    reply = document["response"]["choices"][0]["message"]
    messages = [_agentic.message(m) for m in document["messages"]]
    messages.append(_agentic.message({**reply, "role": "assistant"}))
    messages = _agentic.unique_call_ids(messages)

    tools = (document.get("kwargs") or {}).get("tools")
    model = str(document["response"].get("model") or "unknown")
    record_id = f"openhands-{options.source_name}"
    if count > 1:
        record_id = f"{record_id}-{position:04d}"

    return new_record(
        record_id,
        messages,
        source_model=model.removeprefix("litellm_proxy/"),
        sampled_at=options.sampled_at,
        consent=True,
        deidentified=True,
        tools=[_tool(tool) for tool in tools] if tools else None,
        metadata={
            "source": "OpenHands completion log",
            "surface": "agent",
            "terminal_tools": list(TERMINAL_TOOLS),
        },
    )


def _tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    function = dict(tool.get("function") or {})
    return {"type": "function", "function": function}
