"""The ollama, anthropic and openai backends, through their real SDKs, end to end
through the `sparring` command, against local servers that speak their protocols."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from fakes import (
    DEFAULT_CHUNKS,
    DEFAULT_TEXT,
    FakeAnthropic,
    FakeOllama,
    FakeOpenAI,
    Reply,
    closed_port,
)
from helpers import (
    CANARY_ANTHROPIC,
    CANARY_GROQ,
    CANARY_OPENAI,
    DRAFT,
    Runner,
    headlines,
    only_reply,
    write_config,
)
from sparring.config import Config
from sparring.prompts import SHARED_SYSTEM
from sparring.providers import open_backend, resolve
from sparring.providers.base import MAX_RETRIES, ChatRequest, Message, Usage

ATTEMPTS = 1 + MAX_RETRIES


class TestOllama:
    def test_a_streamed_answer_reaches_stdout_and_the_session(
        self, sparring: Runner, sparring_home: Path, ollama_server: FakeOllama
    ) -> None:
        result = headlines(sparring, "ollama:qwen3:4b", OLLAMA_HOST=ollama_server.url)
        assert result.code == 0, result.stderr
        assert result.stdout == DEFAULT_TEXT + "\n"
        reply = only_reply(sparring_home)
        assert (reply["status"], reply["location"]) == ("ok", "local")
        [request] = ollama_server.chat_requests
        prompt = ollama_server.prompt_tokens(request.body)
        assert (reply["input_tokens"], reply["output_tokens"]) == (prompt, 6)
        assert [item["text"] for item in reply["items"]][0] == "Rooftop forests cool the city"

    def test_ollama_host_without_a_scheme_is_honoured(
        self, sparring: Runner, ollama_server: FakeOllama
    ) -> None:
        host = ollama_server.url.removeprefix("http://")
        result = headlines(sparring, "ollama:qwen3:4b", OLLAMA_HOST=host)
        assert result.code == 0, result.stderr

    def test_a_reply_cut_mid_stream_keeps_its_partial_text_and_exits_75(
        self, sparring: Runner, sparring_home: Path, ollama_server: FakeOllama
    ) -> None:
        ollama_server.script(Reply(cut_after=3))
        result = headlines(sparring, "ollama:qwen3:4b", OLLAMA_HOST=ollama_server.url)
        partial = "".join(DEFAULT_CHUNKS[:3])
        assert result.code == 75
        assert result.stdout == partial + "\n"
        reply = only_reply(sparring_home)
        assert (reply["status"], reply["text"]) == ("interrupted", partial)
        assert "partial answer is saved in session" in result.stderr

    def test_a_stream_without_done_is_interrupted_not_finished(
        self, sparring: Runner, sparring_home: Path, ollama_server: FakeOllama
    ) -> None:
        ollama_server.script(Reply(omit_final=True))
        result = headlines(sparring, "ollama:qwen3:4b", OLLAMA_HOST=ollama_server.url)
        assert result.code == 75
        assert only_reply(sparring_home)["status"] == "interrupted"

    def test_a_missing_model_exits_69_with_the_pull_hint(
        self, sparring: Runner, ollama_server: FakeOllama
    ) -> None:
        result = headlines(sparring, "ollama:mistral", OLLAMA_HOST=ollama_server.url)
        assert result.code == 69
        assert "sparring pull mistral" in result.stderr
        assert "Traceback" not in result.stderr

    def test_ollama_not_running_exits_69_with_a_hint(self, sparring: Runner) -> None:
        result = headlines(sparring, "ollama:qwen3:4b", OLLAMA_HOST=closed_port())
        assert result.code == 69
        assert "Ollama is not reachable" in result.stderr and "ollama serve" in result.stderr

    def test_a_cloud_model_is_labelled_cloud(
        self, sparring: Runner, sparring_home: Path, ollama_server: FakeOllama
    ) -> None:
        result = headlines(
            sparring, "ollama:gpt-oss:120b-cloud", "--yes", OLLAMA_HOST=ollama_server.url
        )
        assert result.code == 0, result.stderr
        assert only_reply(sparring_home)["location"] == "cloud"

    def test_models_lists_pulled_models_and_labels_cloud_ones(
        self, sparring: Runner, ollama_server: FakeOllama
    ) -> None:
        result = sparring("models", env={"OLLAMA_HOST": ollama_server.url})
        assert result.code == 0, result.stderr
        rows = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()}
        assert rows["ollama:qwen3:4b"] == "local"
        assert rows["ollama:gpt-oss:120b-cloud"] == "cloud"

    def test_models_says_why_ollama_is_missing(self, sparring: Runner) -> None:
        result = sparring("models", env={"OLLAMA_HOST": closed_port()})
        assert result.code == 0
        assert "Ollama is not reachable" in result.stdout

    def test_pull_shows_progress_on_stderr_and_the_model_is_then_listed(
        self, sparring: Runner, ollama_server: FakeOllama
    ) -> None:
        env = {"OLLAMA_HOST": ollama_server.url}
        result = sparring("pull", "llama3.2:1b", env=env)
        assert result.code == 0, result.stderr
        assert result.stdout == ""
        assert "pulling manifest" in result.stderr and "100%" in result.stderr
        assert "ollama:llama3.2:1b" in sparring("models", env=env).stdout

    def test_pulling_an_unknown_model_exits_69(
        self, sparring: Runner, ollama_server: FakeOllama
    ) -> None:
        result = sparring("pull", "no-such-model", env={"OLLAMA_HOST": ollama_server.url})
        assert result.code == 69
        assert "no model 'no-such-model' to pull" in result.stderr


class TestAnthropic:
    def run(self, sparring: Runner, server: FakeAnthropic, *extra: str) -> Any:
        return sparring(
            "counter",
            "--free",
            "-m",
            "anthropic:claude-opus-4-5",
            # The fake stands for Anthropic itself: the cloud (an anthropic: URL on
            # loopback is a gateway unless the config says otherwise).
            "--yes",
            *extra,
            input=DRAFT,
            env={"ANTHROPIC_BASE_URL": server.url},
        )

    def test_a_streamed_answer_reaches_stdout_with_its_usage(
        self, sparring: Runner, sparring_home: Path, anthropic_server: FakeAnthropic
    ) -> None:
        result = self.run(sparring, anthropic_server)
        assert result.code == 0, result.stderr
        assert result.stdout == DEFAULT_TEXT + "\n"
        reply = only_reply(sparring_home)
        [request] = anthropic_server.chat_requests
        prompt = anthropic_server.prompt_tokens(request.body)
        assert (reply["input_tokens"], reply["output_tokens"]) == (prompt, 6)
        # Every task's prompt begins alike (the shared system text, then the draft), so a
        # prompt cache keeps the draft; the task's own system text follows the draft.
        assert request.body["system"] == SHARED_SYSTEM
        assert "You are a critical reader" in request.body["messages"][0]["content"]
        assert [m["role"] for m in request.body["messages"]] == ["user"]

    def test_a_reply_cut_mid_stream_keeps_its_partial_text_and_exits_75(
        self, sparring: Runner, sparring_home: Path, anthropic_server: FakeAnthropic
    ) -> None:
        anthropic_server.script(Reply(cut_after=2, cut_mode="reset"))
        result = self.run(sparring, anthropic_server)
        partial = "".join(DEFAULT_CHUNKS[:2])
        assert result.code == 75
        assert result.stdout == partial  # it ends with a newline already
        assert (only_reply(sparring_home)["status"], only_reply(sparring_home)["text"]) == (
            "interrupted",
            partial,
        )

    def test_an_error_event_after_some_text_keeps_the_text(
        self, sparring: Runner, sparring_home: Path, anthropic_server: FakeAnthropic
    ) -> None:
        anthropic_server.script(Reply(error_event_after=4))
        result = self.run(sparring, anthropic_server)
        assert result.code == 75
        reply = only_reply(sparring_home)
        assert reply["text"] == "".join(DEFAULT_CHUNKS[:4])
        assert "Overloaded" in reply["error"]

    def test_a_stream_without_message_stop_is_interrupted(
        self, sparring: Runner, sparring_home: Path, anthropic_server: FakeAnthropic
    ) -> None:
        anthropic_server.script(Reply(omit_final=True))
        assert self.run(sparring, anthropic_server).code == 75
        assert only_reply(sparring_home)["status"] == "interrupted"

    @pytest.mark.parametrize(("status", "code"), [(401, 77), (404, 69), (529, 75), (500, 75)])
    def test_an_error_status_maps_to_its_exit_code(
        self, sparring: Runner, anthropic_server: FakeAnthropic, status: int, code: int
    ) -> None:
        # As many errors as attempts: a 5xx is retried before the first token.
        anthropic_server.script(*[Reply(status=status, retry_after=0)] * ATTEMPTS)
        result = self.run(sparring, anthropic_server)
        assert result.code == code
        # One line for the error; any before it are retry notices.
        *notices, error = result.stderr.strip().splitlines()
        assert all("retrying in" in notice for notice in notices)
        assert "retrying" not in error
        assert "Traceback" not in result.stderr

    def test_no_key_exits_77_before_connecting(
        self, sparring: Runner, anthropic_server: FakeAnthropic
    ) -> None:
        result = sparring(
            "counter",
            "--free",
            "-m",
            "anthropic:claude-opus-4-5",
            "--yes",
            input=DRAFT,
            env={"ANTHROPIC_BASE_URL": anthropic_server.url, "ANTHROPIC_API_KEY": ""},
        )
        assert result.code == 77
        assert "ANTHROPIC_API_KEY is not set" in result.stderr
        assert anthropic_server.requests == []


class TestOpenAI:
    def test_a_stream_without_done_is_interrupted(
        self, sparring: Runner, sparring_home: Path, openai_server: FakeOpenAI
    ) -> None:
        openai_server.script(Reply(omit_final=True))
        result = headlines(
            sparring, "openai:gpt-4o-mini", "--yes", OPENAI_BASE_URL=openai_server.base_url
        )
        assert result.code == 75
        reply = only_reply(sparring_home)
        assert (reply["status"], reply["text"]) == ("interrupted", DEFAULT_TEXT)

    def test_usage_from_the_stream_is_recorded(
        self, sparring: Runner, sparring_home: Path, openai_server: FakeOpenAI
    ) -> None:
        result = headlines(
            sparring, "openai:gpt-4o-mini", "--yes", OPENAI_BASE_URL=openai_server.base_url
        )
        assert result.code == 0, result.stderr
        reply = only_reply(sparring_home)
        [request] = openai_server.chat_requests
        prompt = openai_server.prompt_tokens(request.body)
        assert (reply["input_tokens"], reply["output_tokens"]) == (prompt, 6)
        assert "tokens_estimated" not in reply or reply["tokens_estimated"] is False

    @pytest.mark.parametrize(("status", "code"), [(401, 77), (404, 69), (429, 75), (500, 75)])
    def test_an_error_status_maps_to_its_exit_code(
        self, sparring: Runner, openai_server: FakeOpenAI, status: int, code: int
    ) -> None:
        # As many errors as attempts: a 429 or 5xx is retried before the first token.
        openai_server.script(*[Reply(status=status, retry_after=0)] * ATTEMPTS)
        result = headlines(
            sparring, "openai:gpt-4o-mini", "--yes", OPENAI_BASE_URL=openai_server.base_url
        )
        assert result.code == code
        assert "Traceback" not in result.stderr

    def test_malformed_frames_interrupt_and_split_frames_do_not(
        self, sparring: Runner, openai_server: FakeOpenAI
    ) -> None:
        env = {"OPENAI_BASE_URL": openai_server.base_url}
        openai_server.script(Reply(split_frames=True), Reply(malformed_after=2))
        run = ("headlines", "--free", "-m", "openai:gpt-4o-mini", "--yes")
        assert sparring(*run, input=DRAFT, env=env).stdout == DEFAULT_TEXT + "\n"
        broken = sparring(*run, input=DRAFT, env=env)
        assert broken.code == 75
        assert "malformed" in broken.stderr


class TestTimeToFirstToken:
    """Timed from when the request leaves, through each real SDK and its HTTP client."""

    FIRST_AFTER = 0.2  # the server's wait before the first token
    CLIENT_SETUP = 0.3  # the client's own work between building the request and sending it

    @pytest.mark.parametrize("provider", ["openai", "anthropic", "ollama"])
    async def test_the_clients_own_setup_before_sending_is_not_counted(
        self, provider: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        servers = {"openai": FakeOpenAI, "anthropic": FakeAnthropic, "ollama": FakeOllama}
        with servers[provider]() as server:
            url = server.base_url if isinstance(server, FakeOpenAI) else server.url
            for variable in ("OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "OLLAMA_HOST"):
                monkeypatch.setenv(variable, url)
            name = {
                "openai": "openai:gpt-4o-mini",
                "anthropic": "anthropic:claude-opus-4-5",
                "ollama": "ollama:qwen3:4b",
            }[provider]
            backend = open_backend(resolve(name, Config()), Config())
            await backend.prepare()
            self.slow_down_the_transport(backend)
            server.script(Reply(stall_after=0, stall_seconds=self.FIRST_AFTER))
            request = ChatRequest((Message("user", "draft"),))
            try:
                events = [event async for event in backend.stream(request)]
            finally:
                await backend.aclose()
        usage = events[-1]
        assert isinstance(usage, Usage) and usage.time_to_first_token is not None
        assert self.FIRST_AFTER <= usage.time_to_first_token < self.FIRST_AFTER + 0.1

    def slow_down_the_transport(self, backend: Any) -> None:
        """Make the HTTP client slow to reach the network, as its first request is
        (its connection pool set up on first use), after the SDK's event hooks ran."""
        # Every SDK keeps its httpx client as `_client`, and httpx its transport as `_transport`.
        transport = backend.client._client._transport
        send = transport.handle_async_request

        async def slow_send(http_request: Any) -> Any:
            await asyncio.sleep(self.CLIENT_SETUP)
            return await send(http_request)

        transport.handle_async_request = slow_send


class TestKeys:
    def test_each_key_goes_only_to_the_endpoint_it_was_configured_for(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        with FakeOpenAI() as groq, FakeOpenAI() as openai_like, FakeOpenAI() as lan:
            write_config(
                sparring_home,
                f'[endpoints.groq]\nbase_url = "{groq.base_url}"\napi_key_env = "GROQ_API_KEY"\n'
                f'[endpoints.lan]\nbase_url = "{lan.base_url}"\nlocation = "local"\n',
            )
            env = {"OPENAI_BASE_URL": openai_like.base_url}
            for model in ("groq:llama-3.3-70b", "openai:gpt-4o-mini", "lan:qwen"):
                result = sparring("headlines", "--free", "-m", model, "--yes", input=DRAFT, env=env)
                assert result.code == 0, result.stderr
            [to_groq] = groq.chat_requests
            [to_openai] = openai_like.chat_requests
            [to_lan] = lan.chat_requests
        assert to_groq.headers["authorization"] == f"Bearer {CANARY_GROQ}"
        assert to_openai.headers["authorization"] == f"Bearer {CANARY_OPENAI}"
        sent_to_lan = str(to_lan.headers)
        assert not any(key in sent_to_lan for key in (CANARY_GROQ, CANARY_OPENAI))

    def test_a_missing_endpoint_key_exits_77_naming_the_variable(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        write_config(
            sparring_home,
            '[endpoints.groq]\nbase_url = "http://127.0.0.1:9/v1"\napi_key_env = "GROQ_API_KEY"\n',
        )
        result = headlines(sparring, "groq:x", "--yes", GROQ_API_KEY="")
        assert result.code == 77
        assert "GROQ_API_KEY is not set" in result.stderr

    def test_no_key_appears_in_any_file_sparring_writes_or_in_any_output(
        self,
        sparring: Runner,
        sparring_home: Path,
        anthropic_server: FakeAnthropic,
        openai_server: FakeOpenAI,
    ) -> None:
        write_config(
            sparring_home,
            f'[endpoints.groq]\nbase_url = "{openai_server.base_url}"\n'
            'api_key_env = "GROQ_API_KEY"\n',
        )
        env = {
            "ANTHROPIC_BASE_URL": anthropic_server.url,
            "OPENAI_BASE_URL": openai_server.base_url,
        }
        anthropic_server.script(Reply(), Reply(status=401))
        openai_server.script(Reply(), Reply(status=401), Reply(cut_after=1))
        outputs = [
            sparring(
                "headlines",
                "--free",
                "-m",
                "anthropic:claude-opus-4-5",
                "--vs",
                "groq:m",
                "--json",
                "--yes",
                input=DRAFT,
                env=env,
            ),
            sparring(
                "headlines",
                "--free",
                "-m",
                "anthropic:claude-opus-4-5",
                "--yes",
                input=DRAFT,
                env=env,
            ),
            sparring(
                "headlines", "--free", "-m", "openai:gpt-4o-mini", "--yes", input=DRAFT, env=env
            ),
            sparring(
                "headlines", "--free", "-m", "groq:m", "--yes", "--debug", input=DRAFT, env=env
            ),
            sparring("models", env=env),
            sparring("config", "show", env=env),
            sparring("sessions", env=env),
        ]
        written = [
            path.read_text(errors="replace") for path in sparring_home.rglob("*") if path.is_file()
        ]
        assert len(written) >= 5
        for text in [result.output for result in outputs] + written:
            for canary in (CANARY_OPENAI, CANARY_ANTHROPIC, CANARY_GROQ):
                assert canary not in text
