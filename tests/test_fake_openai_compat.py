"""OpenAI-compatible servers (llama.cpp's llama-server, vLLM) and OpenAI's own
context errors, as the fake plays them, driven through openai-python.

Sources: ggml-org/llama.cpp tools/server (README.md, server-context.cpp,
server-common.cpp); vllm-project/vllm docs/features/reasoning_outputs.md and
vllm/entrypoints/openai/serving_engine.py; issue reports quoting OpenAI.
"""

from __future__ import annotations

import openai

from fakes import DEFAULT_CHUNKS, Reply, prompt_tokens
from sdk_streams import (
    MESSAGES,
    OpenAIServers,
    openai_chat,
    openai_field,
    openai_text,
    text_of_tokens,
)

PROMPT = prompt_tokens(MESSAGES)
THINKING = ("Plan", " the", " answer", ".")


class TestCompatibleServers:
    """Reasoning as llama-server, vLLM and others stream it."""

    async def test_llama_cpp_streams_reasoning_content_before_the_text(
        self, openai_servers: OpenAIServers
    ) -> None:
        # tools/server/README.md: --reasoning-format deepseek (the default for
        # thinking models) puts thoughts in delta.reasoning_content.
        server, client = openai_servers(flavor="llama.cpp")
        server.script(Reply(thinking=THINKING, chunks=("A", "B")))
        chunks, error = await openai_chat(client, model="qwen3-4b")
        assert error is None
        assert openai_field(chunks, "reasoning_content") == list(THINKING)
        assert openai_text(chunks) == ["A", "B"]
        order = [
            "reasoning" if openai_field([c], "reasoning_content") else "text"
            for c in chunks
            if openai_field([c], "reasoning_content") or openai_text([c])
        ]
        assert order == ["reasoning"] * 4 + ["text"] * 2
        # Reasoning counts in completion_tokens.
        assert chunks[-1].usage.completion_tokens == 6

    async def test_vllm_streams_reasoning(self, openai_servers: OpenAIServers) -> None:
        # vLLM docs/features/reasoning_outputs.md: the field is `reasoning`.
        server, client = openai_servers(flavor="vllm")
        server.script(Reply(thinking=THINKING, chunks=("A",)))
        chunks, _ = await openai_chat(client, model="Qwen/Qwen3-8B")
        assert openai_field(chunks, "reasoning") == list(THINKING)
        assert openai_field(chunks, "reasoning_content") == []

    async def test_think_tags_arrive_inside_the_content(
        self, openai_servers: OpenAIServers
    ) -> None:
        # llama-server --reasoning-format none, Groq reasoning_format raw.
        server, client = openai_servers(flavor="llama.cpp", reasoning="think_tags")
        server.script(
            Reply(thinking=THINKING, chunks=("A",)),
            # Tags split across chunks: scripted as the content deltas themselves.
            Reply(chunks=("<thi", "nk>Plan</th", "ink>", "A")),
        )
        chunks, _ = await openai_chat(client, model="qwen3-4b")
        assert openai_text(chunks) == ["<think>", *THINKING, "</think>", "A"]
        chunks, _ = await openai_chat(client, model="qwen3-4b")
        assert "".join(openai_text(chunks)) == "<think>Plan</think>A"

    async def test_reasoning_counts_against_max_tokens(self, openai_servers: OpenAIServers) -> None:
        # LM Studio and llama-server: reasoning spends the max_tokens budget
        # (lmstudio-bug-tracker#1990: reasoning_content only, finish "length").
        server, client = openai_servers(flavor="llama.cpp")
        server.script(Reply(thinking=THINKING, chunks=("A",)))
        chunks, _ = await openai_chat(client, model="qwen3-4b", max_tokens=3)
        assert openai_field(chunks, "reasoning_content") == list(THINKING[:3])
        assert openai_text(chunks) == []
        assert chunks[-2].choices[0].finish_reason == "length"

    async def test_enable_thinking_false_turns_the_reasoning_off(
        self, openai_servers: OpenAIServers
    ) -> None:
        server, client = openai_servers(flavor="vllm")
        server.script(Reply(thinking=THINKING, chunks=("A",)))
        chunks, _ = await openai_chat(
            client,
            model="Qwen/Qwen3-8B",
            extra_body={"chat_template_kwargs": {"enable_thinking": False}},
        )
        assert openai_field(chunks, "reasoning") == [] and openai_text(chunks) == ["A"]


class TestContextErrors:
    """A prompt the context cannot hold, as each server says it."""

    async def test_openai_refuses_with_context_length_exceeded(
        self, openai_servers: OpenAIServers
    ) -> None:
        _, client = openai_servers(context_length=100)
        messages = [{"role": "user", "content": text_of_tokens(200)}]
        _, error = await openai_chat(client, model="gpt-4o-mini", messages=messages)
        assert isinstance(error, openai.BadRequestError)
        assert error.code == "context_length_exceeded"
        # crewAIInc/crewAI#323 quotes this wording.
        assert error.message.endswith(
            "This model's maximum context length is 100 tokens. However, your messages "
            "resulted in 204 tokens. Please reduce the length of the messages."
        )
        _, error = await openai_chat(client, model="gpt-5-mini", messages=messages)
        assert isinstance(error, openai.BadRequestError)
        # cline/cline#5474, RooCodeInc/Roo-Code#6856: gpt-5's wording.
        assert "Input tokens exceed the configured limit of 100 tokens." in error.message

    async def test_llama_cpp_refuses_a_prompt_that_fills_its_context(
        self, openai_servers: OpenAIServers
    ) -> None:
        # tools/server/server-context.cpp: n_tokens >= n_ctx is refused (not cut),
        # with n_prompt_tokens and n_ctx beside the message.
        _, client = openai_servers(flavor="llama.cpp", context_length=100)
        messages = [{"role": "user", "content": text_of_tokens(96)}]
        _, error = await openai_chat(client, model="qwen3-4b", messages=messages)
        assert isinstance(error, openai.BadRequestError)
        assert error.body == {
            "code": 400,
            "message": "request (100 tokens) exceeds the available context size "
            "(100 tokens), try increasing it",
            "type": "exceed_context_size_error",
            "n_prompt_tokens": 100,
            "n_ctx": 100,
        }

    async def test_llama_cpp_stops_when_the_context_is_full(
        self, openai_servers: OpenAIServers
    ) -> None:
        # server-context.cpp: generation ends (STOP_TYPE_LIMIT) at n_ctx.
        server, client = openai_servers(flavor="llama.cpp", context_length=PROMPT + 3)
        chunks, _ = await openai_chat(client, model="qwen3-4b")
        assert openai_text(chunks) == list(DEFAULT_CHUNKS[:2])
        assert chunks[-2].choices[0].finish_reason == "length"

    async def test_vllm_refuses_a_long_prompt_or_too_large_max_tokens(
        self, openai_servers: OpenAIServers
    ) -> None:
        # vllm/entrypoints/openai/serving_engine.py _validate_input wordings.
        _, client = openai_servers(flavor="vllm", context_length=100)
        messages = [{"role": "user", "content": text_of_tokens(200)}]
        _, error = await openai_chat(client, model="m", messages=messages)
        assert isinstance(error, openai.BadRequestError)
        assert error.message.endswith(
            "This model's maximum context length is 100 tokens. However, your request has "
            "204 input tokens. Please reduce the length of the input messages."
        )
        assert isinstance(error.body, dict) and error.body["type"] == "BadRequestError"
        _, error = await openai_chat(client, model="m", max_tokens=95)
        assert isinstance(error, openai.BadRequestError)
        assert error.message.endswith(
            f"'max_tokens' or 'max_completion_tokens' is too large: 95. This model's maximum "
            f"context length is 100 tokens and your request has {PROMPT} input tokens "
            f"(95 > 100 - {PROMPT})."
        )
