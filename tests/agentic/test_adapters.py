"""OpenHands and SWE-agent logs become valid agentic traffic records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streamer.adapters import detect_format, read_source
from streamer.conversation import cut
from streamer.parse import parse_record
from streamer.samples import agentic_sample_paths

SHIPPED = agentic_sample_paths()
LIMIT = 64 * 1024 * 1024


def only_record(path: Path) -> dict[str, object]:
    [item] = list(read_source(path))
    assert item.record is not None, item.reason
    return item.record


def test_the_shipped_sample_holds_both_formats() -> None:
    formats = [detect_format(path) for path in SHIPPED]

    assert formats.count("openhands") == 50
    assert formats.count("swe-agent") == 11


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name.split(".")[0])
def test_every_shipped_trajectory_is_a_valid_attested_agentic_record(
    path: Path,
) -> None:
    record = parse_record(json.dumps(only_record(path)).encode(), LIMIT)

    assert record.consent
    assert record.deidentified
    assert record.tools
    assert any(m.role == "tool" for m in record.messages)
    assert cut(record).reply.role == "assistant"


def test_openhands_quirks_are_normalised(tmp_path: Path) -> None:
    log = {
        "messages": [
            {
                "role": "system",
                "content": [
                    {
                        "type": "text",
                        "text": "sys",
                        "cache_control": {"type": "ephemeral"},
                    }
                ],
            },
            {"role": "user", "content": [{"type": "text", "text": "fix it"}]},
            {
                "role": "assistant",
                "tool_calls": [
                    {
                        "index": 1,
                        "id": "t1",
                        "type": "function",
                        "function": {
                            "name": "execute_bash",
                            "arguments": '{"command": "ls"}',
                        },
                    }
                ],
            },
            {
                "role": "tool",
                "tool_call_id": "t1",
                "name": "execute_bash",
                "content": [{"type": "text", "text": "a.py"}],
            },
        ],
        "response": {
            "model": "litellm_proxy/some-model",
            "choices": [
                {
                    "message": {
                        "role": "assistant",
                        "content": "",
                        "function_call": None,
                        "tool_calls": [
                            {
                                "index": 1,
                                "id": "t2",
                                "type": "function",
                                "function": {"name": "finish", "arguments": "{}"},
                            }
                        ],
                    }
                }
            ],
        },
        "kwargs": {
            "tools": [
                {"type": "function", "function": {"name": "execute_bash"}},
                {"type": "function", "function": {"name": "finish"}},
            ]
        },
    }
    path = tmp_path / "instance-1.json"
    path.write_text(json.dumps(log))

    record = parse_record(json.dumps(only_record(path)).encode())

    assert record.id == "openhands-instance-1"
    assert record.source_model == "some-model"
    assert record.messages[0].to_openai()["content"] == [
        {"type": "text", "text": "sys"}
    ]
    assert record.messages[-1].content is None
    assert record.messages[-1].tool_calls is not None
    assert record.messages[-1].tool_calls[0].function.name == "finish"


def test_a_pretty_printed_openhands_log_is_detected(tmp_path: Path) -> None:
    path = tmp_path / "log.json"
    path.write_text(json.dumps({"messages": [], "response": {}}, indent=2))

    assert detect_format(path) == "openhands"


def test_swe_agent_tool_call_ids_lists_become_tool_call_ids(tmp_path: Path) -> None:
    traj = {
        "history": [
            {
                "role": "system",
                "content": "sys",
                "agent": "main",
                "message_type": "system_prompt",
            },
            {"role": "user", "content": "task", "agent": "main"},
            {
                "role": "assistant",
                "content": "look",
                "thought": "look",
                "action": "ls",
                "agent": "main",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "bash", "arguments": '{"command":"ls"}'},
                    }
                ],
            },
            {
                "role": "tool",
                "content": "a.py",
                "agent": "main",
                "tool_call_ids": ["c1"],
            },
            {
                "role": "assistant",
                "content": "done",
                "action": "submit",
                "tool_calls": [
                    {
                        "id": "c2",
                        "type": "function",
                        "function": {"name": "submit", "arguments": "{}"},
                    }
                ],
            },
        ]
    }
    path = tmp_path / "run.traj"
    path.write_text(json.dumps(traj, indent=2))

    record = parse_record(json.dumps(only_record(path)).encode())

    assert record.messages[3].tool_call_id == "c1"
    assert {t.function.name for t in record.tools or ()} == {"bash", "submit"}
    assert record.metadata == {
        "source": "SWE-agent trajectory",
        "surface": "agent",
        "terminal_tools": ["submit"],
        "tools_inferred": True,
    }


def test_swe_agent_text_actions_become_calls_answered_by_observations(
    tmp_path: Path,
) -> None:
    traj = {
        "history": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "task"},
            {
                "role": "assistant",
                "content": "Look.\n```\nls -a\n```",
                "thought": "Look.",
                "action": "ls -a\n",
            },
            {"role": "user", "content": "a.py\nbash-$"},
            {
                "role": "assistant",
                "content": "Done.\n```\nsubmit 'FLAG{x}'\n```",
                "thought": "Done.",
                "action": "submit 'FLAG{x}'\n",
            },
        ]
    }
    path = tmp_path / "ctf.traj"
    path.write_text(json.dumps(traj))

    record = parse_record(json.dumps(only_record(path)).encode())

    ask, answer, submit = record.messages[2:]
    assert ask.text() == "Look."
    assert ask.tool_calls is not None
    assert json.loads(ask.tool_calls[0].function.arguments) == {"command": "ls -a"}
    assert answer.role == "tool"
    assert answer.tool_call_id == ask.tool_calls[0].id
    assert submit.tool_calls is not None
    assert submit.tool_calls[0].function.name == "submit"
    assert json.loads(submit.tool_calls[0].function.arguments) == {"answer": "FLAG{x}"}


def test_reused_tool_call_ids_are_renamed_and_answered_in_order(
    tmp_path: Path,
) -> None:
    call = {
        "id": "same",
        "type": "function",
        "function": {"name": "bash", "arguments": "{}"},
    }
    traj = {
        "history": [
            {"role": "user", "content": "task"},
            {"role": "assistant", "content": "one", "tool_calls": [call]},
            {"role": "tool", "content": "first", "tool_call_ids": ["same"]},
            {"role": "assistant", "content": "two", "tool_calls": [call]},
            {"role": "tool", "content": "second", "tool_call_ids": ["same"]},
        ]
    }
    path = tmp_path / "reuse.traj"
    path.write_text(json.dumps(traj))

    record = parse_record(json.dumps(only_record(path)).encode())

    first, second = (
        record.messages[1].tool_calls or [],
        record.messages[3].tool_calls or [],
    )
    assert first[0].id != second[0].id
    assert record.messages[4].tool_call_id == second[0].id
