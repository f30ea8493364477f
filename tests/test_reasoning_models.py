"""The models writers really run, through the `sparring` command, against servers that behave
as the real services do (tests/fakes names each behaviour's source)."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes import DEFAULT_CHUNKS, DEFAULT_TEXT, FakeAnthropic, FakeOllama, FakeOpenAI, OllamaModel
from fakes import Reply as Scripted
from helpers import (
    DRAFT,
    SAMPLE_DRAFT,
    Runner,
    headlines,
    only_reply,
    saved_sessions,
    write_config,
)
from terminal import TerminalFactory, sparring_command

THOUGHTS = ("Let me think about trees. ", "Shade, cost, upkeep. ", "Three angles then.")
THINKING = "".join(THOUGHTS)


def no_thinking_in(reply: dict[str, Any]) -> None:
    """The answer, and every item, is free of the model's thinking."""
    for thought in THOUGHTS:
        assert thought.strip() not in reply["text"]
        assert all(thought.strip() not in item["text"] for item in reply.get("items", []))


class TestOpenAIReasoningModels:
    """gpt-5 family and o-series: max_tokens refused (400 unsupported_parameter, "Use
    'max_completion_tokens' instead": griptape-ai/ComfyUI-Griptape#312, langgenius/dify#24307),
    a temperature other than 1 refused (400 unsupported_value: diffbot/code-gpt-docs#445,
    tmc/langchaingo#1355)."""

    @pytest.fixture
    def server(self) -> Iterator[FakeOpenAI]:
        with FakeOpenAI(models=("gpt-5", "o4-mini", "gpt-5.2")) as server:
            yield server
            assert server.errors == []

    @pytest.mark.parametrize("model", ["gpt-5", "o4-mini", "gpt-5.2"])
    def test_a_reasoning_model_gets_a_whole_answer(
        self, sparring: Runner, sparring_home: Path, server: FakeOpenAI, model: str
    ) -> None:
        result = headlines(sparring, f"openai:{model}", "--yes", OPENAI_BASE_URL=server.base_url)
        assert result.code == 0, result.stderr
        assert result.stdout == DEFAULT_TEXT + "\n"
        [request] = server.chat_requests
        assert "max_tokens" not in request.body and "temperature" not in request.body
        assert request.body["max_completion_tokens"] > 1024  # room to reason and answer
        assert only_reply(sparring_home)["status"] == "ok"

    @pytest.mark.parametrize("model", ["gpt-5", "o4-mini", "gpt-5.2"])
    def test_a_temperature_in_the_config_is_dropped_once_with_a_line_on_stderr(
        self, sparring: Runner, sparring_home: Path, server: FakeOpenAI, model: str
    ) -> None:
        write_config(sparring_home, "temperature = 0.7\n")
        result = headlines(sparring, f"openai:{model}", "--yes", OPENAI_BASE_URL=server.base_url)
        assert result.code == 0, result.stderr
        assert result.stdout == DEFAULT_TEXT + "\n"
        refused, accepted = server.chat_requests
        assert refused.body["temperature"] == 0.7 and "temperature" not in accepted.body
        # One line says so (another says how many of the ten items came).
        [line] = [line for line in result.stderr.splitlines() if "temperature" in line]
        assert "does not take temperature" in line

    def test_unseen_reasoning_is_counted_and_shown_as_such(
        self, sparring: Runner, sparring_home: Path, server: FakeOpenAI
    ) -> None:
        server.script(Scripted(thinking=THOUGHTS))
        result = headlines(
            sparring, "openai:gpt-5", "--yes", "--json", OPENAI_BASE_URL=server.base_url
        )
        assert result.code == 0, result.stderr
        [reply] = json.loads(result.stdout)["replies"]
        assert reply["hidden_thinking"] is True
        assert reply["thinking_tokens"] > 0 and "thinking" not in reply
        no_thinking_in(reply)


class TestAnthropic:
    @pytest.mark.parametrize("model", ["claude-sonnet-4-5", "claude-opus-4-7"])
    def test_a_temperature_in_the_config_works(
        self, sparring: Runner, sparring_home: Path, anthropic_server: FakeAnthropic, model: str
    ) -> None:
        # anthropic 2.14.0 has no temperature argument (a TypeError before); claude-opus-4-7
        # refuses one: "`temperature` is deprecated for this model." (inspect_ai#3721).
        write_config(sparring_home, "temperature = 0.4\n")
        result = headlines(
            sparring, f"anthropic:{model}", "--yes", ANTHROPIC_BASE_URL=anthropic_server.url
        )
        assert result.code == 0, result.stderr
        [request] = anthropic_server.chat_requests
        assert request.body.get("temperature") == (0.4 if model == "claude-sonnet-4-5" else None)

    def test_thinking_blocks_are_thinking(
        self, sparring: Runner, sparring_home: Path, anthropic_server: FakeAnthropic
    ) -> None:
        # docs: thinking is opt-in; a thinking block (thinking_delta) comes before the text.
        anthropic_server.script(Scripted(thinking=THOUGHTS))
        result = headlines(
            sparring,
            "anthropic:claude-sonnet-4-5",
            "--yes",
            "--think",
            "medium",
            ANTHROPIC_BASE_URL=anthropic_server.url,
        )
        assert result.code == 0, result.stderr
        assert result.stdout == DEFAULT_TEXT + "\n"
        reply = only_reply(sparring_home)
        assert reply["thinking"] == THINKING
        no_thinking_in(reply)
        [request] = anthropic_server.chat_requests
        assert request.body["thinking"]["type"] == "enabled"

    def test_an_overloaded_error_before_any_text_is_asked_again(
        self, sparring: Runner, anthropic_server: FakeAnthropic
    ) -> None:
        # docs (messages-streaming): an overloaded_error event "would normally correspond to
        # an HTTP 529", which is retried before the first token.
        anthropic_server.script(Scripted(error_event_after=0), Scripted())
        result = headlines(
            sparring,
            "anthropic:claude-sonnet-4-5",
            "--yes",
            ANTHROPIC_BASE_URL=anthropic_server.url,
        )
        assert result.code == 0, result.stderr
        assert result.stdout == DEFAULT_TEXT + "\n"
        assert len(anthropic_server.chat_requests) == 2

    def test_a_refusal_is_marked_refused_and_not_itemised(
        self, sparring: Runner, sparring_home: Path, anthropic_server: FakeAnthropic
    ) -> None:
        # SDK types/stop_reason.py: "refusal".
        anthropic_server.script(
            Scripted(chunks=("I can't help with that.",), stop_reason="refusal")
        )
        result = headlines(
            sparring,
            "anthropic:claude-sonnet-4-5",
            "--yes",
            ANTHROPIC_BASE_URL=anthropic_server.url,
        )
        assert result.code == 65
        assert "declined to answer" in result.stderr
        reply = only_reply(sparring_home)
        assert (reply["status"], reply.get("items", [])) == ("refused", [])


@pytest.fixture
def thinking_ollama() -> Iterator[FakeOllama]:
    """Ollama >= 0.12.4 with thinking models: qwen3:4b thinks unless told not to
    (server/routes.go ChatHandler), gpt-oss takes levels only; one small-window model."""
    small = OllamaModel("qwen3:small", "qwen3", ("completion", "thinking"), 8192)
    with FakeOllama(models=("qwen3:4b", "gpt-oss:20b", "llama3.2:1b", small)) as server:
        yield server
        assert server.errors == []


class TestOllamaThinking:
    def test_a_thinking_model_thinks_by_default_and_its_thinking_stays_out_of_the_answer(
        self, sparring: Runner, sparring_home: Path, thinking_ollama: FakeOllama
    ) -> None:
        thinking_ollama.script(Scripted(thinking=THOUGHTS))
        result = headlines(sparring, "ollama:qwen3:4b", OLLAMA_HOST=thinking_ollama.url)
        assert result.code == 0, result.stderr
        assert result.stdout == DEFAULT_TEXT + "\n"
        reply = only_reply(sparring_home)
        assert reply["thinking"] == THINKING
        no_thinking_in(reply)
        assert reply["thinking_seconds"] >= 0 and reply["ttfa"] >= reply["ttft"]
        [chat] = thinking_ollama.chats
        assert chat.think is None and chat.thinking  # left to the server, which thinks

    def test_the_figures_give_the_servers_real_pace(
        self, sparring: Runner, sparring_home: Path, thinking_ollama: FakeOllama
    ) -> None:
        # Twenty thinking and twenty answer tokens, one each 50 ms: 20 tokens a second,
        # counted over everything generated since the first token (not, as before, every
        # token over the time since the first answer token: 10-15 times too many).
        thinking = tuple(f"thought {n}. " for n in range(20))
        answer = tuple(f"{n}. Idea\n" for n in range(1, 21))
        thinking_ollama.script(Scripted(thinking=thinking, chunks=answer, delay=0.05))
        result = headlines(sparring, "ollama:qwen3:4b", "--json", OLLAMA_HOST=thinking_ollama.url)
        assert result.code == 0, result.stderr
        [reply] = json.loads(result.stdout)["replies"]
        assert reply["tokens_per_second"] == pytest.approx(20.0, rel=0.10)
        assert reply["output_tokens"] == 40

    def test_think_off_sends_think_false(
        self, sparring: Runner, thinking_ollama: FakeOllama
    ) -> None:
        result = headlines(
            sparring, "ollama:qwen3:4b", "--think", "off", OLLAMA_HOST=thinking_ollama.url
        )
        assert result.code == 0, result.stderr
        assert thinking_ollama.chats[0].think is False

    @pytest.mark.parametrize(("think", "level"), [("high", "high"), ("off", "low")])
    def test_gpt_oss_gets_a_level(
        self, sparring: Runner, thinking_ollama: FakeOllama, think: str, level: str
    ) -> None:
        # docs/capabilities/thinking.mdx: gpt-oss takes low/medium/high; true/false ignored.
        result = headlines(
            sparring, "ollama:gpt-oss:20b", "--think", think, OLLAMA_HOST=thinking_ollama.url
        )
        assert result.code == 0, result.stderr
        assert thinking_ollama.chats[0].think == level

    def test_thinking_that_uses_the_whole_budget_is_one_line_exit_75_and_kept(
        self, sparring: Runner, sparring_home: Path, thinking_ollama: FakeOllama
    ) -> None:
        # llm/server.go DoneReasonLength; ollama#17978: eval_count = num_predict, content "".
        write_config(sparring_home, "max_tokens = 2\nthinking_budget = 2\n")
        thinking_ollama.script(Scripted(thinking=THOUGHTS * 3))
        result = headlines(sparring, "ollama:qwen3:4b", OLLAMA_HOST=thinking_ollama.url)
        assert result.code == 75
        [line] = [line for line in result.stderr.splitlines() if "qwen3:4b:" in line]
        assert "thinking used the whole budget" in line and "no answer came" in line
        reply = only_reply(sparring_home)
        assert reply["status"] == "cut" and reply["thinking"] and reply["text"] == ""

    def test_a_long_draft_is_sent_whole_on_a_model_with_a_large_window(
        self, sparring: Runner, thinking_ollama: FakeOllama
    ) -> None:
        # docs/context-length.mdx: 4,096 by default below 24 GiB of VRAM, and a longer
        # prompt cut silently (llm/llama_server.go): num_ctx must fit it.
        draft = ("The council will plant trees on every street. " * 600)[:25_000]
        result = sparring(
            "headlines",
            "--free",
            "-m",
            "ollama:qwen3:4b",
            input=draft,
            env={"OLLAMA_HOST": thinking_ollama.url},
        )
        assert result.code == 0, result.stderr
        [chat] = thinking_ollama.chats
        assert chat.prompt is not None and not chat.prompt.truncated
        assert chat.num_ctx >= chat.prompt.tokens

    def test_a_long_draft_is_refused_before_sending_on_a_model_with_a_small_window(
        self, sparring: Runner, thinking_ollama: FakeOllama
    ) -> None:
        draft = "The council will plant trees on every street. " * 600
        result = sparring(
            "headlines",
            "--free",
            "-m",
            "ollama:qwen3:small",
            input=draft,
            env={"OLLAMA_HOST": thinking_ollama.url},
        )
        assert result.code == 65
        assert "takes 8,192" in result.stderr and "need about" in result.stderr
        assert thinking_ollama.chats == []

    def test_a_cold_load_is_reported_apart_from_the_time_to_first_token(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        # docs/api.md: load_duration in the final chunk.
        with FakeOllama(models=("llama3.2:1b",), load_seconds=1.0) as server:
            result = headlines(sparring, "ollama:llama3.2:1b", OLLAMA_HOST=server.url)
        assert result.code == 0, result.stderr
        reply = only_reply(sparring_home)
        assert reply["load_seconds"] == pytest.approx(1.0, abs=0.3)
        assert reply["ttft"] < 0.5


class TestOpenAICompatibleReasoning:
    """llama.cpp's server: reasoning_content; vLLM: reasoning; --reasoning-format none or
    Groq's raw format: <think> in the content (tools/server/README.md,
    docs/features/reasoning_outputs.md, console.groq.com/docs/reasoning)."""

    @pytest.mark.parametrize(
        ("flavor", "reasoning"),
        [("llama.cpp", None), ("vllm", None), ("llama.cpp", "think_tags")],
    )
    def test_reasoning_ends_up_as_thinking_never_as_answer_or_items(
        self,
        sparring: Runner,
        sparring_home: Path,
        flavor: str,
        reasoning: str | None,
    ) -> None:
        with FakeOpenAI(models=("qwen3-4b",), flavor=flavor, reasoning=reasoning) as server:  # type: ignore[arg-type]
            server.script(Scripted(thinking=THOUGHTS))
            write_config(
                sparring_home,
                f'[endpoints.lab]\nbase_url = "{server.base_url}"\nlocation = "local"\n',
            )
            result = headlines(sparring, "lab:qwen3-4b")
        assert result.code == 0, result.stderr
        assert result.stdout == DEFAULT_TEXT + "\n"
        reply = only_reply(sparring_home)
        assert reply["thinking"] == THINKING
        no_thinking_in(reply)

    def test_think_tags_split_across_chunks_are_still_thinking(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        chunks = ("<thi", "nk>Plan: ", "three.</th", "ink>\n\n", *DEFAULT_CHUNKS)
        with FakeOpenAI(models=("qwen3-4b",), flavor="llama.cpp", reasoning="think_tags") as server:
            server.script(Scripted(chunks=chunks))
            write_config(
                sparring_home,
                f'[endpoints.lab]\nbase_url = "{server.base_url}"\nlocation = "local"\n',
            )
            result = headlines(sparring, "lab:qwen3-4b")
        assert result.code == 0, result.stderr
        assert result.stdout == DEFAULT_TEXT + "\n"
        assert only_reply(sparring_home)["thinking"] == "Plan: three."

    def test_a_context_error_is_one_line_naming_the_window(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        with FakeOpenAI(models=("m",), flavor="llama.cpp", context_length=64) as server:
            write_config(
                sparring_home,
                f'[endpoints.lab]\nbase_url = "{server.base_url}"\nlocation = "local"\n',
            )
            result = headlines(sparring, "lab:m")
        assert result.code == 65
        [line] = result.stderr.strip().splitlines()
        assert "context" in line and "Traceback" not in result.stderr


class TestCutAnswersAreMarkedEverywhere:
    @pytest.fixture
    def cut_session(self, sparring: Runner, sparring_home: Path) -> str:
        # finish_reason "length": the answer stopped at the token limit.
        with FakeOpenAI() as server:
            server.script(Scripted(chunks=("1. Shade", " is a"), stop_reason="length"))
            result = headlines(
                sparring, "openai:gpt-4o-mini", "--yes", "--json", OPENAI_BASE_URL=server.base_url
            )
        assert result.code == 75
        [reply] = json.loads(result.stdout)["replies"]
        assert reply["status"] == "cut"
        [path] = saved_sessions(sparring_home)
        return tomllib.loads(path.read_text())["id"]

    def test_pipe_mode_says_so_on_stderr(self, sparring: Runner) -> None:
        with FakeOpenAI() as server:
            server.script(Scripted(chunks=("1. Shade",), stop_reason="length"))
            result = headlines(
                sparring, "openai:gpt-4o-mini", "--yes", OPENAI_BASE_URL=server.base_url
            )
        assert result.code == 75
        assert "token limit" in result.stderr and "cut short" in result.stderr

    def test_replay_and_export_mark_it(self, sparring: Runner, cut_session: str) -> None:
        assert "[cut short]" in sparring("replay", cut_session, "--print").stdout
        assert "[cut short]" in sparring("export", cut_session).stdout


def test_the_request_sent_carries_the_drafts_text(sparring: Runner) -> None:
    """DRAFT reaches the server whole: nothing above changed what is asked."""
    with FakeOllama(models=("llama3.2:1b",)) as server:
        assert headlines(sparring, "ollama:llama3.2:1b", OLLAMA_HOST=server.url).code == 0
        [request] = server.chat_requests
    assert DRAFT.decode() in request.body["messages"][-1]["content"]


class TestInATerminal:
    def test_the_writer_sees_the_model_think_on_stderr_and_stdout_gets_the_answer(
        self, terminal: TerminalFactory, tmp_path: Path, thinking_ollama: FakeOllama
    ) -> None:
        thinking_ollama.script(Scripted(thinking=THOUGHTS, delay=0.2))
        answer = tmp_path / "answer.txt"
        screen = terminal(
            f"cat {SAMPLE_DRAFT} | "
            + sparring_command("headlines", "--free", "-m", "ollama:qwen3:4b")
            + f" | tee {answer}",
            {"OLLAMA_HOST": thinking_ollama.url},
        )
        seen = screen.wait_for(lambda text: "thinking…" in text and "Shade, cost" in text)
        assert "Rooftop forests" not in seen.split("thinking…")[0]
        screen.wait_for(lambda text: "EXITED 0" in text)
        assert answer.read_text() == DEFAULT_TEXT + "\n"

    def test_hide_thinking_hides_it(
        self, terminal: TerminalFactory, thinking_ollama: FakeOllama
    ) -> None:
        thinking_ollama.script(Scripted(thinking=THOUGHTS))
        screen = terminal(
            f"cat {SAMPLE_DRAFT} | "
            + sparring_command("headlines", "--free", "-m", "ollama:qwen3:4b", "--hide-thinking"),
            {"OLLAMA_HOST": thinking_ollama.url},
        ).wait_for(lambda text: "EXITED 0" in text)
        assert "Rooftop forests" in screen and "Shade, cost" not in screen
