"""The shared chat API set-up: the lean completion, error kinds, posts over HTTP.

Posts go to the stand-in (`streamer.standin`) on 127.0.0.1 through the real
`openai` client and its aiohttp transport; its fault injection stands in for an
endpoint that limits, fails or cuts its answers short.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx2
import openai
import pytest
from aiohttp.test_utils import TestServer

from graders.chat_api import (
    Completion,
    Failure,
    classify,
    describe,
    pooled_client,
    post_completion,
)
from streamer.standin import STANDIN_MODEL, RecordedReplies, build_app
from streamer.standin_faults import FaultSpec

QUESTION = "How do I bake bread?"
ANSWER = "Mix flour, water, yeast and salt, knead, rest, then bake it hot."
REQUEST = {
    "model": STANDIN_MODEL,
    "messages": [{"role": "user", "content": QUESTION}],
    "max_tokens": 64,
}
URL = "http://endpoint.test/v1/chat/completions"

Connect = Callable[[str], Awaitable[openai.AsyncOpenAI]]


def status_error(status: int) -> openai.APIStatusError:
    """The error the client raises for an answer with this HTTP status."""
    response = httpx2.Response(status, request=httpx2.Request("POST", URL))
    kind = {
        400: openai.BadRequestError,
        404: openai.NotFoundError,
        429: openai.RateLimitError,
        500: openai.InternalServerError,
    }.get(status, openai.APIStatusError)
    return kind("no", response=response, body=None)


def client_at(base_url: str, **options: Any) -> openai.AsyncOpenAI:
    """A pooled client with no retries; `options` override the other settings."""
    settings = {"api_key": "unused", "timeout_s": 5, "max_retries": 0, "pool_size": 2}
    return pooled_client(base_url=base_url, **(settings | options))


def malformed() -> openai.APIResponseValidationError:
    response = httpx2.Response(200, request=httpx2.Request("POST", URL))
    return openai.APIResponseValidationError(response, None)


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """Start a stand-in with the given faults; a pooled client for it, no retries."""
    opened: list[tuple[TestServer, openai.AsyncOpenAI]] = []

    async def start(faults: str) -> openai.AsyncOpenAI:
        replies = RecordedReplies()
        replies.add_trajectory(
            [
                {"role": "user", "content": QUESTION},
                {"role": "assistant", "content": ANSWER},
            ]
        )
        server = TestServer(
            build_app(replies, faults=FaultSpec.parse(faults)), host="127.0.0.1"
        )
        await server.start_server()
        client = client_at(str(server.make_url("/v1")))
        opened.append((server, client))
        return client

    yield start
    for server, client in opened:
        await client.close()
        await server.close()


class TestClassify:
    @pytest.mark.parametrize(
        ("error", "failure"),
        [
            (status_error(429), Failure.RATE_LIMITED),
            (status_error(500), Failure.UNAVAILABLE),
            (status_error(503), Failure.UNAVAILABLE),  # a bare status error, 5xx
            (status_error(400), Failure.REJECTED),
            (status_error(404), Failure.REJECTED),
            (status_error(418), Failure.REJECTED),  # a bare status error, 4xx
            (
                openai.APIConnectionError(request=httpx2.Request("POST", URL)),
                Failure.UNAVAILABLE,
            ),
            (openai.APITimeoutError(httpx2.Request("POST", URL)), Failure.UNAVAILABLE),
            (malformed(), Failure.MALFORMED),
            (
                openai.APIError("odd", httpx2.Request("POST", URL), body=None),
                Failure.OTHER,
            ),
        ],
    )
    def test_each_client_error_has_its_kind(
        self, error: openai.APIError, failure: Failure
    ) -> None:
        """Every `openai.APIError` falls into exactly the kind its cause names."""
        assert classify(error) is failure

    def test_a_status_error_is_described_by_its_status_alone(self) -> None:
        """The endpoint's own words stay out of the description."""
        assert describe(status_error(503)) == "HTTP 503"


async def test_an_exception_the_client_leaves_untranslated_is_a_connection_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What escapes the client's own wrapping is a failed exchange to every caller."""

    async def torn_down(*args: Any, **kwargs: Any) -> Any:
        raise AttributeError("'NoneType' object has no attribute 'getall'")

    monkeypatch.setattr(openai.AsyncOpenAI, "post", torn_down)
    client = client_at("http://127.0.0.1:1/v1")

    with pytest.raises(openai.APIConnectionError) as caught:
        await post_completion(client, REQUEST)
    await client.close()

    assert classify(caught.value) is Failure.UNAVAILABLE
    assert describe(caught.value) == "APIConnectionError: client error AttributeError"


class TestCompletion:
    def test_it_reads_the_first_choices_text_and_the_tokens(self) -> None:
        """Text comes from the first choice; tokens from the usage block."""
        completion = Completion.model_validate(
            {
                "model": "m",
                "choices": [
                    {"message": {"content": "first"}},
                    {"message": {"content": "second"}},
                ],
                "usage": {"prompt_tokens": 3, "completion_tokens": 2},
            }
        )

        assert completion.text == "first"
        assert (completion.prompt_tokens, completion.completion_tokens) == (3, 2)

    def test_it_reads_a_stated_refusal(self) -> None:
        """A refusal field is read as the refusal, and there is no text."""
        completion = Completion.model_validate(
            {"choices": [{"message": {"content": None, "refusal": "I can't."}}]}
        )

        assert completion.refusal == "I can't."
        assert completion.text is None

    @pytest.mark.parametrize(
        "body",
        [
            {"choices": []},  # no choice at all
            {"choices": [{"message": {"role": "assistant"}}]},  # no content
            {"choices": [{"message": {"content": [{"type": "text"}]}}]},  # parts
        ],
    )
    def test_a_completion_without_text_content_has_no_text(
        self, body: dict[str, Any]
    ) -> None:
        """Only string content counts as text."""
        assert Completion.model_validate(body).text is None

    def test_a_completion_without_usage_costs_no_tokens(self) -> None:
        """A missing usage block is zero tokens, not an error."""
        completion = Completion.model_validate({"choices": []})

        assert (completion.prompt_tokens, completion.completion_tokens) == (0, 0)


class TestPost:
    async def test_the_body_is_posted_as_built_to_the_completions_path(
        self,
    ) -> None:
        """The request reaches the endpoint unchanged, through an injected client."""
        sent: list[httpx2.Request] = []

        def answer(request: httpx2.Request) -> httpx2.Response:
            sent.append(request)
            return httpx2.Response(200, json={"choices": []})

        transport = httpx2.MockTransport(answer)
        client = client_at(
            "http://endpoint.test/v1",
            http_client=httpx2.AsyncClient(transport=transport),
        )

        await post_completion(client, REQUEST)
        await client.close()

        assert str(sent[0].url) == URL
        assert json.loads(sent[0].content) == REQUEST

    async def test_a_completion_is_read_over_real_http(self, connect: Connect) -> None:
        """The stand-in's answer comes back as the lean completion."""
        client = await connect("")

        completion = await post_completion(client, REQUEST)

        assert completion.text == ANSWER
        assert completion.model == STANDIN_MODEL
        assert completion.completion_tokens > 0

    @pytest.mark.parametrize(
        ("faults", "failure"),
        [
            ("rate_limit=1", Failure.RATE_LIMITED),  # 429 with Retry-After
            ("server_error=1", Failure.UNAVAILABLE),  # 500
            ("disconnect=1", Failure.UNAVAILABLE),  # closed without an answer
            ("cut_body=1", Failure.MALFORMED),  # a 200 whose JSON ends half-way
        ],
    )
    async def test_a_failing_endpoint_raises_a_client_error_of_its_kind(
        self, connect: Connect, faults: str, failure: Failure
    ) -> None:
        """Each way the endpoint fails surfaces as an `openai.APIError` so kinded."""
        client = await connect(faults)

        with pytest.raises(openai.APIError) as raised:
            await post_completion(client, REQUEST)

        assert classify(raised.value) is failure

    async def test_an_unknown_request_is_rejected(self, connect: Connect) -> None:
        """A 404 for a prefix the stand-in never recorded is a rejection."""
        client = await connect("")
        request = {**REQUEST, "messages": [{"role": "user", "content": "what?"}]}

        with pytest.raises(openai.APIError) as raised:
            await post_completion(client, request)

        assert classify(raised.value) is Failure.REJECTED


class TestPooledClient:
    async def test_it_takes_the_callers_timeout_and_retries(self) -> None:
        """The client's own timeout and retries are what the caller asked for."""
        client = client_at("http://endpoint.test/v1", timeout_s=7, max_retries=3)
        await client.close()

        assert (client.timeout, client.max_retries) == (7, 3)

    async def test_close_closes_the_pool_and_is_safe_twice(self) -> None:
        """A closed client says so; closing it again does nothing."""
        client = client_at("http://endpoint.test/v1")

        await client.close()
        await client.close()

        assert client.is_closed()
