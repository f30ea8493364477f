"""The fake Ollama, driven through ollama-python: what a client of the real server sees.

Sources: ollama/ollama v0.33.0-rc2 (server/routes.go, server/prompt.go,
server/sched.go, llm/llama_server.go, api/types.go) and docs/api.md,
docs/capabilities/thinking.mdx; each test names the one it checks.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import ollama
import pytest

from fakes import (
    DEFAULT_CHUNKS,
    DEFAULT_TEXT,
    OLLAMA_CLOUD_HOST,
    PULL_TOTAL,
    FakeOllama,
    Reply,
    prompt_tokens,
)
from sdk_streams import MESSAGES, ollama_chat, ollama_text, raw_lines

PROMPT = prompt_tokens(MESSAGES)
FIRST_TWO = list(DEFAULT_CHUNKS[:2])
THINKING = ("Let me", " think", " about trees.")


class TestStreaming:
    """NDJSON chunks, as ollama-python reads them, broken the ways real streams break."""

    async def test_a_stream_assembles_text_and_usage(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        parts, error = await ollama_chat(ollama_client)
        assert error is None
        assert ollama_text(parts) == list(DEFAULT_CHUNKS)
        assert [p.done for p in parts] == [False] * 6 + [True]
        final = parts[-1]
        assert (final.done_reason, final.prompt_eval_count, final.eval_count) == ("stop", PROMPT, 6)
        assert final.message.content == ""
        request = ollama_server.requests[-1]
        assert (request.method, request.path) == ("POST", "/api/chat")
        assert request.body["model"] == "qwen3:4b"
        assert request.body["messages"] == MESSAGES
        assert request.headers["content-type"] == "application/json"
        assert ollama_server.chat_requests == [request]

    async def test_the_wire_is_ndjson(self, ollama_server: FakeOllama) -> None:
        status, lines = await raw_lines(
            ollama_server.url + "/api/chat", {"model": "qwen3:4b", "messages": MESSAGES}
        )
        assert status == 200
        assert lines[-1] == b""
        objects = [json.loads(line) for line in lines[:-1]]
        assert [o["message"]["content"] for o in objects] == [*DEFAULT_CHUNKS, ""]
        assert objects[0]["message"]["role"] == "assistant"
        assert objects[0]["created_at"].endswith("Z")
        assert set(objects[-1]) >= {
            "done_reason",
            "total_duration",
            "eval_count",
            "prompt_eval_count",
        }

    @pytest.mark.parametrize(
        ("mode", "error_class"), [("close", httpx.RemoteProtocolError), ("reset", httpx.ReadError)]
    )
    async def test_a_cut_keeps_the_first_deltas(
        self,
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

    async def test_omit_final_ends_without_done(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        ollama_server.script(Reply(omit_final=True))
        parts, error = await ollama_chat(ollama_client)
        assert error is None
        assert ollama_text(parts) == list(DEFAULT_CHUNKS)
        assert not any(p.done for p in parts)

    async def test_split_frames_decode_the_same(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        ollama_server.script(Reply(split_frames=True))
        parts, error = await ollama_chat(ollama_client)
        assert error is None
        assert ollama_text(parts) == list(DEFAULT_CHUNKS)
        assert parts[-1].eval_count == 6

    async def test_an_error_line_mid_stream(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        ollama_server.script(Reply(error_event_after=3, error_message="model runner crashed"))
        parts, error = await ollama_chat(ollama_client)
        assert isinstance(error, ollama.ResponseError)
        assert error.error == "model runner crashed"
        assert ollama_text(parts) == list(DEFAULT_CHUNKS[:3])

    async def test_a_malformed_line(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        ollama_server.script(Reply(malformed_after=1))
        parts, error = await ollama_chat(ollama_client)
        assert isinstance(error, json.JSONDecodeError)
        assert ollama_text(parts) == [DEFAULT_CHUNKS[0]]

    async def test_a_short_stall_then_the_whole_answer(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        ollama_server.script(Reply(chunks=["a", "b"], stall_after=1, stall_seconds=0.3))
        started = time.monotonic()
        parts, error = await ollama_chat(ollama_client)
        assert error is None
        assert ollama_text(parts) == ["a", "b"]
        assert parts[-1].eval_count == 2
        assert time.monotonic() - started >= 0.3

    async def test_delay_paces_and_streams_run_concurrently(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        paced = Reply(chunks=["x", "y", "z"], delay=0.15)
        ollama_server.script(paced, paced)
        started = time.monotonic()
        results = await asyncio.gather(ollama_chat(ollama_client), ollama_chat(ollama_client))
        elapsed = time.monotonic() - started
        assert [ollama_text(parts) for parts, _ in results] == [["x", "y", "z"]] * 2
        # Each took two delays (0.3 s); one after the other would be 0.6 s.
        assert 0.3 <= elapsed < 0.55

    async def test_the_script_is_fifo_then_default(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
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

    async def test_a_non_streamed_chat(self, ollama_client: ollama.AsyncClient) -> None:
        response = await ollama_client.chat(model="qwen3:4b", messages=MESSAGES, stream=False)
        assert response.message.content == DEFAULT_TEXT
        assert (response.done, response.prompt_eval_count, response.eval_count) == (True, PROMPT, 6)


class TestErrors:
    """Error statuses with Ollama's bodies."""

    async def test_an_unknown_model_is_404(self, ollama_client: ollama.AsyncClient) -> None:
        parts, error = await ollama_chat(ollama_client, model="nope:1b")
        assert parts == []
        assert isinstance(error, ollama.ResponseError)
        assert error.status_code == 404
        # server/routes.go ChatHandler: getModel finds no manifest.
        assert error.error == "model 'nope:1b' not found"

    @pytest.mark.parametrize(
        ("status", "message"),
        [
            (401, "unauthorized"),
            (404, "model 'qwen3:4b' not found"),
            (500, "an error was encountered while running the model"),
            (503, "server busy, please try again.  maximum pending requests exceeded"),
        ],
    )
    async def test_status_errors(
        self,
        ollama_server: FakeOllama,
        ollama_client: ollama.AsyncClient,
        status: int,
        message: str,
    ) -> None:
        ollama_server.script(Reply(status=status))
        parts, error = await ollama_chat(ollama_client)
        assert parts == []
        assert isinstance(error, ollama.ResponseError)
        assert (error.status_code, error.error) == (status, message)

    async def test_the_retry_after_header(self, ollama_server: FakeOllama) -> None:
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


class TestModels:
    """Listing, pulling and showing models."""

    async def test_a_pull_streams_progress_then_lists_the_model(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
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

    async def test_a_pull_of_an_unknown_model_errors_in_the_stream(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        statuses = []
        with pytest.raises(ollama.ResponseError) as caught:
            async for progress in await ollama_client.pull("nosuch:7b", stream=True):
                statuses.append(progress.status)
        assert statuses == ["pulling manifest"]
        assert caught.value.error == "pull model manifest: file does not exist"
        assert "nosuch:7b" not in ollama_server.models

    async def test_show_reports_the_remote_host_of_cloud_models(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
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


class TestShow:
    """/api/show describes the model as server/routes.go GetModelInfo does."""

    async def test_show_reports_capabilities_context_length_and_family(
        self, ollama_client: ollama.AsyncClient
    ) -> None:
        shown = await ollama_client.show("qwen3:4b")
        assert shown.capabilities == ["completion", "tools", "thinking"]
        assert shown.modelinfo is not None
        assert shown.modelinfo["qwen3.context_length"] == 40960
        assert shown.modelinfo["general.architecture"] == "qwen3"
        assert shown.details is not None and shown.details.family == "qwen3"
        await ollama_client.pull("llama3.2:1b")
        plain = await ollama_client.show("llama3.2:1b")
        assert plain.capabilities == ["completion", "tools"]
        assert plain.modelinfo is not None and plain.modelinfo["llama.context_length"] == 131072

    async def test_show_can_be_scripted_to_fail(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        ollama_server.script(Reply(status=429, retry_after=2), path="/api/show")
        with pytest.raises(ollama.ResponseError) as caught:
            await ollama_client.show("qwen3:4b")
        assert caught.value.status_code == 429
        assert (await ollama_client.show("qwen3:4b")).capabilities is not None


class TestGateways:
    async def test_an_error_body_can_echo_a_request_header(self, ollama_server: FakeOllama) -> None:
        ollama_server.script(Reply(status=401, echo_headers=("authorization",)))
        client = ollama.AsyncClient(
            host=ollama_server.url, headers={"Authorization": "Bearer sk-secret"}
        )
        _, error = await ollama_chat(client)
        assert isinstance(error, ollama.ResponseError)
        assert error.error == "unauthorized (request authorization: Bearer sk-secret)"
        await client._client.aclose()

    async def test_a_wrongly_typed_content_reaches_the_client_as_sent(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        ollama_server.script(Reply(wrong_type_after=1))
        parts, error = await ollama_chat(ollama_client)
        # ollama-python validates each line: the number is refused there.
        assert error is not None
        assert ollama_text(parts) == [DEFAULT_CHUNKS[0]]
