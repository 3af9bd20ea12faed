"""Builders shared by the agentic tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web

from streamer.records import TrafficRecord
from streamer.standin import RecordedReplies

Serve = Callable[[web.Application], Awaitable[str]]
"""Starts an app on 127.0.0.1 and returns its `/v1` base URL."""

OPENHANDS = "openhands-django__django-10973"
SWE_AGENT_CALLS = "swe-agent-demo__function_calling_simple"
SWE_AGENT_TEXT = "swe-agent-gpt4__swe-agent__test-repo-i1"


def pick(records: Iterable[TrafficRecord], record_id: str) -> TrafficRecord:
    """The shipped trajectory with this id."""
    return next(record for record in records if record.id == record_id)


def recorded_turns(
    records: Iterable[TrafficRecord], *, match_tool_results: bool = True
) -> RecordedReplies:
    """A stand-in index of every assistant turn of `records`."""
    replies = RecordedReplies(match_tool_results=match_tool_results)
    for record in records:
        replies.add_trajectory([message.to_openai() for message in record.messages])
    return replies
