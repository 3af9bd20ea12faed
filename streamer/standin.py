"""A stand-in for the candidate: an OpenAI-compatible server of recorded replies.

No model runs here. For each chat-completions request the server looks up the
conversation prefix in replies recorded in real data (for hh-rlhf, the other of the
two recorded replies) and answers with it after a configurable latency. Its model
name starts with "standin" and every response says it is a stand-in, so its output
can never pass for a real model's. Any OpenAI-compatible client talks to it over HTTP.

Modes, chosen per request by the model name asked for:

- recorded replies (any name): for chats, the recorded alternative reply to the
  prefix; for agent trajectories indexed with `every_turn=True`, the recorded next
  assistant turn (with its tool calls) after any recorded prefix, so a replay whose
  tool results come from the recording follows the recorded trajectory turn by turn;
- `standin-tool-simulator`: a placeholder tool output, labelled as such, for the
  model tool simulator;
- `standin-judge`: a seeded coin flip in the answer format the realism
  discriminator and the evaluation-awareness probe ask for, labelled as such.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from aiohttp import web

from streamer.adapters import read_source
from streamer.standin_faults import FaultInjector, FaultSpec

log = logging.getLogger(__name__)

STANDIN_MODEL = "standin-recorded-replies"
STANDIN_NOTICE = "depsim stand-in: recorded replies, not a model"
STANDIN_TOOL_SIMULATOR_MODEL = "standin-tool-simulator"
STANDIN_JUDGE_MODEL = "standin-judge"
STANDIN_JUDGE_NOTICE = "(depsim stand-in judge: a coin flip, not a judgement)"
FAULTS_KEY: web.AppKey[FaultInjector | None] = web.AppKey("faults")
_CALL_LINE = re.compile(r"^Call: (\S+)", re.MULTILINE)
_ANSWER_CHOICES = re.compile(r"ANSWER: (\w+)' or 'ANSWER: (\w+)")


def prefix_key(
    messages: Sequence[Mapping[str, Any]], *, tool_results: bool = True
) -> str:
    """A digest of a prefix by roles, texts and tool calls, stable across encodings.

    Without `tool_results`, tool messages count by their place only, not their text.
    """
    canonical = [
        {
            "role": message.get("role"),
            "text": (
                _text(message.get("content"))
                if tool_results or message.get("role") != "tool"
                else ""
            ),
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
    """Replies recorded in real data, by the prefix they answered.

    `match_tool_results=False` ignores the text of tool results when matching, so
    a replay whose tool outputs were simulated by a model (not copied from the
    recording) still gets the recorded next turn.
    """

    def __init__(self, *, match_tool_results: bool = True) -> None:
        self._replies: dict[str, dict[str, Any]] = {}
        self._strict = match_tool_results

    def __len__(self) -> int:
        return len(self._replies)

    def add_file(self, path: Path, *, every_turn: bool = False) -> None:
        """Index a file's alternative replies, else its recorded replies.

        With `every_turn`, and always for conversations that offer tools, every
        assistant turn is indexed after its prefix, so recorded agent trajectories
        can be replayed turn by turn; where two trajectories share a prefix, the
        later file wins.
        """
        for item in read_source(path, attest_consent=True):
            messages = (item.record or {}).get("messages")
            if not isinstance(messages, list) or not messages:
                continue
            if every_turn or (item.record or {}).get("tools"):
                self.add_trajectory(messages)
                continue
            last = _last_assistant(messages)
            if last is None:
                continue
            reply = item.alternative_reply or messages[last]
            self._replies[self._key(messages[:last])] = reply

    def add_trajectory(self, messages: Sequence[Mapping[str, Any]]) -> None:
        """Index every assistant turn of one conversation after its prefix."""
        for index, message in enumerate(messages):
            if index and message.get("role") == "assistant":
                self._replies[self._key(messages[:index])] = dict(message)

    def lookup(self, messages: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
        """The recorded reply to exactly this prefix, if any."""
        return self._replies.get(self._key(messages))

    def _key(self, messages: Sequence[Mapping[str, Any]]) -> str:
        return prefix_key(messages, tool_results=self._strict)


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
    faults: FaultSpec | None = None,
) -> web.Application:
    """The stand-in's aiohttp application; `faults` turns on fault injection."""
    rng = random.Random(seed)
    app = web.Application(client_max_size=64 * 1024 * 1024)
    injector = FaultInjector(faults) if faults is not None else None
    app[FAULTS_KEY] = injector

    async def models(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "object": "list",
                "data": [{"id": model, "object": "model", "owned_by": STANDIN_NOTICE}],
            }
        )

    async def chat_completions(request: web.Request) -> web.StreamResponse:
        body = await request.json()
        messages = body.get("messages") or []
        if body.get("stream"):
            return _error(400, "the stand-in does not stream", "stream_unsupported")

        delay = latency_s + (rng.uniform(-jitter_s, jitter_s) if jitter_s else 0.0)
        if delay > 0:
            await asyncio.sleep(delay)

        asked = str(body.get("model") or "")
        if asked.startswith(STANDIN_TOOL_SIMULATOR_MODEL):
            output = {
                "role": "assistant",
                "content": _placeholder_tool_output(messages),
            }
            return web.json_response(_completion(asked, messages, output))
        if asked.startswith(STANDIN_JUDGE_MODEL):
            answer = {"role": "assistant", "content": _coin_flip(messages, rng)}
            return web.json_response(_completion(asked, messages, answer))

        reply = replies.lookup(messages)
        if reply is None:
            return _error(404, "no recorded reply for this prefix", "no_recorded_reply")
        fault = injector.draw() if injector is not None else None
        if injector is not None and fault is not None:

            async def normal() -> dict[str, Any]:
                return _completion(model, messages, reply)

            return await injector.respond(fault, request, normal)
        return web.json_response(_completion(model, messages, reply))

    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/chat/completions", chat_completions)
    return app


def _placeholder_tool_output(messages: Sequence[Mapping[str, Any]]) -> str:
    """A tool output that says it is a stand-in's placeholder, for the named call."""
    prompt = _text(messages[-1].get("content")) if messages else ""
    call = _CALL_LINE.search(prompt)
    name = call.group(1) if call else "unknown"
    return (
        f"[depsim stand-in tool simulator: placeholder output for `{name}`; "
        "no model wrote this and nothing was executed]"
    )


def _coin_flip(messages: Sequence[Mapping[str, Any]], rng: random.Random) -> str:
    """One of the two answers the prompt asks for, at random, labelled as such."""
    prompt = "\n".join(_text(m.get("content")) for m in messages)
    choices = _ANSWER_CHOICES.search(prompt)
    options = choices.groups() if choices else ("A", "B")
    return f"ANSWER: {rng.choice(options)}\n{STANDIN_JUDGE_NOTICE}"


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
    every_turn: bool = False,
    faults: FaultSpec | None = None,
) -> None:
    """Index `paths` and serve until interrupted."""
    replies = RecordedReplies()
    for path in paths:
        replies.add_file(path, every_turn=every_turn)
    log.info("stand-in serving %d recorded replies on %s:%d", len(replies), host, port)
    app = build_app(replies, latency_s=latency_s, jitter_s=jitter_s, faults=faults)
    web.run_app(app, host=host, port=port, print=None, access_log=None)
