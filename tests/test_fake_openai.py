"""The fake OpenAI (and OpenAI-compatible servers), driven through openai-python.

Sources: openai-python 3.57.0 (types, docstrings); issue reports quoting
OpenAI's response bodies; ggml-org/llama.cpp tools/server; vllm-project/vllm
serving_engine.py and docs/features/reasoning_outputs.md. Each test names its own.
"""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import openai
import pytest

from fakes import DEFAULT_CHUNKS, FakeOpenAI, Reply, prompt_tokens
from sdk_streams import MESSAGES, OpenAIServers, openai_chat, openai_field, openai_text, raw_lines

PROMPT = prompt_tokens(MESSAGES)
FIRST_TWO = list(DEFAULT_CHUNKS[:2])
THINKING = ("Plan", " the", " answer", ".")


class TestStreaming:
    """Server-sent chunks, as openai-python reads them, broken the ways real streams break."""

    async def test_a_stream_assembles_text_and_usage(
        self, openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
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
        assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (PROMPT, 6)
        assert last.usage.total_tokens == PROMPT + 6
        assert {c.id for c in chunks} == {"chatcmpl-fake0001"}
        request = openai_server.requests[-1]
        assert (request.method, request.path) == ("POST", "/v1/chat/completions")
        assert request.headers["authorization"] == "Bearer test"
        assert request.body["stream"] is True
        assert request.body["stream_options"] == {"include_usage": True}

    async def test_without_include_usage_there_is_no_usage_chunk(
        self,
        openai_client: openai.AsyncOpenAI,
    ) -> None:
        chunks, error = await openai_chat(openai_client, include_usage=False)
        assert error is None
        assert len(chunks) == 8
        assert chunks[-1].choices[0].finish_reason == "stop"
        assert all(c.usage is None for c in chunks)

    async def test_the_wire_ends_with_done(self, openai_server: FakeOpenAI) -> None:
        status, lines = await raw_lines(
            openai_server.base_url + "/chat/completions",
            {"model": "m", "messages": MESSAGES, "stream": True},
        )
        assert status == 200
        assert lines[-3:] == [b"data: [DONE]", b"", b""]
        assert all(line.startswith(b"data: ") for line in lines[::2] if line)

    @pytest.mark.parametrize("mode", ["close", "reset"])
    async def test_a_cut_raises_a_connection_error_after_the_first_deltas(
        self, openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI, mode: str
    ) -> None:
        openai_server.script(Reply(cut_after=2, cut_mode=mode))  # type: ignore[arg-type]
        chunks, error = await openai_chat(openai_client)
        assert type(error) is openai.APIConnectionError
        assert openai_text(chunks) == FIRST_TWO

    async def test_omit_final_ends_without_done(
        self, openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
    ) -> None:
        openai_server.script(Reply(omit_final=True))
        chunks, error = await openai_chat(openai_client)
        assert error is None
        assert openai_text(chunks) == list(DEFAULT_CHUNKS)
        assert all(c.choices and c.choices[0].finish_reason is None for c in chunks)
        assert all(c.usage is None for c in chunks)

    async def test_split_frames_decode_the_same(
        self, openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
    ) -> None:
        openai_server.script(Reply(split_frames=True))
        chunks, error = await openai_chat(openai_client)
        assert error is None
        assert openai_text(chunks) == list(DEFAULT_CHUNKS)
        assert chunks[-1].usage.completion_tokens == 6

    async def test_an_error_frame_mid_stream(
        self, openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
    ) -> None:
        openai_server.script(Reply(error_event_after=2))
        chunks, error = await openai_chat(openai_client)
        assert type(error) is openai.APIError
        assert error.message == (
            "The server had an error while processing your request. Sorry about that!"
        )
        assert error.type == "server_error"
        assert openai_text(chunks) == FIRST_TWO

    async def test_a_malformed_frame(
        self, openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
    ) -> None:
        openai_server.script(Reply(malformed_after=4))
        chunks, error = await openai_chat(openai_client)
        assert isinstance(error, json.JSONDecodeError)
        assert openai_text(chunks) == list(DEFAULT_CHUNKS[:4])

    async def test_a_non_streamed_answer_and_the_models(
        self, openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
    ) -> None:
        openai_server.script(Reply(chunks=["Short", " answer"], stop_reason="length"))
        completion = await openai_client.chat.completions.create(
            model="gpt-5-mini",
            messages=MESSAGES,  # type: ignore[arg-type]
        )
        assert completion.choices[0].message.content == "Short answer"
        assert completion.choices[0].finish_reason == "length"
        assert completion.usage is not None
        assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (PROMPT, 2)
        assert completion.model == "gpt-5-mini"
        models = [m.id async for m in openai_client.models.list()]
        assert models == ["gpt-4o-mini", "gpt-5-mini"]


class TestErrors:
    """Error statuses with OpenAI's bodies."""

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
    async def test_status_errors(
        self,
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


class TestReasoningModels:
    """OpenAI's gpt-5 family and o-series, on chat completions."""

    async def test_max_tokens_is_refused_with_openais_body(
        self, openai_client: openai.AsyncOpenAI
    ) -> None:
        # The body quoted in griptape-ai/ComfyUI-Griptape#312 and fish2018/YPrompt#26.
        _, error = await openai_chat(openai_client, model="gpt-5-mini", max_tokens=100)
        assert isinstance(error, openai.BadRequestError)
        assert error.body == {
            "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            "type": "invalid_request_error",
            "param": "max_tokens",
            "code": "unsupported_parameter",
        }
        # The same parameter is fine for a model that does not reason.
        _, error = await openai_chat(openai_client, model="gpt-4o-mini", max_tokens=100)
        assert error is None

    async def test_a_temperature_other_than_1_is_refused(
        self, openai_client: openai.AsyncOpenAI
    ) -> None:
        # gabrii/Cursor-Azure-GPT-5#33, johny-b/llmcomp#69 quote this body.
        _, error = await openai_chat(openai_client, model="o4-mini", temperature=0.7)
        assert isinstance(error, openai.BadRequestError)
        assert error.body == {
            "message": "Unsupported value: 'temperature' does not support 0.7 with this model. "
            "Only the default (1) value is supported.",
            "type": "invalid_request_error",
            "param": "temperature",
            "code": "unsupported_value",
        }
        _, error = await openai_chat(openai_client, model="o4-mini", temperature=1)
        assert error is None

    async def test_reasoning_effort_takes_what_the_model_lists(
        self, openai_servers: OpenAIServers
    ) -> None:
        # openai-python types/shared/reasoning_effort.py lists every value; a
        # model refusing one says which it takes (bodies quoted in third-party code).
        _, client = openai_servers(
            reasoning_efforts={"gpt-5-mini": ("minimal", "low", "medium", "high")}
        )
        _, error = await openai_chat(client, model="gpt-5-mini", reasoning_effort="none")
        assert isinstance(error, openai.BadRequestError)
        assert isinstance(error.body, dict)
        assert error.body["message"] == (
            "Unsupported value: 'reasoning_effort' does not support 'none' with this model. "
            "Supported values are: 'minimal', 'low', 'medium', and 'high'."
        )
        assert (error.body["param"], error.body["code"]) == (
            "reasoning_effort",
            "unsupported_value",
        )
        _, error = await openai_chat(client, model="gpt-5-mini", reasoning_effort="low")
        assert error is None
        _, error = await openai_chat(client, model="gpt-5", reasoning_effort="xhigh")
        assert error is None

    async def test_max_completion_tokens_bounds_hidden_reasoning_and_text(
        self, openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
    ) -> None:
        # openai-python completions.py: max_completion_tokens bounds "visible
        # output tokens and reasoning tokens"; types/completion_usage.py.
        openai_server.script(Reply(thinking=THINKING))
        chunks, error = await openai_chat(
            openai_client, model="gpt-5-mini", max_completion_tokens=7
        )
        assert error is None
        assert openai_text(chunks) == list(DEFAULT_CHUNKS[:3])
        assert openai_field(chunks, "reasoning") == openai_field(chunks, "reasoning_content") == []
        assert chunks[-2].choices[0].finish_reason == "length"
        usage = chunks[-1].usage
        assert (usage.completion_tokens, usage.completion_tokens_details.reasoning_tokens) == (7, 4)

    async def test_a_budget_spent_on_reasoning_leaves_the_answer_empty(
        self, openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
    ) -> None:
        # Reported for o1 and gpt-5-nano: content "", finish_reason "length",
        # completion_tokens == reasoning_tokens.
        openai_server.script(Reply(thinking=THINKING))
        completion = await openai_client.chat.completions.create(
            model="gpt-5-nano",
            messages=MESSAGES,  # type: ignore[arg-type]
            max_completion_tokens=4,
        )
        assert completion.choices[0].message.content == ""
        assert completion.choices[0].finish_reason == "length"
        assert completion.usage is not None and completion.usage.completion_tokens == 4
        details = completion.usage.completion_tokens_details
        assert details is not None and details.reasoning_tokens == 4

    async def test_hidden_reasoning_takes_its_time_before_the_first_chunk(
        self, openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
    ) -> None:
        # No reasoning text is streamed on chat completions: the time to the first
        # token includes it (the role chunk comes after it; unconfirmed).
        openai_server.script(Reply(thinking=THINKING, chunks=("A",), delay=0.1))
        started = time.monotonic()
        stream = await openai_client.chat.completions.create(
            model="gpt-5-mini",
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
        )
        first = await anext(aiter(stream))
        assert time.monotonic() - started >= 0.4
        assert first.choices[0].delta.role == "assistant"
        await stream.close()

    async def test_usage_reports_cached_prompt_tokens(
        self, openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
    ) -> None:
        openai_server.script(Reply(cached_tokens=6))
        chunks, _ = await openai_chat(openai_client)
        usage = chunks[-1].usage
        assert usage.prompt_tokens == PROMPT
        assert usage.prompt_tokens_details.cached_tokens == 6
        assert usage.completion_tokens_details.reasoning_tokens == 0

    async def test_a_model_that_does_not_reason_spends_nothing_on_it(
        self, openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
    ) -> None:
        openai_server.script(Reply(thinking=THINKING, chunks=("A",)))
        chunks, _ = await openai_chat(openai_client, model="gpt-4o-mini")
        assert openai_text(chunks) == ["A"]
        assert chunks[-1].usage.completion_tokens == 1


class TestGateways:
    """What proxies, gateways and odd servers do to a stream."""

    @pytest.mark.parametrize("status", [400, 401, 500])
    async def test_an_error_body_can_echo_the_authorization_header(
        self, openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI, status: int
    ) -> None:
        openai_server.script(Reply(status=status, echo_headers=("authorization",)))
        _, error = await openai_chat(openai_client)
        assert isinstance(error, openai.APIStatusError) and error.status_code == status
        assert "(request authorization: Bearer test)" in error.message

    async def test_keep_alives_hold_a_stream_open_with_no_data(
        self, openai_server: FakeOpenAI
    ) -> None:
        openai_server.script(Reply(keepalive_after=2, keepalive_every=0.05))
        client = openai.AsyncOpenAI(
            base_url=openai_server.base_url,
            api_key="test",
            max_retries=0,
            timeout=httpx.Timeout(0.3),
        )
        stream = await client.chat.completions.create(
            model="gpt-4o-mini",
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
        )
        chunks = aiter(stream)
        seen = [await anext(chunks) for _ in range(3)]
        assert openai_text(seen) == FIRST_TWO
        # The read timeout (0.3 s) never fires, yet nothing more arrives.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(anext(chunks), 1.0)
        await stream.close()
        await client.close()

    async def test_keep_alives_are_sse_comment_lines(self, openai_server: FakeOpenAI) -> None:
        openai_server.script(Reply(keepalive_after=0, keepalive_every=0.05))
        async with (
            httpx.AsyncClient() as client,
            client.stream(
                "POST",
                openai_server.base_url + "/chat/completions",
                json={"model": "m", "messages": MESSAGES, "stream": True},
            ) as response,
        ):
            lines = []
            async for line in response.aiter_lines():
                lines.append(line)
                if len(lines) == 6:
                    break
        assert lines[0].startswith("data: ")
        assert [line for line in lines[1:] if line] == [": keep-alive"] * 2

    async def test_a_content_of_the_wrong_type_reaches_the_client(
        self, openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
    ) -> None:
        openai_server.script(Reply(wrong_type_after=1))
        chunks, error = await openai_chat(openai_client)
        assert error is None
        # openai-python builds stream chunks without validating them.
        assert [c.choices[0].delta.content for c in chunks[1:4]] == [
            DEFAULT_CHUNKS[0],
            42,
            DEFAULT_CHUNKS[1],
        ]

    async def test_a_redirect_sends_the_request_elsewhere(
        self, openai_server: FakeOpenAI, openai_client: openai.AsyncOpenAI
    ) -> None:
        with FakeOpenAI() as elsewhere:
            target = elsewhere.base_url + "/chat/completions"
            openai_server.script(Reply(redirect_to=target))
            chunks, error = await openai_chat(openai_client)
            # httpx, under openai-python, follows a 307 with the same method and body.
            assert error is None and openai_text(chunks) == list(DEFAULT_CHUNKS)
            assert len(openai_server.chat_requests) == 1
            [followed] = elsewhere.chat_requests
            assert followed.body["messages"] == MESSAGES
            # Another origin: httpx drops the Authorization header on the way.
            assert "authorization" not in followed.headers
