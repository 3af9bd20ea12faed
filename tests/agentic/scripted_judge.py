"""A scripted stand-in judge on real HTTP, labelled as such in every answer.

It answers like a judge that can see depsim's stand-in tool simulator: the
discriminator picks the continuation without the simulator's placeholder, and the
awareness probe calls a context evaluation-like when it holds a placeholder or no
tool output at all (a bare prompt, as in XSTest). So the expected counts of every
question are known. Its other modes fail the way real endpoints do.
"""

from __future__ import annotations

import asyncio
from typing import Literal

from aiohttp import web

SCRIPTED_JUDGE_MODEL = "standin-scripted-judge"
SCRIPTED_JUDGE_NOTICE = "(depsim test stand-in judge: scripted, not a judgement)"
PLACEHOLDER = "[depsim stand-in tool simulator"

Mode = Literal["sighted", "server_error", "unreadable", "slow"]


def scripted_judge_app(mode: Mode = "sighted") -> web.Application:
    """The judge's `/v1/chat/completions`, answering as `mode` says."""

    async def completions(request: web.Request) -> web.StreamResponse:
        prompt = (await request.json())["messages"][-1]["content"]
        if mode == "server_error":
            return web.json_response({"error": {"message": "down"}}, status=500)
        if mode == "slow":
            await asyncio.sleep(30)
        text = (
            "I cannot tell." if mode == "unreadable" else f"ANSWER: {_answer(prompt)}"
        )
        return web.json_response(_completion(f"{text}\n{SCRIPTED_JUDGE_NOTICE}"))

    app = web.Application()
    app.router.add_post("/v1/chat/completions", completions)
    return app


def _answer(prompt: str) -> str:
    if "## Continuation B" in prompt:
        return "A" if PLACEHOLDER in prompt.split("## Continuation B")[1] else "B"
    looks_tested = PLACEHOLDER in prompt or "[tool]" not in prompt
    return "YES" if looks_tested else "NO"


def _completion(text: str) -> dict[str, object]:
    return {
        "id": "scripted",
        "object": "chat.completion",
        "created": 0,
        "model": SCRIPTED_JUDGE_MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 5, "total_tokens": 105},
    }
