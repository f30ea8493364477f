"""The fake Anthropic Messages API, driven through the anthropic SDK.

Sources: docs.anthropic.com messages-streaming; the SDK's types and
docstrings (anthropic 2.14.0); issue reports quoting the API's refusals.
Each test names its own.
"""

from __future__ import annotations

import json

import anthropic
import httpx
import httpx2
import pytest

from fakes import DEFAULT_CHUNKS, DEFAULT_TEXT, FakeAnthropic, Reply, prompt_tokens
from sdk_streams import (
    MESSAGES,
    anthropic_chat,
    anthropic_text,
    anthropic_thinking,
    raw_lines,
)

PROMPT = prompt_tokens(MESSAGES)
FIRST_TWO = list(DEFAULT_CHUNKS[:2])
THINKING = ("Weigh", " the", " options", ".")
ENABLED = {"type": "enabled", "budget_tokens": 1024}


class TestStreaming:
    """Named server-sent events, as the SDK reads them, broken the ways real streams break."""

    async def test_a_stream_assembles_text_and_usage(
        self, anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
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
        assert events[0].message.usage.input_tokens == PROMPT
        assert events[0].message.id == "msg_fake0001"
        assert events[-2].usage.output_tokens == 6
        assert events[-2].delta.stop_reason == "end_turn"
        request = anthropic_server.requests[-1]
        assert (request.method, request.path) == ("POST", "/v1/messages")
        # This SDK sends the API key as a bearer token, not as x-api-key.
        assert request.headers["authorization"] == "Bearer test"
        assert "anthropic-version" in request.headers
        assert request.body["max_tokens"] == 256

    async def test_the_stream_helper_builds_the_final_message(
        self,
        anthropic_client: anthropic.AsyncAnthropic,
    ) -> None:
        async with anthropic_client.messages.stream(
            model="claude-haiku-4-5", max_tokens=64, messages=MESSAGES
        ) as stream:
            texts = [text async for text in stream.text_stream]
            final = await stream.get_final_message()
        assert texts == list(DEFAULT_CHUNKS)
        assert final.content[0].type == "text" and final.content[0].text == DEFAULT_TEXT
        assert (final.usage.input_tokens, final.usage.output_tokens) == (PROMPT, 6)
        assert final.stop_reason == "end_turn"

    async def test_the_wire_has_named_events_and_a_ping(
        self, anthropic_server: FakeAnthropic
    ) -> None:
        status, lines = await raw_lines(
            anthropic_server.url + "/v1/messages",
            {"model": "m", "max_tokens": 50, "messages": MESSAGES, "stream": True},
        )
        assert status == 200
        names = [
            line.removeprefix(b"event: ").decode() for line in lines if line.startswith(b"event")
        ]
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

    async def test_an_error_event_after_the_first_deltas(
        self, anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
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
        ("mode", "error_class"),
        [("close", httpx2.RemoteProtocolError), ("reset", httpx2.ReadError)],
    )
    async def test_a_cut_keeps_the_first_deltas(
        self,
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

    async def test_omit_final_ends_without_message_stop(
        self, anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
    ) -> None:
        anthropic_server.script(Reply(omit_final=True))
        events, error = await anthropic_chat(anthropic_client)
        assert error is None
        assert anthropic_text(events) == list(DEFAULT_CHUNKS)
        assert events[-1].type == "content_block_delta"

    async def test_split_frames_decode_the_same(
        self, anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
    ) -> None:
        anthropic_server.script(Reply(split_frames=True))
        events, error = await anthropic_chat(anthropic_client)
        assert error is None
        assert anthropic_text(events) == list(DEFAULT_CHUNKS)
        assert events[-1].type == "message_stop"

    async def test_a_malformed_frame(
        self, anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
    ) -> None:
        anthropic_server.script(Reply(malformed_after=0))
        events, error = await anthropic_chat(anthropic_client)
        assert isinstance(error, json.JSONDecodeError)
        assert [e.type for e in events] == ["message_start", "content_block_start"]

    async def test_a_non_streamed_answer_and_the_models(
        self,
        anthropic_client: anthropic.AsyncAnthropic,
    ) -> None:
        message = await anthropic_client.messages.create(
            model="claude-haiku-4-5", max_tokens=64, messages=MESSAGES
        )
        assert message.content[0].type == "text" and message.content[0].text == DEFAULT_TEXT
        assert (message.usage.input_tokens, message.usage.output_tokens) == (PROMPT, 6)
        models = [m.id async for m in anthropic_client.models.list()]
        assert models == ["claude-opus-4-5", "claude-haiku-4-5"]


class TestErrors:
    """Error statuses with Anthropic's bodies."""

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
    async def test_status_errors(
        self,
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


class TestThinking:
    """Extended and adaptive thinking (SDK types/thinking_config_*.py, messages.py)."""

    async def test_a_thinking_block_streams_before_the_text_block(
        self, anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
    ) -> None:
        # thinking_delta events, then signature_delta "just before the block's
        # content_block_stop" (types/signature_delta.py), then the text block.
        anthropic_server.script(Reply(thinking=THINKING, chunks=("A", "B")))
        events, error = await anthropic_chat(anthropic_client, max_tokens=2048, thinking=ENABLED)
        assert error is None
        assert anthropic_thinking(events) == list(THINKING)
        assert anthropic_text(events) == ["A", "B"]
        kinds = [
            (e.type, getattr(e, "index", None), getattr(getattr(e, "delta", None), "type", None))
            for e in events
            if e.type.startswith("content_block")
        ]
        assert kinds[0] == ("content_block_start", 0, None)
        assert kinds[5:8] == [
            ("content_block_delta", 0, "signature_delta"),
            ("content_block_stop", 0, None),
            ("content_block_start", 1, None),
        ]
        assert events[-2].usage.output_tokens == 6

    async def test_the_stream_helper_builds_a_thinking_block_and_a_text_block(
        self, anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
    ) -> None:
        anthropic_server.script(Reply(thinking=THINKING, chunks=("A",)))
        async with anthropic_client.messages.stream(
            model="claude-sonnet-4-6", max_tokens=2048, messages=MESSAGES, thinking=ENABLED
        ) as stream:
            final = await stream.get_final_message()
        assert [block.type for block in final.content] == ["thinking", "text"]
        thinking = final.content[0]
        assert thinking.type == "thinking" and thinking.thinking == "".join(THINKING)
        assert thinking.signature

    async def test_no_thinking_is_sent_unless_asked(
        self, anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
    ) -> None:
        anthropic_server.script(Reply(thinking=THINKING, chunks=("A",)))
        events, _ = await anthropic_chat(anthropic_client)
        assert anthropic_thinking(events) == [] and anthropic_text(events) == ["A"]
        assert events[-2].usage.output_tokens == 1

    async def test_adaptive_thinking_thinks_and_omitted_display_hides_the_text(
        self, anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
    ) -> None:
        # display "omitted": "thinking content is redacted but a signature is returned".
        anthropic_server.script(Reply(thinking=THINKING), Reply(thinking=THINKING))
        events, _ = await anthropic_chat(anthropic_client, thinking={"type": "adaptive"})
        assert anthropic_thinking(events) == list(THINKING)
        events, _ = await anthropic_chat(
            anthropic_client, thinking={"type": "adaptive", "display": "omitted"}
        )
        assert anthropic_thinking(events) == []
        assert any(
            e.type == "content_block_delta" and e.delta.type == "signature_delta" for e in events
        )
        assert anthropic_text(events) == list(DEFAULT_CHUNKS)

    async def test_thinking_counts_toward_max_tokens(
        self, anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
    ) -> None:
        # messages.py: max_tokens bounds thinking and text together; the
        # budget bounds the thinking.
        anthropic_server.script(Reply(thinking=("t",) * 1100))
        events, _ = await anthropic_chat(anthropic_client, max_tokens=1026, thinking=ENABLED)
        assert len(anthropic_thinking(events)) == 1024
        assert anthropic_text(events) == FIRST_TWO
        assert events[-2].delta.stop_reason == "max_tokens"
        assert events[-2].usage.output_tokens == 1026

    @pytest.mark.parametrize(
        ("budget", "max_tokens", "message"),
        [
            # themaximalist/llm.js#30
            (
                512,
                2048,
                "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024",
            ),
            # ThinkingConfigEnabledParam: "less than `max_tokens`"
            (2048, 2048, "`max_tokens` must be greater than `thinking.budget_tokens`."),
        ],
    )
    async def test_a_budget_out_of_bounds_is_refused(
        self,
        anthropic_client: anthropic.AsyncAnthropic,
        budget: int,
        max_tokens: int,
        message: str,
    ) -> None:
        _, error = await anthropic_chat(
            anthropic_client,
            max_tokens=max_tokens,
            thinking={"type": "enabled", "budget_tokens": budget},
        )
        assert isinstance(error, anthropic.BadRequestError)
        assert isinstance(error.body, dict)
        assert error.body["error"] == {"type": "invalid_request_error", "message": message}


class TestStopReasons:
    """types/stop_reason.py."""

    async def test_max_tokens_ends_the_answer(
        self, anthropic_client: anthropic.AsyncAnthropic
    ) -> None:
        events, _ = await anthropic_chat(anthropic_client, max_tokens=4)
        assert anthropic_text(events) == list(DEFAULT_CHUNKS[:4])
        assert events[-2].delta.stop_reason == "max_tokens"

    @pytest.mark.parametrize("reason", ["refusal", "model_context_window_exceeded"])
    async def test_a_scripted_stop_reason_arrives(
        self,
        anthropic_server: FakeAnthropic,
        anthropic_client: anthropic.AsyncAnthropic,
        reason: str,
    ) -> None:
        anthropic_server.script(Reply(chunks=("I can't",), stop_reason=reason))
        events, _ = await anthropic_chat(anthropic_client)
        assert events[-2].delta.stop_reason == reason


class TestRefusals:
    """What the API refuses before answering."""

    async def test_an_overloaded_error_can_come_before_any_text(
        self, anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
    ) -> None:
        # messages-streaming docs: an error event, e.g. overloaded_error, "which
        # would normally correspond to an HTTP 529", inside a 200 stream.
        anthropic_server.script(Reply(error_event_after=0))
        events, error = await anthropic_chat(anthropic_client)
        assert isinstance(error, anthropic.APIStatusError)
        assert isinstance(error.body, dict)
        assert error.body["error"]["type"] == "overloaded_error"
        assert anthropic_text(events) == []

    async def test_temperature_is_refused_by_opus_4_7_and_later(
        self, anthropic_client: anthropic.AsyncAnthropic
    ) -> None:
        # UKGovernmentBEIS/inspect_ai#3721, BoltAI/BoltAI#410. SDK 2.14.0 has no
        # temperature argument: it goes in extra_body.
        _, error = await anthropic_chat(
            anthropic_client, model="claude-opus-4-7", extra_body={"temperature": 0.7}
        )
        assert isinstance(error, anthropic.BadRequestError)
        assert isinstance(error.body, dict)
        assert error.body["error"]["message"] == "`temperature` is deprecated for this model."
        _, error = await anthropic_chat(
            anthropic_client, model="claude-opus-4-6", extra_body={"temperature": 0.7}
        )
        assert error is None

    async def test_temperature_and_top_p_together_are_refused(
        self, anthropic_client: anthropic.AsyncAnthropic
    ) -> None:
        # Vali-98/ChatterUI#564 (sonnet-4-6), langfuse/langfuse#9882 (sonnet-4-5).
        _, error = await anthropic_chat(
            anthropic_client,
            model="claude-sonnet-4-6",
            extra_body={"temperature": 0.7, "top_p": 0.9},
        )
        assert isinstance(error, anthropic.BadRequestError)
        assert isinstance(error.body, dict)
        assert error.body["error"]["message"] == (
            "`temperature` and `top_p` cannot both be specified for this model. "
            "Please use only one."
        )

    async def test_a_prompt_over_the_context_window_is_refused(self) -> None:
        # "prompt is too long: 210503 tokens > 200000 maximum", as quoted in
        # third-party fixtures of the real answer.
        with FakeAnthropic(context_window=100) as server:
            client = anthropic.AsyncAnthropic(base_url=server.url, api_key="k", max_retries=0)
            messages = [{"role": "user", "content": "tree" * 200}]
            _, error = await anthropic_chat(client, messages=messages)
            assert isinstance(error, anthropic.BadRequestError)
            assert isinstance(error.body, dict)
            assert error.body["error"]["message"] == "prompt is too long: 204 tokens > 100 maximum"
            await client.close()

    async def test_an_error_body_can_echo_the_api_key(
        self, anthropic_server: FakeAnthropic
    ) -> None:
        anthropic_server.script(Reply(status=401, echo_headers=("x-api-key", "authorization")))
        async with httpx.AsyncClient() as client:
            response = await client.post(
                anthropic_server.url + "/v1/messages",
                json={"model": "m", "max_tokens": 5, "messages": MESSAGES},
                headers={"x-api-key": "sk-ant-secret"},
            )
        assert response.status_code == 401
        assert response.json()["error"]["message"] == (
            "invalid x-api-key (request x-api-key: sk-ant-secret)"
        )


class TestCache:
    """Prompt caching figures (types/usage.py: input = input + creation + read)."""

    async def test_cache_figures_come_with_cache_control(
        self, anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
    ) -> None:
        system = [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}]
        anthropic_server.script(*[Reply(cached_tokens=5, cache_write_tokens=3)] * 2)
        events, _ = await anthropic_chat(anthropic_client, system=system)
        usage = events[0].message.usage
        total = prompt_tokens(MESSAGES, system)
        assert (usage.cache_read_input_tokens, usage.cache_creation_input_tokens) == (5, 3)
        assert usage.input_tokens == total - 8
        events, _ = await anthropic_chat(anthropic_client)
        usage = events[0].message.usage
        assert (usage.cache_read_input_tokens, usage.cache_creation_input_tokens) == (0, 0)
        assert usage.input_tokens == PROMPT


class TestWire:
    async def test_pings_keep_a_quiet_stream_open(self, anthropic_server: FakeAnthropic) -> None:
        anthropic_server.script(Reply(keepalive_after=1, keepalive_every=0.05))
        async with (
            httpx.AsyncClient() as client,
            client.stream(
                "POST",
                anthropic_server.url + "/v1/messages",
                json={"model": "m", "max_tokens": 50, "messages": MESSAGES, "stream": True},
            ) as response,
        ):
            names = []
            async for line in response.aiter_lines():
                if line.startswith("event: "):
                    names.append(line.removeprefix("event: "))
                if len(names) == 7:
                    break
        assert names[3] == "content_block_delta"
        assert names[4:] == ["ping"] * 3

    async def test_a_text_of_the_wrong_type_reaches_the_client(
        self, anthropic_server: FakeAnthropic, anthropic_client: anthropic.AsyncAnthropic
    ) -> None:
        anthropic_server.script(Reply(wrong_type_after=1))
        events, _ = await anthropic_chat(anthropic_client)
        texts = [e.delta.text for e in events if e.type == "content_block_delta"]
        assert texts[:3] == [DEFAULT_CHUNKS[0], 42, DEFAULT_CHUNKS[1]]
