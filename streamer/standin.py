"""A stand-in for the candidate: an OpenAI-compatible server of recorded replies.

No model runs here. For each chat-completions request the server looks up the
conversation prefix in replies recorded in real data (for hh-rlhf, the other of the
two recorded replies) and answers with it after a configurable latency. Its model
name starts with "standin" and every response says it is a stand-in, so its output
can never pass for a real model's. Any OpenAI-compatible client talks to it over HTTP.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from streamer.adapters import read_source

log = logging.getLogger(__name__)

STANDIN_MODEL = "standin-recorded-replies"
STANDIN_NOTICE = "depsim stand-in: recorded replies, not a model"


def prefix_key(messages: Sequence[Mapping[str, Any]]) -> str:
    """A digest of a prefix by roles, texts and tool calls, stable across encodings."""
    canonical = [
        {
            "role": message.get("role"),
            "text": _text(message.get("content")),
            "tools": [
                (
                    call.get("function", {}).get("name"),
                    call.get("function", {}).get("arguments"),
                )
                for call in message.get("tool_calls") or ()
            ],
        }
        for message in messages
    ]
    encoded = json.dumps(canonical, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(encoded.encode("utf-8", "surrogatepass")).hexdigest()


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part.get("text", "") for part in content if isinstance(part, dict)
        )
    return ""


class RecordedReplies:
    """Replies recorded in real data, by the prefix they answered."""

    def __init__(self) -> None:
        self._replies: dict[str, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self._replies)

    def add_file(self, path: Path) -> None:
        """Index a file's alternative replies, else its recorded replies."""
        for item in read_source(path, attest_consent=True):
            messages = (item.record or {}).get("messages")
            if not isinstance(messages, list) or not messages:
                continue
            last = _last_assistant(messages)
            if last is None:
                continue
            reply = item.alternative_reply or messages[last]
            self._replies[prefix_key(messages[:last])] = reply

    def lookup(self, messages: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
        """The recorded reply to exactly this prefix, if any."""
        return self._replies.get(prefix_key(messages))


def _last_assistant(messages: list[Any]) -> int | None:
    for index in range(len(messages) - 1, -1, -1):
        if (
            isinstance(messages[index], dict)
            and messages[index].get("role") == "assistant"
        ):
            return index
    return None


def build_app(
    replies: RecordedReplies,
    *,
    latency_s: float = 0.0,
    jitter_s: float = 0.0,
    model: str = STANDIN_MODEL,
    seed: int | None = None,
) -> web.Application:
    """The stand-in's aiohttp application."""
    rng = random.Random(seed)
    app = web.Application(client_max_size=64 * 1024 * 1024)

    async def models(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "object": "list",
                "data": [{"id": model, "object": "model", "owned_by": STANDIN_NOTICE}],
            }
        )

    async def chat_completions(request: web.Request) -> web.Response:
        body = await request.json()
        messages = body.get("messages") or []
        if body.get("stream"):
            return _error(400, "the stand-in does not stream", "stream_unsupported")

        delay = latency_s + (rng.uniform(-jitter_s, jitter_s) if jitter_s else 0.0)
        if delay > 0:
            await asyncio.sleep(delay)

        reply = replies.lookup(messages)
        if reply is None:
            return _error(404, "no recorded reply for this prefix", "no_recorded_reply")
        return web.json_response(_completion(model, messages, reply))

    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/chat/completions", chat_completions)
    return app


def _completion(
    model: str, messages: Iterable[Mapping[str, Any]], reply: Mapping[str, Any]
) -> dict[str, Any]:
    content = reply.get("content")
    text = _text(content)
    tool_calls = [
        {"id": call["id"], "type": "function", "function": call["function"]}
        for call in reply.get("tool_calls") or ()
    ]
    prompt_chars = sum(len(_text(message.get("content"))) for message in messages)
    message: dict[str, Any] = {
        "role": "assistant",
        "content": text if content is not None else None,
    }
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": f"standin-{time.time_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": STANDIN_NOTICE,
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tool_calls else "stop",
            }
        ],
        # Token counts are estimated at four characters a token: no tokenizer runs.
        "usage": {
            "prompt_tokens": prompt_chars // 4,
            "completion_tokens": len(text) // 4,
            "total_tokens": (prompt_chars + len(text)) // 4,
        },
    }


def _error(status: int, message: str, code: str) -> web.Response:
    body = {
        "error": {"message": message, "type": "invalid_request_error", "code": code}
    }
    return web.json_response(body, status=status)


def serve(
    paths: Iterable[Path],
    *,
    host: str,
    port: int,
    latency_s: float,
    jitter_s: float = 0.0,
) -> None:
    """Index `paths` and serve until interrupted."""
    replies = RecordedReplies()
    for path in paths:
        replies.add_file(path)
    log.info("stand-in serving %d recorded replies on %s:%d", len(replies), host, port)
    app = build_app(replies, latency_s=latency_s, jitter_s=jitter_s)
    web.run_app(app, host=host, port=port, print=None, access_log=None)
