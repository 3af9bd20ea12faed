"""SWE-agent trajectories (`.traj`): one agent run per JSON document.

A `.traj` file holds `history`, the messages the agent's model saw and wrote, plus
`trajectory` and `info` bookkeeping. Two flavours exist and both become agentic
traffic records:

- Function calling: assistant turns carry OpenAI `tool_calls`; observations are
  `tool` messages that name their call in a `tool_call_ids` list (normalised to
  `tool_call_id`). The file has no tool schemas, so they are inferred from the calls
  made (`metadata.tools_inferred`).
- Text actions: the model wrote its command in the reply text (`action`), and the
  environment answered in the next user message. Each action becomes a call of a
  `bash` tool (or of `submit`, which ends the run) whose result is that
  observation, and the reply text keeps only the model's `thought`
  (`metadata.actions_as_tool_calls`).
  The conversation is the same; only its encoding changes.

Bookkeeping keys on messages (`agent`, `thought`, `action`, `message_type`,
`is_demo`) are dropped.

The shipped sample (`streamer/samples/agentic/swe_agent/`) is from the SWE-agent
repository (MIT): demonstrations and test trajectories of agents fixing open-source
code and solving capture-the-flag exercises, with no end user and no personal data,
published by its authors for research. The adapter attests consent and
de-identification for it, as `hh_rlhf` does for its data; point it only at
trajectories with the same standing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from streamer.adapters import _agentic
from streamer.adapters._source import ReadOptions, SourceItem
from streamer.records import new_record

TERMINAL_TOOLS = ("submit",)
"""Tools whose call ends a SWE-agent run."""

BASH_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "bash",
        "description": (
            "Run one command in SWE-agent's shell: a bash command or one of the "
            "special commands the system prompt lists."
        ),
        "parameters": {
            "type": "object",
            "properties": {"command": {"type": "string"}},
            "required": ["command"],
        },
    },
}
SUBMIT_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "submit",
        "description": "Submit the work (or the answer, if one is given) and stop.",
        "parameters": {
            "type": "object",
            "properties": {"answer": {"type": "string"}},
        },
    },
}


def is_trajectory(document: Any) -> bool:
    """Whether a JSON document looks like a SWE-agent trajectory."""
    return isinstance(document, dict) and isinstance(document.get("history"), list)


def read(lines: Iterable[str], options: ReadOptions) -> Iterator[SourceItem]:
    """Yield one traffic record per trajectory in the file."""
    yield from _agentic.read_records(lines, options, is_trajectory, _record)


def _record(
    document: Mapping[str, Any], options: ReadOptions, position: int, count: int
) -> dict[str, Any]:
    history = document["history"]
    function_calling = any(m.get("tool_calls") for m in history)
    metadata: dict[str, Any] = {
        "source": "SWE-agent trajectory",
        "surface": "agent",
        "terminal_tools": list(TERMINAL_TOOLS),
    }
    if function_calling:
        messages = _agentic.unique_call_ids([_agentic.message(m) for m in history])
        tools = _agentic.infer_tools(messages)
        metadata["tools_inferred"] = True
    else:
        messages = _text_actions_as_calls(history)
        tools = [BASH_TOOL, SUBMIT_TOOL]
        metadata["actions_as_tool_calls"] = True

    record_id = f"swe-agent-{options.source_name}"
    if count > 1:
        record_id = f"{record_id}-{position:04d}"
    return new_record(
        record_id,
        messages,
        source_model=_model_name(document),
        sampled_at=options.sampled_at,
        consent=True,
        deidentified=True,
        tools=tools,
        metadata=metadata,
    )


def _text_actions_as_calls(
    history: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Text-action turns as tool calls, and the observation after each as its result."""
    messages: list[dict[str, Any]] = []
    pending: str | None = None
    for raw in history:
        role = raw.get("role")
        if role == "user" and pending is not None and not raw.get("is_demo"):
            messages.append(
                {"role": "tool", "tool_call_id": pending, "content": raw["content"]}
            )
            pending = None
            continue
        pending = None

        action = raw.get("action")
        if role != "assistant" or not isinstance(action, str) or not action.strip():
            messages.append(_agentic.message(raw))
            continue

        call_id = f"call_{len(messages):04d}"
        thought = str(raw.get("thought") or "").strip()
        message: dict[str, Any] = {
            "role": "assistant",
            "tool_calls": [_call(call_id, action)],
        }
        if thought:
            message["content"] = thought
        messages.append(message)
        pending = call_id
    return messages


def _call(call_id: str, action: str) -> dict[str, Any]:
    command = action.strip()
    head, _, rest = command.partition(" ")
    if head == "submit":
        arguments = {"answer": _unquote(rest.strip())} if rest.strip() else {}
        name = "submit"
    else:
        arguments, name = {"command": command}, "bash"
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _model_name(document: Mapping[str, Any]) -> str:
    """The model named in the run's replay configuration, when it records one."""
    config = document.get("replay_config")
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except json.JSONDecodeError:
            config = None
    if isinstance(config, dict):
        name = ((config.get("agent") or {}).get("model") or {}).get("name")
        if isinstance(name, str) and name:
            return name
    return "swe-agent-unrecorded-model"
