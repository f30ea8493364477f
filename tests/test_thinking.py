"""Thinking apart from the answer: inline tags, loops, and how each backend is asked to think.

The backends' requests are checked here as they would be sent; the streams
themselves, through the real SDKs against servers that behave as the real
services do, are in tests/test_reasoning_models.py.
"""

from __future__ import annotations

import httpx2
import openai
import pytest

from sparring.errors import ContextTooLong
from sparring.providers.anthropic import AnthropicBackend
from sparring.providers.base import ChatRequest, Message, Usage, generation_rate
from sparring.providers.failures import body_message
from sparring.providers.ollama import OllamaBackend
from sparring.providers.openai import OPENAI_URL, OpenAIBackend, _context_error, _refused_parameter
from sparring.providers.thinking import InlineThinking, LoopWatch, Thinking
from sparring.secret import Secret


def split(chunks: list[str]) -> tuple[str, str]:
    """(thinking, answer) as InlineThinking separates them from `chunks`."""
    splitter = InlineThinking()
    events = [event for chunk in chunks for event in splitter.feed(chunk)] + splitter.close()
    thinking = "".join(e.text for e in events if isinstance(e, Thinking))
    answer = "".join(e for e in events if isinstance(e, str))
    return thinking, answer


class TestInlineThinking:
    """llama-server with --reasoning-format none and Groq's raw format leave the reasoning in
    the content as <think>...</think> (ggml-org/llama.cpp tools/server/README.md,
    console.groq.com/docs/reasoning)."""

    def test_a_think_block_at_the_start_is_thinking_and_the_rest_is_the_answer(self) -> None:
        assert split(["<think>Plan three.</think>\n\n1. A\n2. B"]) == ("Plan three.", "1. A\n2. B")

    @pytest.mark.parametrize("cut", range(1, 20))
    def test_tags_split_across_chunks_are_still_recognised(self, cut: int) -> None:
        text = "<think>hmm, trees</think>1. Shade"
        assert split([text[:cut], text[cut:]]) == ("hmm, trees", "1. Shade")

    def test_one_character_at_a_time(self) -> None:
        text = "  <think>a</think>b"
        assert split(list(text)) == ("a", "b")

    def test_a_block_never_closed_is_thinking_to_the_end(self) -> None:
        assert split(["<think>round and round", " and round"]) == (
            "round and round and round",
            "",
        )

    def test_an_answer_without_a_block_is_all_answer_even_if_it_mentions_the_tag(self) -> None:
        assert split(["1. Why ", "<think> tags matter"]) == ("", "1. Why <think> tags matter")

    def test_a_partial_opening_tag_then_text_is_answer(self) -> None:
        assert split(["<thi", "s is it"]) == ("", "<this is it")


class TestLoopWatch:
    def test_thinking_that_repeats_a_passage_is_a_loop(self) -> None:
        watch = LoopWatch()
        passage = "Wait, let me count the trees again from the start of the list. " * 3
        assert any(watch.feed(passage) for _ in range(12))

    def test_thinking_that_moves_on_is_not_a_loop(self) -> None:
        watch = LoopWatch()
        words = [
            f"Point {index} is about street {index * 7} and its {index} trees. "
            for index in range(400)
        ]
        assert not any(watch.feed(word) for word in words)


class TestFigures:
    def test_tokens_per_second_counts_everything_generated_since_the_first_token(self) -> None:
        # 1,000 tokens (800 of them thinking) generated over 5 s after the first at 1 s:
        # the pace is ~200 tok/s, not 1,000 tokens over the time after the first answer token.
        usage = Usage(output_tokens=1001, thinking_tokens=800, time_to_first_token=1.0)
        usage.total_time = 6.0
        assert usage.tokens_per_second == pytest.approx(200.0)

    def test_a_model_load_is_not_part_of_the_pace(self) -> None:
        assert generation_rate(101, None, 0.5, 13.5, 3.0) == pytest.approx(10.0)

    def test_unseen_thinking_is_left_out_of_the_pace(self) -> None:
        # OpenAI's reasoning models think before the first visible token.
        assert generation_rate(600, 500, 4.0, 6.0, None) == pytest.approx(49.5)


def request(**changes: object) -> ChatRequest:
    values: dict[str, object] = {
        "messages": (Message("system", "sys"), Message("user", "draft " * 50)),
        "max_tokens": 1000,
    }
    values.update(changes)
    return ChatRequest(**values)


class TestBudgets:
    def test_a_thinking_model_gets_room_to_think_and_answer(self) -> None:
        assert request(thinking_budget=3000).limit(thinks=True) == 4000

    def test_thinking_off_or_a_model_that_does_not_think_gets_the_answer_budget(self) -> None:
        assert request(think="off").limit(thinks=True) == 1000
        assert request().limit(thinks=False) == 1000


def openai_backend(model: str, provider: str = "openai", base_url: str = "") -> OpenAIBackend:
    return OpenAIBackend(
        model,
        provider=provider,
        base_url=base_url or OPENAI_URL,
        key=Secret("sk-test"),
        location="cloud",
    )


class TestOpenAIParameters:
    """openai-python's completion_create_params: max_tokens is "not compatible with o-series
    models", max_completion_tokens bounds "visible output tokens and reasoning tokens";
    reasoning_effort is none|minimal|low|medium|high|xhigh|max
    (types/shared/reasoning_effort.py)."""

    def test_openai_gets_max_completion_tokens_with_room_for_reasoning(self) -> None:
        arguments = openai_backend("gpt-5").arguments(request(thinking_budget=3000))
        assert arguments["max_completion_tokens"] == 4000
        assert "max_tokens" not in arguments and "temperature" not in arguments

    def test_a_temperature_is_sent_only_when_the_writer_set_one(self) -> None:
        arguments = openai_backend("gpt-4o").arguments(request(temperature=0.7))
        assert arguments["temperature"] == 0.7
        assert arguments["max_completion_tokens"] == 1000  # not a reasoning model

    def test_a_server_that_copies_the_api_gets_max_tokens_for_other_models(self) -> None:
        # llama-cpp-python's server reads max_tokens and drops fields it does not know
        # (llama_cpp/server/types.py CreateChatCompletionRequest).
        backend = openai_backend("smollm", base_url="http://127.0.0.1:8080/v1")
        assert backend.arguments(request())["max_tokens"] == 1000

    @pytest.mark.parametrize(
        ("model", "think", "effort"),
        [
            ("gpt-5", "off", "minimal"),
            ("gpt-5-mini", "off", "minimal"),
            ("gpt-5.2", "off", "none"),
            ("o4-mini", "off", "low"),
            ("gpt-5", "high", "high"),
            ("gpt-5", None, None),
        ],
    )
    def test_the_think_setting_becomes_reasoning_effort(
        self, model: str, think: str | None, effort: str | None
    ) -> None:
        arguments = openai_backend(model).arguments(request(think=think))
        assert arguments.get("reasoning_effort") == effort

    def test_an_openai_compatible_server_gets_max_tokens_and_qwen3_its_switch(self) -> None:
        backend = openai_backend("qwen3-4b", provider="lab", base_url="http://127.0.0.1:9/v1")
        arguments = backend.arguments(request(think="off"))
        assert arguments["max_tokens"] == 1000
        assert arguments["messages"][-1]["content"].endswith(" /no_think")
        assert arguments["reasoning_effort"] == "none"  # Ollama's /v1 maps it to think: false


def bad_request(body: dict[str, object]) -> openai.BadRequestError:
    response = httpx2.Response(400, request=httpx2.Request("POST", "http://x/v1/chat/completions"))
    return openai.BadRequestError("Error code: 400", response=response, body=body)


class TestRefusedParameters:
    def test_max_tokens_refused_by_a_reasoning_model_is_named(self) -> None:
        # The body as OpenAI sends it (quoted in griptape-ai/ComfyUI-Griptape#312,
        # langgenius/dify#24307, anomalyco/opencode#37964).
        body = {
            "error": {
                "message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead.",
                "type": "invalid_request_error",
                "param": "max_tokens",
                "code": "unsupported_parameter",
            }
        }
        error = bad_request(body)
        assert _refused_parameter(error, {"max_tokens": 10, "model": "m"}) == "max_tokens"

    def test_a_refused_temperature_is_named(self) -> None:
        # diffbot/code-gpt-docs#445, tmc/langchaingo#1355 quote this body.
        body = {
            "error": {
                "message": "Unsupported value: 'temperature' does not support 0.7 with this "
                "model. Only the default (1) value is supported.",
                "type": "invalid_request_error",
                "param": "temperature",
                "code": "unsupported_value",
            }
        }
        assert _refused_parameter(bad_request(body), {"temperature": 0.7}) == "temperature"

    def test_another_bad_request_is_not_a_refused_parameter(self) -> None:
        body = {"error": {"message": "messages is required", "type": "invalid_request_error"}}
        assert _refused_parameter(bad_request(body), {"temperature": 0.7}) is None


class TestContextErrors:
    @pytest.mark.parametrize(
        "body",
        [
            # OpenAI: code context_length_exceeded.
            {
                "error": {
                    "message": "This model's maximum context length is 8192 tokens.",
                    "type": "invalid_request_error",
                    "code": "context_length_exceeded",
                }
            },
            # llama.cpp's server: type exceed_context_size_error (tools/server/server.cpp).
            {
                "error": {
                    "code": 400,
                    "message": "the request exceeds the available context size, try increasing it",
                    "type": "exceed_context_size_error",
                    "n_prompt_tokens": 5000,
                    "n_ctx": 4096,
                }
            },
            # vLLM: "This model's maximum context length is N tokens. However, you requested M".
            {
                "object": "error",
                "message": "This model's maximum context length is 4096 tokens. "
                "However, you requested 5000 tokens.",
                "type": "BadRequestError",
                "code": 400,
            },
        ],
    )
    def test_each_servers_context_error_is_recognised(self, body: dict[str, object]) -> None:
        assert _context_error(body, body_message(body, ""))


class TestAnthropicRequest:
    def backend(self, model: str = "claude-sonnet-4-5") -> AnthropicBackend:
        return AnthropicBackend(model)

    def test_a_temperature_goes_in_the_body_as_the_installed_sdk_has_no_argument(self) -> None:
        # anthropic 2.14.0: messages.create has no temperature parameter (protocols.md).
        arguments = self.backend().arguments(request(temperature=0.4))
        assert arguments["extra_body"] == {"temperature": 0.4}
        assert "temperature" not in arguments

    def test_claude_opus_4_7_gets_no_temperature(self) -> None:
        # It answers 400 "`temperature` is deprecated for this model." (inspect_ai#3721).
        arguments = self.backend("claude-opus-4-7").arguments(request(temperature=0.4))
        assert "extra_body" not in arguments

    def test_thinking_is_asked_for_with_a_budget_on_top_of_the_answer(self) -> None:
        # docs: budget_tokens >= 1024 and counts toward max_tokens; no temperature with it.
        arguments = self.backend().arguments(
            request(think="medium", thinking_budget=8000, temperature=0.4)
        )
        assert arguments["thinking"] == {"type": "enabled", "budget_tokens": 4096}
        assert arguments["max_tokens"] == 1000 + 4096
        assert "extra_body" not in arguments

    def test_no_thinking_unless_asked_for(self) -> None:
        for think in (None, "off"):
            assert "thinking" not in self.backend().arguments(request(think=think))


class TestOllamaRequest:
    def backend(
        self,
        family: str = "qwen3",
        capabilities: tuple[str, ...] = ("completion", "thinking"),
        context: int | None = 40960,
    ) -> OllamaBackend:
        backend = OllamaBackend("gpt-oss:20b" if family == "gptoss" else "qwen3:4b")
        backend.family = family
        backend.capabilities = list(capabilities)
        backend.context_length = context
        return backend

    @pytest.mark.parametrize(
        ("think", "sent"), [(None, None), ("off", False), ("low", True), ("high", True)]
    )
    def test_qwen3_takes_a_boolean(self, think: str | None, sent: object) -> None:
        # server/routes.go: string values are only allowed for harmony (gpt-oss) models.
        assert self.backend()._think(request(think=think)) == sent

    @pytest.mark.parametrize(("think", "sent"), [("off", "low"), ("medium", "medium")])
    def test_gpt_oss_takes_a_level_and_cannot_stop_thinking(self, think: str, sent: str) -> None:
        # docs/capabilities/thinking.mdx: gpt-oss takes low/medium/high; true/false are ignored.
        assert self.backend("gptoss")._think(request(think=think)) == sent

    def test_a_model_that_cannot_think_is_not_told_to(self) -> None:
        backend = self.backend("llama", ("completion",))
        assert backend._think(request(think="high")) is None

    def test_num_ctx_fits_a_long_draft_and_comes_in_fixed_sizes(self) -> None:
        # Ollama's default context is 4,096 tokens below 24 GiB of VRAM (docs/context-length.mdx).
        long = request(messages=(Message("user", "x" * 25_000),), thinking_budget=4096)
        backend = self.backend()
        assert backend._num_ctx(long, long.limit(True)) == 16384

    def test_a_draft_that_cannot_fit_the_models_window_is_refused_with_the_sizes(self) -> None:
        long = request(messages=(Message("user", "x" * 25_000),))
        with pytest.raises(ContextTooLong, match=r"need about .* tokens.*takes 8,192"):
            self.backend(context=8192)._num_ctx(long, long.limit(True))
