"""Faults the stand-in can inject, to test how depsim survives a bad endpoint.

`depsim standin --faults SPEC` turns them on, for example
`rate_limit=0.1,server_error=0.1,quota_after=500,hang=0.02,truncate=0.05`. Each kind
with a probability is drawn per chat-completions request from a seeded generator;
`quota_after=N` answers every request after the N-th with 429 `insufficient_quota`;
`limit=N` injects at most N faults, then answers normally.
Every faulty response carries the header `X-Depsim-Standin-Fault` and says in its
body that it is a stand-in fault, so it can never pass for a real endpoint's answer.

| kind | the response |
|---|---|
| `quota` | 429 `insufficient_quota` (as after `quota_after` requests) |
| `rate_limit` | 429 `rate_limit_exceeded` with `Retry-After` (`retry_after_s`) |
| `server_error` | 500 or 503, alternately |
| `hang` | nothing for `hang_s` seconds, then the reply |
| `trickle` | the reply as a chunked body, a few bytes every `trickle_interval_s` |
| `truncate` | a reply cut at the token limit: `finish_reason` `length` |
| `cut_body` | a 200 whose JSON body ends half-way |
| `refuse` | `content` null and `refusal` set |
| `disconnect` | the connection closed without an answer |
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from streamer.errors import ConfigurationError

FAULT_HEADER = "X-Depsim-Standin-Fault"
FAULT_NOTICE = "depsim stand-in fault"
KINDS = (
    "quota",
    "rate_limit",
    "server_error",
    "hang",
    "trickle",
    "truncate",
    "cut_body",
    "refuse",
    "disconnect",
)
_PARAMS = (
    "quota_after",
    "limit",
    "retry_after_s",
    "hang_s",
    "trickle_interval_s",
    "seed",
)

Answer = Callable[[], Awaitable[dict[str, Any]]]


@dataclass
class FaultSpec:
    """Probabilities per fault kind and their parameters."""

    rates: dict[str, float] = field(default_factory=dict)
    quota_after: int = 0
    limit: int = 0
    retry_after_s: float = 1.0
    hang_s: float = 3600.0
    trickle_interval_s: float = 0.5
    seed: int = 0

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        """`kind=p,...,param=value` as a spec; unknown names are an error."""
        spec = cls()
        for item in filter(None, (part.strip() for part in text.split(","))):
            name, _, value = item.partition("=")
            try:
                number = float(value)
            except ValueError as exc:
                raise ConfigurationError(f"fault {name!r}: not a number") from exc
            if name in KINDS:
                spec.rates[name] = number
            elif name in _PARAMS:
                is_int = name in ("quota_after", "limit", "seed")
                setattr(spec, name, int(number) if is_int else number)
            else:
                raise ConfigurationError(f"unknown fault {name!r}")
        if sum(spec.rates.values()) > 1:
            raise ConfigurationError("fault probabilities add up to more than 1")
        return spec


class FaultInjector:
    """Draws a fault per request and answers with it."""

    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self.requests = 0
        self.injected: dict[str, int] = {}
        self._rng = random.Random(spec.seed)

    def draw(self) -> str | None:
        """The fault for the next request, or None for a normal answer."""
        self.requests += 1
        if self.spec.quota_after and self.requests > self.spec.quota_after:
            return self._count("quota")
        u = self._rng.random()
        if self.spec.limit and sum(self.injected.values()) >= self.spec.limit:
            return None
        for kind in KINDS:
            u -= self.spec.rates.get(kind, 0.0)
            if u < 0:
                return self._count(kind)
        return None

    def _count(self, kind: str) -> str:
        self.injected[kind] = self.injected.get(kind, 0) + 1
        return kind

    async def respond(
        self, kind: str, request: web.Request, answer: Answer
    ) -> web.StreamResponse:
        """The faulty response of `kind`; `answer` builds the normal completion."""
        headers = {FAULT_HEADER: kind}
        if kind == "quota":
            return _error(429, "insufficient_quota", headers)
        if kind == "rate_limit":
            wait = self.spec.retry_after_s
            headers["Retry-After"] = str(math.ceil(wait))
            headers["Retry-After-Ms"] = str(round(wait * 1000))
            return _error(429, "rate_limit_exceeded", headers)
        if kind == "server_error":
            status = 500 if self.injected[kind] % 2 else 503
            return _error(status, "server_error", headers)
        if kind == "disconnect":
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=500, headers=headers)  # never reaches anyone
        if kind == "hang":
            await asyncio.sleep(self.spec.hang_s)
            return web.json_response(await answer(), headers=headers)

        body = _labelled(await answer(), kind)
        if kind == "truncate":
            choice = body["choices"][0]
            text = choice["message"].get("content") or ""
            choice["message"]["content"] = text[: len(text) // 2]
            choice["finish_reason"] = "length"
        elif kind == "refuse":
            body["choices"][0]["message"] = {
                "role": "assistant",
                "content": None,
                "refusal": f"I can't help with that. ({FAULT_NOTICE}: refusal)",
            }
        encoded = json.dumps(body).encode()
        if kind == "cut_body":
            cut = encoded[: len(encoded) // 2]
            return web.Response(
                body=cut, content_type="application/json", headers=headers
            )
        if kind == "trickle":
            return await _trickle(request, encoded, headers, self.spec)
        return web.Response(
            body=encoded, content_type="application/json", headers=headers
        )


def _labelled(body: dict[str, Any], kind: str) -> dict[str, Any]:
    body["system_fingerprint"] = f"{body.get('system_fingerprint')}; {FAULT_NOTICE}"
    body["depsim_standin_fault"] = kind
    return body


async def _trickle(
    request: web.Request, body: bytes, headers: dict[str, str], spec: FaultSpec
) -> web.StreamResponse:
    response = web.StreamResponse(headers=headers)
    response.content_type = "application/json"
    response.enable_chunked_encoding()
    await response.prepare(request)
    for start in range(0, len(body), 16):
        await response.write(body[start : start + 16])
        await asyncio.sleep(spec.trickle_interval_s)
    await response.write_eof()
    return response


def _error(status: int, code: str, headers: dict[str, str]) -> web.Response:
    kind = "insufficient_quota" if code == "insufficient_quota" else "server_error"
    if status == 429 and code != "insufficient_quota":
        kind = "requests"
    body = {
        "error": {
            "message": f"{FAULT_NOTICE}: {code}",
            "type": kind,
            "code": code,
        }
    }
    return web.json_response(body, status=status, headers=headers)
