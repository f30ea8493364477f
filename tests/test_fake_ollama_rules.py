"""The fake Ollama's model rules, driven through ollama-python: thinking, limits,
context, loading and timings, as the real server applies them.

Sources: ollama/ollama v0.33.0-rc2 (server/routes.go, server/prompt.go,
server/sched.go, llm/llama_server.go, api/types.go), docs/api.md and
docs/capabilities/thinking.mdx; each test names the one it checks.
"""

from __future__ import annotations

import time

import httpx
import ollama
import pytest

from fakes import DEFAULT_TEXT, FakeOllama, OllamaModel, Reply, prompt_tokens
from sdk_streams import MESSAGES, ollama_chat, ollama_text, ollama_thinking, text_of_tokens

THINKING = ("Let me", " think", " about trees.")


class TestThinking:
    """`think` as server/routes.go ChatHandler and api/types.go ThinkValue read it."""

    async def test_a_thinking_model_thinks_when_think_is_not_sent(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        # server/routes.go: `if req.Think == nil { req.Think = &api.ThinkValue{Value: true} }`
        # for a model with the thinking capability (since v0.12.4).
        ollama_server.script(Reply(thinking=THINKING, chunks=("A", "B")))
        parts, error = await ollama_chat(ollama_client)
        assert error is None
        assert ollama_thinking(parts) == list(THINKING)
        assert ollama_text(parts) == ["A", "B"]
        # Thinking chunks come first, with content "" (docs/capabilities/thinking.mdx).
        assert [p.message.content for p in parts[:3]] == ["", "", ""]
        assert ollama_server.chats[-1].think is None
        assert ollama_server.chats[-1].thinking is True

    async def test_think_false_turns_the_thinking_off(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        ollama_server.script(Reply(thinking=THINKING, chunks=("A", "B")))
        parts, error = await ollama_chat(ollama_client, think=False)
        assert error is None
        assert ollama_thinking(parts) == [] and ollama_text(parts) == ["A", "B"]
        assert parts[-1].eval_count == 2

    async def test_a_level_is_accepted_and_recorded(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        ollama_server.script(Reply(thinking=THINKING))
        parts, error = await ollama_chat(ollama_client, think="high")
        assert error is None and ollama_thinking(parts) == list(THINKING)
        assert ollama_server.chats[-1].thinking == "high"

    async def test_an_invalid_think_value_is_400_with_ollamas_message(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        # api/types.go ThinkValue.UnmarshalJSON, returned by ShouldBindJSON as a 400.
        parts, error = await ollama_chat(ollama_client, think="maybe")
        assert isinstance(error, ollama.ResponseError)
        assert (error.status_code, error.error) == (
            400,
            'invalid think value: "maybe" (must be "high", "medium", "low", "max", true, or false)',
        )
        async with httpx.AsyncClient() as client:
            response = await client.post(
                ollama_server.url + "/api/chat",
                json={"model": "qwen3:4b", "messages": MESSAGES, "think": 3},
            )
        assert response.status_code == 400
        assert response.json() == {
            "error": 'think must be a boolean or string ("high", "medium", "low", "max", '
            "true, or false)"
        }

    async def test_think_true_to_a_model_without_the_capability_is_400(self) -> None:
        # server/routes.go: `%q does not support thinking`, with the name as sent.
        with FakeOllama(models=("llama3.2:1b",)) as server:
            client = ollama.AsyncClient(host=server.url)
            server.script(Reply(thinking=THINKING, chunks=("A",)), Reply(thinking=THINKING))
            _, error = await ollama_chat(client, model="llama3.2:1b", think=True)
            assert isinstance(error, ollama.ResponseError)
            assert (error.status_code, error.error) == (
                400,
                '"llama3.2:1b" does not support thinking',
            )
            # Unset (or false), the model answers without thinking.
            parts, error = await ollama_chat(client, model="llama3.2:1b")
            assert error is None and ollama_thinking(parts) == [] and ollama_text(parts) == ["A"]
            _, error = await ollama_chat(client, model="llama3.2:1b", think=False)
            assert error is None
            await client._client.aclose()
            assert server.errors == []

    async def test_gpt_oss_thinks_at_a_level_whatever_true_or_false_say(self) -> None:
        # docs/capabilities/thinking.mdx: "Passing true/false is ignored for that
        # model"; server/routes.go maps "max" to "high" for harmony models.
        with FakeOllama(models=("gpt-oss:20b",)) as server:
            client = ollama.AsyncClient(host=server.url)
            server.script(*[Reply(thinking=THINKING)] * 3)
            parts, error = await ollama_chat(client, model="gpt-oss:20b", think=False)
            assert error is None and ollama_thinking(parts) == list(THINKING)
            await ollama_chat(client, model="gpt-oss:20b", think="max")
            await ollama_chat(client, model="gpt-oss:20b", think="low")
            assert [chat.thinking for chat in server.chats] == ["medium", "high", "low"]
            await client._client.aclose()

    async def test_a_non_streamed_answer_carries_its_thinking(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        ollama_server.script(Reply(thinking=THINKING, chunks=("A", "B")))
        response = await ollama_client.chat(model="qwen3:4b", messages=MESSAGES, stream=False)
        assert response.message.thinking == "".join(THINKING)
        assert response.message.content == "AB"
        assert response.eval_count == 5


class TestOutputLimit:
    """options.num_predict bounds thinking and content together (llm/server.go)."""

    async def test_thinking_counts_in_eval_count_and_against_num_predict(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        ollama_server.script(Reply(thinking=THINKING, chunks=("A", "B", "C")))
        parts, error = await ollama_chat(ollama_client, options={"num_predict": 4})
        assert error is None
        assert ollama_thinking(parts) == list(THINKING) and ollama_text(parts) == ["A"]
        assert (parts[-1].done_reason, parts[-1].eval_count) == ("length", 4)

    async def test_thinking_that_uses_the_whole_limit_leaves_the_content_empty(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        # As observed in ollama/ollama#17978: eval_count = num_predict,
        # done_reason "length", message.content "".
        ollama_server.script(Reply(thinking=THINKING, chunks=("A",)))
        response = await ollama_client.chat(
            model="qwen3:4b", messages=MESSAGES, stream=False, options={"num_predict": 3}
        )
        assert (response.done_reason, response.eval_count) == ("length", 3)
        assert response.message.content == ""
        assert response.message.thinking == "".join(THINKING)


class TestContext:
    """The context a model runs with, and what happens to a prompt too long for it."""

    async def test_the_default_context_is_4096_and_num_ctx_overrides_it(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        # server/routes.go: defaultNumCtx 4096 below 23 GiB of VRAM.
        await ollama_chat(ollama_client)
        await ollama_chat(ollama_client, options={"num_ctx": 8192})
        assert [(c.num_ctx, c.context) for c in ollama_server.chats] == [(None, 4096), (8192, 8192)]
        with FakeOllama(default_context=2048) as server:
            client = ollama.AsyncClient(host=server.url)
            await ollama_chat(client)
            assert server.chats[-1].context == 2048
            await client._client.aclose()

    async def test_num_ctx_is_capped_at_the_models_context_length(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        # server/sched.go effectiveContext: num_ctx above the trained context is cut to it.
        await ollama_chat(ollama_client, options={"num_ctx": 100_000})
        assert ollama_server.chats[-1].context == 40960
        # server/routes.go PsHandler reports it as context_length.
        running = await ollama_client.ps()
        assert [(m.model, m.context_length) for m in running.models] == [("qwen3:4b", 40960)]

    async def test_a_prompt_longer_than_the_context_is_cut_silently(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        # llm/llama_server.go completionPromptForRequest: num_keep (4) tokens and
        # the tail, contextShiftPromptLimit = 4096 - (4096 - 4) / 2 = 2050 tokens.
        messages = [{"role": "user", "content": text_of_tokens(10_000)}]
        parts, error = await ollama_chat(ollama_client, messages=messages)
        assert error is None and "".join(ollama_text(parts)) == DEFAULT_TEXT
        assert parts[-1].prompt_eval_count == 2050
        prompt = ollama_server.chats[-1].prompt
        assert prompt is not None
        assert (prompt.tokens, prompt.evaluated, prompt.truncated) == (10_004, 2050, True)

    async def test_earlier_messages_are_dropped_first_keeping_the_system_message(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        # server/prompt.go chatPrompt: drop from the front, keep system messages
        # and the last message, until the prompt fits num_ctx.
        system = {"role": "system", "content": "Be brief."}
        first, answer = (
            {"role": "user", "content": text_of_tokens(2500)},
            {"role": "assistant", "content": text_of_tokens(2500)},
        )
        last = {"role": "user", "content": text_of_tokens(1000)}
        parts, error = await ollama_chat(ollama_client, messages=[system, first, answer, last])
        assert error is None
        # Without the first message the rest fits 4096: nothing more goes.
        assert parts[-1].prompt_eval_count == prompt_tokens([system, answer, last]) == 3515
        prompt = ollama_server.chats[-1].prompt
        assert prompt is not None and prompt.dropped_messages == 1

    async def test_a_model_without_context_shift_refuses_a_long_prompt(self) -> None:
        # server/sched.go supportsContextShift (not deepseek2); llm/llama_server.go.
        model = OllamaModel("deepseek-v2:16b", "deepseek2", context_length=163840)
        with FakeOllama(models=(model,)) as server:
            client = ollama.AsyncClient(host=server.url)
            messages = [{"role": "user", "content": text_of_tokens(5000)}]
            _, error = await ollama_chat(client, model="deepseek-v2:16b", messages=messages)
            assert isinstance(error, ollama.ResponseError) and error.status_code == 400
            assert error.error.startswith(
                "the prompt is longer than the context length currently available to the model"
            )
            await client._client.aclose()


class TestLoading:
    """Loading a model takes time, and another num_ctx loads it again."""

    async def test_the_first_chat_loads_the_model_and_reports_load_duration(self) -> None:
        # docs/api.md: load_duration, in nanoseconds; server/routes.go measures it
        # from the request to the runner being ready.
        with FakeOllama(load_seconds=0.3) as server:
            client = ollama.AsyncClient(host=server.url)
            started = time.monotonic()
            parts, error = await ollama_chat(client)
            assert error is None and time.monotonic() - started >= 0.3
            assert parts[-1].load_duration >= 300_000_000
            parts, _ = await ollama_chat(client)
            assert parts[-1].load_duration < 100_000_000
            assert [c.load for c in server.chats] == ["cold", None]
            assert (server.loads, server.reloads) == (1, 0)
            await client._client.aclose()

    async def test_a_different_num_ctx_reloads_the_model(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        # server/sched.go needsReload: changed runner options (num_ctx) reload it.
        await ollama_chat(ollama_client)
        await ollama_chat(ollama_client, options={"num_ctx": 8192})
        await ollama_chat(ollama_client, options={"num_ctx": 8192})
        assert [c.load for c in ollama_server.chats] == ["cold", "reload", None]
        assert (ollama_server.loads, ollama_server.reloads) == (2, 1)
        assert ollama_server.loaded == {"qwen3:4b": 8192}

    async def test_an_empty_chat_only_loads_the_model(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        # docs/api.md "Load a model": messages [] answers done_reason "load";
        # server/routes.go sends no metrics with it.
        response = await ollama_client.chat(model="qwen3:4b", messages=[])
        assert (response.done, response.done_reason) == (True, "load")
        assert response.load_duration is None and response.eval_count is None
        assert ollama_server.loaded == {"qwen3:4b": 4096}
        await ollama_chat(ollama_client)
        assert [c.load for c in ollama_server.chats] == ["cold", None]

    async def test_keep_alive_0_with_no_messages_unloads_the_model(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        # docs/api.md "Unload a model"; server/routes.go done_reason "unload".
        await ollama_chat(ollama_client)
        response = await ollama_client.chat(model="qwen3:4b", messages=[], keep_alive=0)
        assert response.done_reason == "unload"
        assert ollama_server.loaded == {}
        await ollama_chat(ollama_client)
        assert ollama_server.chats[-1].load == "cold"


class TestTimings:
    """The final chunk's durations match the pace the client really saw."""

    async def test_eval_duration_is_the_time_the_deltas_took(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        # api/types.go Metrics (nanoseconds); llm/llama_server.go takes
        # eval_duration from the runner's predicted_ms.
        ollama_server.script(Reply(chunks=("a", "b", "c", "d", "e"), delay=0.05))
        parts, _ = await ollama_chat(ollama_client)
        final = parts[-1]
        # Five deltas 50 ms apart: four intervals, 20 tokens a second.
        rate = (final.eval_count - 1) / (final.eval_duration / 1e9)
        assert rate == pytest.approx(20, rel=0.25)
        assert final.total_duration >= final.eval_duration + final.prompt_eval_duration


class TestStructuredOutputs:
    async def test_a_format_schema_is_accepted_and_recorded(
        self, ollama_server: FakeOllama, ollama_client: ollama.AsyncClient
    ) -> None:
        # api/types.go ChatRequest.Format: "json" or a JSON schema.
        schema = {"type": "object", "properties": {"ideas": {"type": "array"}}}
        parts, error = await ollama_chat(ollama_client, format=schema)
        assert error is None and parts[-1].done
        assert ollama_server.chats[-1].format == schema
        assert ollama_server.chat_requests[-1].body["format"] == schema
