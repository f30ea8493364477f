"""The fake servers, driven through the real SDKs.

These prove the fakes speak each protocol well enough for the SDKs to parse
them, and that every scripted failure reaches the client the way the real
failure would: so a backend test that uses them tests the backend, not the
fake.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anthropic
import httpx
import httpx2
import ollama
import openai
import pytest

from fakes import (
    DEFAULT_CHUNKS,
    DEFAULT_TEXT,
    INPUT_TOKENS,
    OLLAMA_CLOUD_HOST,
    PULL_TOTAL,
    FakeAnthropic,
    FakeOllama,
    FakeOpenAI,
    Reply,
    closed_port,
)

MESSAGES = [{"role": "user", "content": "Give me three headlines."}]
FIRST_TWO = list(DEFAULT_CHUNKS[:2])


# -- fixtures ----------------------------------------------------------------


@pytest.fixture
def ollama_server() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server
    assert server.errors == []


@pytest.fixture
async def ollama_client(ollama_server: FakeOllama) -> AsyncIterator[ollama.AsyncClient]:
    client = ollama.AsyncClient(host=ollama_server.url)
    yield client
    await client._client.aclose()


@pytest.fixture
async def openai_client(openai_server: FakeOpenAI) -> AsyncIterator[openai.AsyncOpenAI]:
    client = openai.AsyncOpenAI(base_url=openai_server.base_url, api_key="test", max_retries=0)
    yield client
    await client.close()


@pytest.fixture
async def anthropic_client(
    anthropic_server: FakeAnthropic,
) -> AsyncIterator[anthropic.AsyncAnthropic]:
    client = anthropic.AsyncAnthropic(base_url=anthropic_server.url, api_key="test", max_retries=0)
    yield client
    await client.close()


# -- helpers: run one stream, keep what arrived and how it ended --------------


async def ollama_chat(
    client: ollama.AsyncClient, model: str = "qwen3:4b"
) -> tuple[list[Any], BaseException | None]:
    parts: list[Any] = []
    try:
        async for part in await client.chat(model=model, messages=MESSAGES, stream=True):
            parts.append(part)
    except Exception as error:
        return parts, error
    return parts, None


def ollama_text(parts: list[Any]) -> list[str]:
    return [p.message.content for p in parts if p.message.content]


async def openai_chat(
    client: openai.AsyncOpenAI, include_usage: bool = True
) -> tuple[list[Any], BaseException | None]:
    chunks: list[Any] = []
    try:
        stream = await client.chat.completions.create(
            model="gpt-4o-mini",
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True} if include_usage else openai.omit,
        )
        async for chunk in stream:
            chunks.append(chunk)
    except Exception as error:
        return chunks, error
    return chunks, None


def openai_text(chunks: list[Any]) -> list[str]:
    return [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]


async def anthropic_chat(
    client: anthropic.AsyncAnthropic,
) -> tuple[list[Any], BaseException | None]:
    events: list[Any] = []
    try:
        stream = await client.messages.create(
            model="claude-haiku-4-5", max_tokens=256, messages=MESSAGES, stream=True
        )
        async for event in stream:
            events.append(event)
    except Exception as error:
        return events, error
    return events, None


def anthropic_text(events: list[Any]) -> list[str]:
    return [e.delta.text for e in events if e.type == "content_block_delta"]


async def raw_lines(url: str, body: dict[str, Any]) -> tuple[int, list[bytes]]:
    """The response as the wire carries it, for what the SDKs hide."""
    async with (
        httpx.AsyncClient() as client,
        client.stream("POST", url, json=body, headers={"x-api-key": "test"}) as response,
    ):
        data = b"".join([piece async for piece in response.aiter_raw()])
    return response.status_code, data.split(b"\n")


# -- Reply and helpers ---------------------------------------------------------


def test_reply_rejects_unbounded_or_unknown_settings() -> None:
    with pytest.raises(ValueError, match="cut_mode"):
        Reply(cut_mode="explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="stall_seconds"):
        Reply(stall_seconds=3600)
    with pytest.raises(ValueError, match="delay"):
        Reply(delay=-1)
    with pytest.raises(TypeError, match="chunks"):
        Reply(chunks="Hello")
    assert Reply(chunks=["a", "b"]).chunks == ("a", "b")
    assert Reply().text == DEFAULT_TEXT
    assert len(DEFAULT_CHUNKS) == len(set(DEFAULT_CHUNKS)) == 6


async def test_closed_port_refuses_every_sdk() -> None:
    url = closed_port()
    client = ollama.AsyncClient(host=url)
    with pytest.raises(ConnectionError):
        await client.list()
    openai_client = openai.AsyncOpenAI(base_url=url + "/v1", api_key="test", max_retries=0)
    with pytest.raises(openai.APIConnectionError):
        await openai_client.models.list()
    anthropic_client = anthropic.AsyncAnthropic(base_url=url, api_key="test", max_retries=0)
    with pytest.raises(anthropic.APIConnectionError):
        await anthropic_client.messages.create(
            model="claude-haiku-4-5", max_tokens=10, messages=MESSAGES
        )


async def test_stop_is_quick_with_idle_and_stalled_connections() -> None:
    server = FakeOllama().start()
    client = ollama.AsyncClient(host=server.url, timeout=httpx.Timeout(0.3, connect=5))
    # One connection left idle in the client's pool, one stalled mid-stream.
    assert (await client.list()).models
    server.script(Reply(stall_after=1, stall_seconds=30))
    parts, error = await ollama_chat(client)
    assert isinstance(error, httpx.ReadTimeout)
    assert ollama_text(parts) == [DEFAULT_CHUNKS[0]]
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 1.0
    assert server.errors == []
    with pytest.raises(ConnectionError):
        await ollama.AsyncClient(host=server.url).list()
    await client._client.aclose()


# -- Ollama --------------------------------------------------------------------


async def test_ollama_stream_assembles_text_and_usage(
    ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
) -> None:
    parts, error = await ollama_chat(ollama_client)
    assert error is None
    assert ollama_text(parts) == list(DEFAULT_CHUNKS)
    assert [p.done for p in parts] == [False] * 6 + [True]
    final = parts[-1]
    assert (final.done_reason, final.prompt_eval_count, final.eval_count) == ("stop", 17, 6)
    assert final.message.content == ""
    request = ollama_server.requests[-1]
    assert (request.method, request.path) == ("POST", "/api/chat")
    assert request.body["model"] == "qwen3:4b"
    assert request.body["messages"] == MESSAGES
    assert request.headers["content-type"] == "application/json"
    assert ollama_server.chat_requests == [request]


async def test_ollama_wire_is_ndjson(ollama_server: FakeOllama) -> None:
    status, lines = await raw_lines(
        ollama_server.url + "/api/chat", {"model": "qwen3:4b", "messages": MESSAGES}
    )
    assert status == 200
    assert lines[-1] == b""
    objects = [json.loads(line) for line in lines[:-1]]
    assert [o["message"]["content"] for o in objects] == [*DEFAULT_CHUNKS, ""]
    assert objects[0]["message"]["role"] == "assistant"
    assert objects[0]["created_at"].endswith("Z")
    assert set(objects[-1]) >= {"done_reason", "total_duration", "eval_count", "prompt_eval_count"}


async def test_ollama_unknown_model_is_404(ollama_client: ollama.AsyncClient) -> None:
    parts, error = await ollama_chat(ollama_client, model="nope:1b")
    assert parts == []
    assert isinstance(error, ollama.ResponseError)
    assert error.status_code == 404
    assert error.error == 'model "nope:1b" not found, try pulling it first'


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (401, "unauthorized"),
        (404, 'model "qwen3:4b" not found, try pulling it first'),
        (500, "an error was encountered while running the model"),
        (503, "server busy, please try again.  maximum pending requests exceeded"),
    ],
)
async def test_ollama_status_errors(
    ollama_server: FakeOllama, ollama_client: ollama.AsyncClient, status: int, message: str
) -> None:
    ollama_server.script(Reply(status=status))
    parts, error = await ollama_chat(ollama_client)
    assert parts == []
    assert isinstance(error, ollama.ResponseError)
    assert (error.status_code, error.error) == (status, message)


async def test_ollama_retry_after_header(ollama_server: FakeOllama) -> None:
    ollama_server.script(Reply(status=429, retry_after=3))
    async with httpx.AsyncClient() as client:
        response = await client.post(
            ollama_server.url + "/api/chat", json={"model": "qwen3:4b", "messages": MESSAGES}
        )
    assert response.status_code == 429
    assert response.headers["retry-after"] == "3"
    assert response.json() == {
        "error": "you have reached your hourly usage limit, "
        "please upgrade or wait for the limit to reset"
    }


@pytest.mark.parametrize(
    ("mode", "error_class"), [("close", httpx.RemoteProtocolError), ("reset", httpx.ReadError)]
)
async def test_ollama_cut_keeps_first_deltas(
    ollama_server: FakeOllama,
    ollama_client: ollama.AsyncClient,
    mode: str,
    error_class: type[Exception],
) -> None:
    ollama_server.script(Reply(cut_after=2, cut_mode=mode))  # type: ignore[arg-type]
    parts, error = await ollama_chat(ollama_client)
    assert type(error) is error_class
    assert ollama_text(parts) == FIRST_TWO
    # The client recovers: the next request gets a fresh connection.
    parts, error = await ollama_chat(ollama_client)
    assert error is None and ollama_text(parts) == list(DEFAULT_CHUNKS)


async def test_ollama_omit_final_ends_without_done(
    ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
) -> None:
    ollama_server.script(Reply(omit_final=True))
    parts, error = await ollama_chat(ollama_client)
    assert error is None
    assert ollama_text(parts) == list(DEFAULT_CHUNKS)
    assert not any(p.done for p in parts)


async def test_ollama_split_frames_decode_the_same(
    ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
) -> None:
    ollama_server.script(Reply(split_frames=True))
    parts, error = await ollama_chat(ollama_client)
    assert error is None
    assert ollama_text(parts) == list(DEFAULT_CHUNKS)
    assert parts[-1].eval_count == 6


async def test_split_frames_really_split_on_the_wire(ollama_server: FakeOllama) -> None:
    ollama_server.script(Reply(split_frames=True))
    reads: list[bytes] = []
    async with (
        httpx.AsyncClient() as client,
        client.stream(
            "POST", ollama_server.url + "/api/chat", json={"model": "qwen3:4b", "messages": []}
        ) as response,
    ):
        reads = [piece async for piece in response.aiter_raw()]
    assert b"".join(reads).count(b"\n") == 7
    # Some read ended inside a line: the decoder had to join pieces.
    assert any(not piece.endswith(b"\n") for piece in reads)


async def test_ollama_error_line_mid_stream(
    ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
) -> None:
    ollama_server.script(Reply(error_event_after=3, error_message="model runner crashed"))
    parts, error = await ollama_chat(ollama_client)
    assert isinstance(error, ollama.ResponseError)
    assert error.error == "model runner crashed"
    assert ollama_text(parts) == list(DEFAULT_CHUNKS[:3])


async def test_ollama_malformed_line(
    ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
) -> None:
    ollama_server.script(Reply(malformed_after=1))
    parts, error = await ollama_chat(ollama_client)
    assert isinstance(error, json.JSONDecodeError)
    assert ollama_text(parts) == [DEFAULT_CHUNKS[0]]


async def test_ollama_short_stall_then_whole_answer(
    ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
) -> None:
    ollama_server.script(Reply(chunks=["a", "b"], stall_after=1, stall_seconds=0.3))
    started = time.monotonic()
    parts, error = await ollama_chat(ollama_client)
    assert error is None
    assert ollama_text(parts) == ["a", "b"]
    assert parts[-1].eval_count == 2
    assert time.monotonic() - started >= 0.3


async def test_ollama_delay_paces_and_streams_run_concurrently(
    ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
) -> None:
    paced = Reply(chunks=["x", "y", "z"], delay=0.15)
    ollama_server.script(paced, paced)
    started = time.monotonic()
    results = await asyncio.gather(ollama_chat(ollama_client), ollama_chat(ollama_client))
    elapsed = time.monotonic() - started
    assert [ollama_text(parts) for parts, _ in results] == [["x", "y", "z"]] * 2
    # Each took two delays (0.3 s); one after the other would be 0.6 s.
    assert 0.3 <= elapsed < 0.55


async def test_ollama_script_is_fifo_then_default(
    ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
) -> None:
    ollama_server.script(Reply(chunks=["only"], input_tokens=5), Reply(status=500))
    assert ollama_server.pending == 2
    parts, _ = await ollama_chat(ollama_client)
    assert ollama_text(parts) == ["only"]
    assert (parts[-1].prompt_eval_count, parts[-1].eval_count) == (5, 1)
    assert ollama_server.pending == 1
    _, error = await ollama_chat(ollama_client)
    assert isinstance(error, ollama.ResponseError) and error.status_code == 500
    parts, _ = await ollama_chat(ollama_client)
    assert "".join(ollama_text(parts)) == DEFAULT_TEXT
    assert ollama_server.pending == 0


async def test_ollama_non_streamed_chat(ollama_client: ollama.AsyncClient) -> None:
    response = await ollama_client.chat(model="qwen3:4b", messages=MESSAGES, stream=False)
    assert response.message.content == DEFAULT_TEXT
    assert (response.done, response.prompt_eval_count, response.eval_count) == (True, 17, 6)


async def test_ollama_pull_streams_progress_then_lists_model(
    ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
) -> None:
    before = [m.model for m in (await ollama_client.list()).models]
    assert before == ["qwen3:4b", "gpt-oss:120b-cloud"]
    progress = [p async for p in await ollama_client.pull("llama3.2:1b", stream=True)]
    statuses = [p.status for p in progress]
    layer = statuses[1]
    assert layer.startswith("pulling ") and len(layer) == len("pulling ") + 12
    assert statuses == [
        "pulling manifest",
        layer,
        layer,
        layer,
        layer,
        "verifying sha256 digest",
        "writing manifest",
        "success",
    ]
    assert [p.completed for p in progress[1:5]] == [500_000, 1_000_000, 1_500_000, 2_000_000]
    assert {p.total for p in progress[1:5]} == {PULL_TOTAL}
    digest = progress[1].digest
    assert digest is not None and len(digest) == len("sha256:") + 64
    assert digest.startswith("sha256:" + layer.removeprefix("pulling "))
    after = [m.model for m in (await ollama_client.list()).models]
    assert after == ["qwen3:4b", "llama3.2:1b", "gpt-oss:120b-cloud"]
    # A pulled model can be chatted with.
    parts, error = await ollama_chat(ollama_client, model="llama3.2:1b")
    assert error is None and "".join(ollama_text(parts)) == DEFAULT_TEXT


async def test_ollama_pull_of_unknown_model_errors_in_stream(
    ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
) -> None:
    statuses = []
    with pytest.raises(ollama.ResponseError) as caught:
        async for progress in await ollama_client.pull("nosuch:7b", stream=True):
            statuses.append(progress.status)
    assert statuses == ["pulling manifest"]
    assert caught.value.error == "pull model manifest: file does not exist"
    assert "nosuch:7b" not in ollama_server.models


async def test_ollama_show_reports_remote_host_for_cloud_models(
    ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=ollama_server.url) as client:
        cloud = (await client.post("/api/show", json={"model": "gpt-oss:120b-cloud"})).json()
        local = (await client.post("/api/show", json={"model": "qwen3:4b"})).json()
        missing = await client.post("/api/show", json={"model": "ghost"})
        version = (await client.get("/api/version")).json()
        unknown_route = await client.get("/api/nothing")
    assert cloud["remote_host"] == OLLAMA_CLOUD_HOST == "https://ollama.com:443"
    assert cloud["remote_model"] == "gpt-oss:120b"
    assert "remote_host" not in local
    assert local["details"]["family"] == "qwen3"
    assert (missing.status_code, missing.json()) == (404, {"error": "model 'ghost' not found"})
    assert version == {"version": "0.12.6"}
    assert (unknown_route.status_code, unknown_route.text) == (404, "404 page not found")
    # The SDK parses the same answer (and drops remote_host, which is why
    # the backend reads the raw JSON).
    shown = await ollama_client.show("qwen3:4b")
    assert shown.details is not None and shown.details.quantization_level == "Q4_K_M"
    with pytest.raises(ollama.ResponseError) as caught:
        await ollama_client.show("ghost")
    assert (caught.value.status_code, caught.value.error) == (404, "model 'ghost' not found")


# -- OpenAI --------------------------------------------------------------------


async def test_openai_stream_assembles_text_and_usage(
    openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
) -> None:
    chunks, error = await openai_chat(openai_client)
    assert error is None
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[0].choices[0].delta.content == ""
    assert openai_text(chunks) == list(DEFAULT_CHUNKS)
    assert [c.choices[0].finish_reason for c in chunks[:-1]] == [None] * 7 + ["stop"]
    assert all(c.usage is None for c in chunks[:-1])
    last = chunks[-1]
    assert last.choices == []
    assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (INPUT_TOKENS, 6)
    assert last.usage.total_tokens == 23
    assert {c.id for c in chunks} == {"chatcmpl-fake0001"}
    request = openai_server.requests[-1]
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.headers["authorization"] == "Bearer test"
    assert request.body["stream"] is True
    assert request.body["stream_options"] == {"include_usage": True}


async def test_openai_without_include_usage_has_no_usage_chunk(
    openai_client: openai.AsyncOpenAI,
) -> None:
    chunks, error = await openai_chat(openai_client, include_usage=False)
    assert error is None
    assert len(chunks) == 8
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.usage is None for c in chunks)


async def test_openai_wire_ends_with_done(openai_server: FakeOpenAI) -> None:
    status, lines = await raw_lines(
        openai_server.base_url + "/chat/completions",
        {"model": "m", "messages": MESSAGES, "stream": True},
    )
    assert status == 200
    assert lines[-3:] == [b"data: [DONE]", b"", b""]
    assert all(line.startswith(b"data: ") for line in lines[::2] if line)


@pytest.mark.parametrize(
    ("status", "error_class", "code"),
    [
        (401, openai.AuthenticationError, "invalid_api_key"),
        (404, openai.NotFoundError, "model_not_found"),
        (429, openai.RateLimitError, "rate_limit_exceeded"),
        (500, openai.InternalServerError, None),
        (503, openai.InternalServerError, None),
    ],
)
async def test_openai_status_errors(
    openai_server: FakeOpenAI,
    openai_client: openai.AsyncOpenAI,
    status: int,
    error_class: type[openai.APIStatusError],
    code: str | None,
) -> None:
    openai_server.script(Reply(status=status, retry_after=2))
    chunks, error = await openai_chat(openai_client)
    assert chunks == []
    assert type(error) is error_class
    assert isinstance(error, openai.APIStatusError)
    assert error.status_code == status
    assert error.code == code
    assert error.response.headers["retry-after"] == "2"
    assert error.response.headers["x-request-id"] == "req_fake0001"
    assert isinstance(error.body, dict)
    assert error.body["type"] in ("invalid_request_error", "requests", "server_error")
    if status == 404:
        assert error.body["message"] == (
            "The model `gpt-4o-mini` does not exist or you do not have access to it."
        )


@pytest.mark.parametrize("mode", ["close", "reset"])
async def test_openai_cut_raises_connection_error_after_first_deltas(
    openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI, mode: str
) -> None:
    openai_server.script(Reply(cut_after=2, cut_mode=mode))  # type: ignore[arg-type]
    chunks, error = await openai_chat(openai_client)
    assert type(error) is openai.APIConnectionError
    assert openai_text(chunks) == FIRST_TWO


async def test_openai_omit_final_ends_without_done(
    openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
) -> None:
    openai_server.script(Reply(omit_final=True))
    chunks, error = await openai_chat(openai_client)
    assert error is None
    assert openai_text(chunks) == list(DEFAULT_CHUNKS)
    assert all(c.choices and c.choices[0].finish_reason is None for c in chunks)
    assert all(c.usage is None for c in chunks)


async def test_openai_split_frames_decode_the_same(
    openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
) -> None:
    openai_server.script(Reply(split_frames=True))
    chunks, error = await openai_chat(openai_client)
    assert error is None
    assert openai_text(chunks) == list(DEFAULT_CHUNKS)
    assert chunks[-1].usage.completion_tokens == 6


async def test_openai_error_frame_mid_stream(
    openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
) -> None:
    openai_server.script(Reply(error_event_after=2))
    chunks, error = await openai_chat(openai_client)
    assert type(error) is openai.APIError
    assert error.message == (
        "The server had an error while processing your request. Sorry about that!"
    )
    assert error.type == "server_error"
    assert openai_text(chunks) == FIRST_TWO


async def test_openai_malformed_frame(
    openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
) -> None:
    openai_server.script(Reply(malformed_after=4))
    chunks, error = await openai_chat(openai_client)
    assert isinstance(error, json.JSONDecodeError)
    assert openai_text(chunks) == list(DEFAULT_CHUNKS[:4])


async def test_openai_non_streamed_and_models(
    openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
) -> None:
    openai_server.script(Reply(chunks=["Short", " answer"], stop_reason="length"))
    completion = await openai_client.chat.completions.create(
        model="gpt-5-mini",
        messages=MESSAGES,  # type: ignore[arg-type]
    )
    assert completion.choices[0].message.content == "Short answer"
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (17, 2)
    assert completion.model == "gpt-5-mini"
    models = [m.id async for m in openai_client.models.list()]
    assert models == ["gpt-4o-mini", "gpt-5-mini"]


# -- Anthropic -----------------------------------------------------------------


async def test_anthropic_stream_assembles_text_and_usage(
    anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    events, error = await anthropic_chat(anthropic_client)
    assert error is None
    # The SDK drops ping; the wire test below sees it.
    assert [e.type for e in events] == [
        "message_start",
        "content_block_start",
        *["content_block_delta"] * 6,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert anthropic_text(events) == list(DEFAULT_CHUNKS)
    assert events[0].message.usage.input_tokens == INPUT_TOKENS
    assert events[0].message.id == "msg_fake0001"
    assert events[-2].usage.output_tokens == 6
    assert events[-2].delta.stop_reason == "end_turn"
    request = anthropic_server.requests[-1]
    assert (request.method, request.path) == ("POST", "/v1/messages")
    # This SDK sends the API key as a bearer token, not as x-api-key.
    assert request.headers["authorization"] == "Bearer test"
    assert "anthropic-version" in request.headers
    assert request.body["max_tokens"] == 256


async def test_anthropic_stream_helper_builds_final_message(
    anthropic_client: anthropic.AsyncAnthropic,
) -> None:
    async with anthropic_client.messages.stream(
        model="claude-haiku-4-5", max_tokens=64, messages=MESSAGES
    ) as stream:
        texts = [text async for text in stream.text_stream]
        final = await stream.get_final_message()
    assert texts == list(DEFAULT_CHUNKS)
    assert final.content[0].type == "text" and final.content[0].text == DEFAULT_TEXT
    assert (final.usage.input_tokens, final.usage.output_tokens) == (17, 6)
    assert final.stop_reason == "end_turn"


async def test_anthropic_wire_has_named_events_and_ping(anthropic_server: FakeAnthropic) -> None:
    status, lines = await raw_lines(
        anthropic_server.url + "/v1/messages",
        {"model": "m", "max_tokens": 5, "messages": MESSAGES, "stream": True},
    )
    assert status == 200
    names = [line.removeprefix(b"event: ").decode() for line in lines if line.startswith(b"event")]
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        *["content_block_delta"] * 6,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    data = [json.loads(line[6:]) for line in lines if line.startswith(b"data: ")]
    assert [d["type"] for d in data] == names


@pytest.mark.parametrize(
    ("status", "error_class", "error_type"),
    [
        (401, anthropic.AuthenticationError, "authentication_error"),
        (404, anthropic.NotFoundError, "not_found_error"),
        (429, anthropic.RateLimitError, "rate_limit_error"),
        (500, anthropic.InternalServerError, "api_error"),
        (529, anthropic.OverloadedError, "overloaded_error"),
    ],
)
async def test_anthropic_status_errors(
    anthropic_server: FakeAnthropic,
    anthropic_client: anthropic.AsyncAnthropic,
    status: int,
    error_class: type[anthropic.APIStatusError],
    error_type: str,
) -> None:
    anthropic_server.script(Reply(status=status, retry_after=1.5))
    events, error = await anthropic_chat(anthropic_client)
    assert events == []
    assert type(error) is error_class
    assert isinstance(error, anthropic.APIStatusError)
    assert error.status_code == status
    assert isinstance(error.body, dict)
    assert error.body["type"] == "error"
    assert error.body["error"]["type"] == error_type
    assert error.response.headers["retry-after"] == "1.5"
    assert error.response.headers["request-id"] == "req_fake0001"


async def test_anthropic_error_event_after_first_deltas(
    anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    anthropic_server.script(Reply(error_event_after=2))
    events, error = await anthropic_chat(anthropic_client)
    assert isinstance(error, anthropic.APIStatusError)
    # Sent after the 200 status line, so the status is 200, as with the real API.
    assert error.status_code == 200
    assert isinstance(error.body, dict)
    assert error.body["error"] == {"type": "overloaded_error", "message": "Overloaded"}
    assert anthropic_text(events) == FIRST_TWO


@pytest.mark.parametrize(
    ("mode", "error_class"), [("close", httpx2.RemoteProtocolError), ("reset", httpx2.ReadError)]
)
async def test_anthropic_cut_keeps_first_deltas(
    anthropic_server: FakeAnthropic,
    anthropic_client: anthropic.AsyncAnthropic,
    mode: str,
    error_class: type[Exception],
) -> None:
    anthropic_server.script(Reply(cut_after=2, cut_mode=mode))  # type: ignore[arg-type]
    events, error = await anthropic_chat(anthropic_client)
    # The SDK does not wrap transport errors raised mid-stream.
    assert type(error) is error_class
    assert anthropic_text(events) == FIRST_TWO


async def test_anthropic_omit_final_ends_without_message_stop(
    anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    anthropic_server.script(Reply(omit_final=True))
    events, error = await anthropic_chat(anthropic_client)
    assert error is None
    assert anthropic_text(events) == list(DEFAULT_CHUNKS)
    assert events[-1].type == "content_block_delta"


async def test_anthropic_split_frames_decode_the_same(
    anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    anthropic_server.script(Reply(split_frames=True))
    events, error = await anthropic_chat(anthropic_client)
    assert error is None
    assert anthropic_text(events) == list(DEFAULT_CHUNKS)
    assert events[-1].type == "message_stop"


async def test_anthropic_malformed_frame(
    anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
) -> None:
    anthropic_server.script(Reply(malformed_after=0))
    events, error = await anthropic_chat(anthropic_client)
    assert isinstance(error, json.JSONDecodeError)
    assert [e.type for e in events] == ["message_start", "content_block_start"]


async def test_anthropic_non_streamed_and_models(
    anthropic_client: anthropic.AsyncAnthropic,
) -> None:
    message = await anthropic_client.messages.create(
        model="claude-haiku-4-5", max_tokens=64, messages=MESSAGES
    )
    assert message.content[0].type == "text" and message.content[0].text == DEFAULT_TEXT
    assert (message.usage.input_tokens, message.usage.output_tokens) == (17, 6)
    models = [m.id async for m in anthropic_client.models.list()]
    assert models == ["claude-opus-4-5", "claude-haiku-4-5"]
