"""Opening files, detecting their format and dispatching to an adapter."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from streamer.errors import RecordRejected
from streamer.reasons import Reason


@dataclass(frozen=True, slots=True)
class SourceItem:
    """One input conversation: a record to validate, or why none could be made."""

    position: int
    record: dict[str, Any] | None
    alternative_reply: dict[str, Any] | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """What an adapter needs beyond the lines themselves."""

    source_name: str
    sampled_at: datetime
    attest_consent: bool


Adapter = Callable[[Iterable[str], ReadOptions], Iterator[SourceItem]]


def _adapters() -> dict[str, Adapter]:
    from streamer.adapters import hh_rlhf, openai_chat, openhands, swe_agent

    return {
        "hh-rlhf": hh_rlhf.read,
        "openai-chat": openai_chat.read,
        "openhands": openhands.read,
        "swe-agent": swe_agent.read,
    }


FORMATS = ("auto", "hh-rlhf", "openai-chat", "openhands", "swe-agent")


def open_text(path: Path) -> TextIO:
    """Open a text file, transparently gunzipping `.gz` files."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8", errors="surrogateescape")
    return path.open("r", encoding="utf-8", errors="surrogateescape")


def detect_format(path: Path) -> str:
    """Guess a file's format from its name, else its first non-blank line.

    A file whose first line is not JSON may be one indented JSON document (an agent
    log): it is then read whole and recognised by its keys.
    """
    if path.name.endswith((".traj", ".traj.gz")):
        return "swe-agent"
    with open_text(path) as lines:
        for line in lines:
            if line.strip():
                try:
                    return _format_of_line(line)
                except RecordRejected:
                    return _format_of_document(path)
    raise RecordRejected(Reason.UNSUPPORTED_FORMAT, "empty file")


def _format_of_line(line: str) -> str:
    try:
        first = json.loads(line)
    except json.JSONDecodeError:
        raise RecordRejected(
            Reason.UNSUPPORTED_FORMAT, "first line is not JSON"
        ) from None
    if isinstance(first, dict) and {"chosen", "rejected"} <= first.keys():
        return "hh-rlhf"
    if isinstance(first, dict) and {"messages", "response"} <= first.keys():
        return "openhands"
    if isinstance(first, dict) and "history" in first:
        return "swe-agent"
    if isinstance(first, dict) and "messages" in first:
        return "openai-chat"
    raise RecordRejected(Reason.UNSUPPORTED_FORMAT, "unknown first line")


def _format_of_document(path: Path) -> str:
    with open_text(path) as lines:
        try:
            document = json.load(lines)
        except json.JSONDecodeError:
            raise RecordRejected(
                Reason.UNSUPPORTED_FORMAT, "first line is not JSON"
            ) from None
    if isinstance(document, dict) and {"messages", "response"} <= document.keys():
        return "openhands"
    if isinstance(document, dict) and "history" in document:
        return "swe-agent"
    raise RecordRejected(Reason.UNSUPPORTED_FORMAT, "unknown document")


def read_source(
    path: Path,
    fmt: str = "auto",
    *,
    attest_consent: bool = False,
    sampled_at: datetime | None = None,
) -> Iterator[SourceItem]:
    """Yield the conversations in `path`, in file order."""
    name = detect_format(path) if fmt == "auto" else fmt
    adapter = _adapters().get(name)
    if adapter is None:
        raise RecordRejected(Reason.UNSUPPORTED_FORMAT, name)

    options = ReadOptions(
        source_name=path.name.split(".")[0],
        sampled_at=sampled_at or datetime.now(UTC),
        attest_consent=attest_consent,
    )
    with open_text(path) as lines:
        yield from adapter(lines, options)
