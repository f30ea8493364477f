"""Trust: nothing leaves the machine unasked, keys never leak, and no fault loses a word."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes import DEFAULT_CHUNKS, DEFAULT_TEXT, FakeOllama, FakeOpenAI, Reply
from helpers import (
    DRAFT,
    REPO,
    SAMPLE_DRAFT,
    Runner,
    headlines,
    only_reply,
    read_exactly,
    saved_sessions,
    write_config,
)
from sparring.secret import Secret
from terminal import TerminalFactory, sparring_command

GUARD = REPO / "tests" / "guard"


@pytest.fixture
def cloud_endpoint(sparring_home: Path) -> Iterator[FakeOpenAI]:
    """An OpenAI-compatible server configured as a cloud endpoint (it is really on loopback)."""
    with FakeOpenAI() as server:
        write_config(
            sparring_home,
            f'[endpoints.groq]\nbase_url = "{server.base_url}"\napi_key_env = "GROQ_API_KEY"\n'
            'location = "cloud"\n',
        )
        yield server


class TestEgressGate:
    def test_in_a_pipe_without_yes_nothing_is_sent_and_it_exits_2(
        self, sparring: Runner, sparring_home: Path, cloud_endpoint: FakeOpenAI
    ) -> None:
        result = headlines(sparring, "groq:llama")
        assert result.code == 2
        assert "without confirmation" in result.stderr and "--yes" in result.stderr
        assert cloud_endpoint.requests == []

    def test_with_yes_it_is_sent_and_the_session_records_where(
        self, sparring: Runner, sparring_home: Path, cloud_endpoint: FakeOpenAI
    ) -> None:
        result = headlines(sparring, "groq:llama", "--yes")
        assert result.code == 0, result.stderr
        [path] = saved_sessions(sparring_home)
        assert tomllib.loads(path.read_text())["egress"] == ["groq:llama"]

    def test_privacy_allow_cloud_in_the_config_works_like_yes(
        self, sparring: Runner, sparring_home: Path, cloud_endpoint: FakeOpenAI
    ) -> None:
        config = sparring_home / "config.toml"
        config.write_text('privacy = "allow-cloud"\n' + config.read_text())
        assert headlines(sparring, "groq:llama").code == 0

    def test_a_local_run_records_no_egress(
        self, sparring: Runner, sparring_home: Path, ollama_server: FakeOllama
    ) -> None:
        result = headlines(sparring, "ollama:qwen3:4b", OLLAMA_HOST=ollama_server.url)
        assert result.code == 0
        [path] = saved_sessions(sparring_home)
        assert tomllib.loads(path.read_text())["egress"] == []

    def test_an_ollama_cloud_model_is_caught_at_show_before_the_chat(
        self, sparring: Runner, ollama_server: FakeOllama
    ) -> None:
        result = headlines(sparring, "ollama:gpt-oss:120b-cloud", OLLAMA_HOST=ollama_server.url)
        assert result.code == 2
        assert "without confirmation" in result.stderr
        assert ollama_server.chat_requests == []

    @pytest.mark.parametrize(("answer", "code"), [("y", 0), ("n", 2)])
    def test_in_a_terminal_it_shows_what_would_leave_and_asks(
        self,
        terminal: TerminalFactory,
        sparring_home: Path,
        cloud_endpoint: FakeOpenAI,
        answer: str,
        code: int,
    ) -> None:
        screen = terminal(
            f"cat {SAMPLE_DRAFT} | " + sparring_command("headlines", "--free", "-m", "groq:llama"),
            {"GROQ_API_KEY": "gsk-test"},
        )
        asked = screen.wait_for(lambda text: "Send it? [y/N]" in text)
        assert "to:    groq:llama (not on this machine)" in asked
        assert f"stdin: {len(SAMPLE_DRAFT.read_text()):,} characters" not in asked
        assert "characters, about" in asked and "tokens" in asked
        screen.keys(answer, "Enter")
        done = screen.wait_for(lambda text: "EXITED" in text)
        assert f"EXITED {code}" in done
        assert len(cloud_endpoint.chat_requests) == (1 if answer == "y" else 0)


class TestLocalOnly:
    """With a socket guard: any connection that would leave 127.0.0.1 fails the test."""

    @pytest.fixture
    def guarded(self, tmp_path: Path) -> tuple[dict[str, str], Path]:
        log = tmp_path / "guard.log"
        return {"PYTHONPATH": str(GUARD), "SPARRING_SOCKET_GUARD_LOG": str(log)}, log

    @pytest.mark.parametrize(
        "model", ["anthropic:claude-opus-4-1", "openai:gpt-5", "groq:llama-3.3-70b"]
    )
    def test_cloud_models_are_refused_before_any_connection(
        self,
        sparring: Runner,
        sparring_home: Path,
        guarded: tuple[dict[str, str], Path],
        model: str,
    ) -> None:
        env, log = guarded
        write_config(
            sparring_home,
            '[endpoints.groq]\nbase_url = "https://api.groq.com/v1"\n'
            'api_key_env = "GROQ_API_KEY"\n',
        )
        env = {**env, "ANTHROPIC_BASE_URL": "", "OPENAI_BASE_URL": ""}
        result = sparring(
            "headlines", "--free", "-m", model, "--local-only", "--yes", input=DRAFT, env=env
        )
        assert result.code == 2
        assert "local-only refuses it" in result.stderr
        assert not log.exists()

    def test_privacy_local_only_in_the_config_refuses_too(
        self, sparring: Runner, sparring_home: Path, guarded: tuple[dict[str, str], Path]
    ) -> None:
        env, log = guarded
        write_config(sparring_home, 'privacy = "local-only"\n')
        result = sparring(
            "headlines",
            "--free",
            "-m",
            "anthropic:claude-opus-4-1",
            input=DRAFT,
            env={**env, "ANTHROPIC_BASE_URL": ""},
        )
        assert result.code == 2
        assert not log.exists()

    def test_an_ollama_cloud_model_is_refused_after_show_and_nothing_is_sent(
        self, sparring: Runner, guarded: tuple[dict[str, str], Path], ollama_server: FakeOllama
    ) -> None:
        env, log = guarded
        result = sparring(
            "headlines",
            "--free",
            "-m",
            "ollama:gpt-oss:120b-cloud",
            "--local-only",
            input=DRAFT,
            env={**env, "OLLAMA_HOST": ollama_server.url},
        )
        assert result.code == 2
        assert "local-only refuses it" in result.stderr
        assert ollama_server.chat_requests == []
        assert not log.exists()

    def test_the_guard_itself_catches_a_connection_that_would_leave(
        self, sparring: Runner, guarded: tuple[dict[str, str], Path]
    ) -> None:
        env, log = guarded
        result = sparring(
            "headlines",
            "--free",
            "-m",
            "anthropic:claude-opus-4-1",
            "--yes",
            input=DRAFT,
            env={**env, "ANTHROPIC_BASE_URL": ""},
        )
        assert result.code == 69
        assert "api.anthropic.com" in log.read_text()


class TestKeys:
    def test_a_key_prints_masked(self) -> None:
        key = Secret("sk-very-secret")
        assert "sk-very-secret" not in f"{key} {key!r} {[key]}"
        assert key.reveal() == "sk-very-secret"

    def test_a_key_can_come_from_a_command(self, sparring: Runner, sparring_home: Path) -> None:
        with FakeOpenAI() as server:
            write_config(
                sparring_home,
                f'[endpoints.vault]\nbase_url = "{server.base_url}"\nlocation = "local"\n'
                "api_key_command = \"printf 'key-from-the-vault\\\\n'\"\n",
            )
            result = headlines(sparring, "vault:m")
            assert result.code == 0, result.stderr
            [request] = server.chat_requests
        assert request.headers["authorization"] == "Bearer key-from-the-vault"
        assert "key-from-the-vault" not in saved_sessions(sparring_home)[0].read_text()

    def test_a_failing_key_command_exits_77(self, sparring: Runner, sparring_home: Path) -> None:
        write_config(
            sparring_home,
            '[endpoints.vault]\nbase_url = "http://127.0.0.1:9/v1"\n'
            'location = "local"\napi_key_command = "false"\n',
        )
        result = headlines(sparring, "vault:m")
        assert result.code == 77
        assert "gave no key" in result.stderr


class TestCheckedStreams:
    def run(self, sparring: Runner, server: FakeOpenAI, *extra: str):  # type: ignore[no-untyped-def]
        return headlines(
            sparring, "openai:gpt-4o-mini", "--yes", *extra, OPENAI_BASE_URL=server.base_url
        )

    def test_429_then_200_is_retried_honouring_retry_after(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        with FakeOpenAI() as server:
            server.script(Reply(status=429, retry_after=1), Reply())
            result = self.run(sparring, server)
            assert len(server.chat_requests) == 2
        assert result.code == 0
        assert result.stdout == DEFAULT_TEXT + "\n"
        assert "retrying in 1.0 s" in result.stderr

    def test_retries_are_bounded(self, sparring: Runner) -> None:
        with FakeOpenAI() as server:
            server.script(*[Reply(status=500)] * 5)
            result = self.run(sparring, server)
            assert len(server.chat_requests) == 4  # the first try and three retries
        assert result.code == 75

    def test_no_retry_after_the_first_token(self, sparring: Runner, sparring_home: Path) -> None:
        with FakeOpenAI() as server:
            server.script(Reply(error_event_after=2), Reply())
            result = self.run(sparring, server)
            assert len(server.chat_requests) == 1
        assert result.code == 75
        [path] = saved_sessions(sparring_home)
        assert tomllib.loads(path.read_text())["turns"][0]["replies"][0]["text"] == "".join(
            DEFAULT_CHUNKS[:2]
        )

    def test_a_stall_is_cut_with_a_clear_message_and_the_text_kept(
        self, sparring: Runner, sparring_home: Path, ollama_server: FakeOllama
    ) -> None:
        write_config(sparring_home, "stall_timeout = 1\n")
        ollama_server.script(Reply(stall_after=2, stall_seconds=20))
        result = headlines(sparring, "ollama:qwen3:4b", OLLAMA_HOST=ollama_server.url)
        assert result.code == 75
        assert "no data from Ollama" in result.stderr
        reply = only_reply(sparring_home)
        assert (reply["status"], reply["text"]) == ("interrupted", "".join(DEFAULT_CHUNKS[:2]))


class TestSignals:
    @pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
    def test_sigterm_and_sighup_in_pipe_mode_save_what_streamed(
        self, sparring_home: Path, ollama_server: FakeOllama, signum: int
    ) -> None:
        ollama_server.script(Reply(delay=0.5))
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sparring",
                "headlines",
                "--free",
                str(SAMPLE_DRAFT),
                "-m",
                "ollama:qwen3:4b",
                "--raw",  # streamed as written (folded, a list is printed once whole)
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "OLLAMA_HOST": ollama_server.url},
        )
        assert process.stdout is not None
        first = read_exactly(process.stdout, len(DEFAULT_CHUNKS[0].encode()))
        process.send_signal(signum)
        rest, errors = process.communicate(timeout=30)
        assert process.returncode == 128 + signum
        reply = only_reply(sparring_home)
        assert reply["status"] == "interrupted"
        assert (first + rest).decode().rstrip("\n") == reply["text"]
        assert signal.Signals(signum).name in errors.decode()

    @pytest.mark.model
    def test_a_native_crash_mid_answer_does_not_take_the_session_with_it(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sparring",
                "counter",
                "--free",
                "--raw",  # streamed as written (folded, a list is printed once whole)
                str(SAMPLE_DRAFT),
                "--count",
                "9",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None
        shown = b""
        deadline_chunks = 0
        # Wait until a checkpoint (every 2 s) has put some of the answer on disk.
        while True:
            shown += process.stdout.read(1)
            files = saved_sessions(sparring_home)
            if files and tomllib.loads(files[0].read_text())["turns"][0]["replies"][0].get("text"):
                break
            deadline_chunks += 1
            assert deadline_chunks < 20_000, "no checkpoint reached the disk"
        process.send_signal(signal.SIGSEGV)  # what a crash in llama.cpp looks like from outside
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGSEGV
        listing = sparring("sessions")
        assert "[interrupted]" in listing.stdout
        reply = tomllib.loads(saved_sessions(sparring_home)[0].read_text())["turns"][0]["replies"][
            0
        ]
        assert reply["text"] and shown.decode(errors="ignore").startswith(reply["text"][:10])


class TestBadInput:
    def test_stdout_closed_early_is_quiet_and_the_answer_is_still_saved(
        self, sparring_home: Path, ollama_server: FakeOllama
    ) -> None:
        command = (
            f"{sys.executable} -m sparring headlines --free -m ollama:qwen3:4b "
            f"< {SAMPLE_DRAFT} | head -c 5"
        )
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command],
            capture_output=True,
            text=True,
            env={**os.environ, "OLLAMA_HOST": ollama_server.url},
            timeout=60,
        )
        assert done.stdout == DEFAULT_TEXT[:5]
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stderr and "Broken pipe" not in done.stderr
        assert only_reply(sparring_home)["text"] == DEFAULT_TEXT

    def test_escape_sequences_from_a_model_are_shown_not_obeyed_in_a_terminal(
        self, terminal: TerminalFactory, ollama_server: FakeOllama
    ) -> None:
        ollama_server.script(Reply(chunks=["\x1b[2J\x1b[31mRED", " [bold]x[/bold]\n"]))
        screen = terminal(
            f"echo draft | {sparring_command('headlines', '--free', '-m', 'ollama:qwen3:4b')}",
            {"OLLAMA_HOST": ollama_server.url},
        ).wait_for(lambda text: "EXITED" in text)
        assert "␛[2J␛[31mRED [bold]x[/bold]" in screen

    def test_into_a_pipe_the_answer_goes_byte_for_byte(
        self, sparring: Runner, ollama_server: FakeOllama
    ) -> None:
        ollama_server.script(Reply(chunks=["\x1b[31mRED\n"]), Reply(chunks=["\x1b[31mRED\n"]))
        result = headlines(sparring, "ollama:qwen3:4b", "--raw", OLLAMA_HOST=ollama_server.url)
        assert result.stdout == "\x1b[31mRED\n"
        folded = headlines(sparring, "ollama:qwen3:4b", OLLAMA_HOST=ollama_server.url)
        assert folded.stdout == "1. \x1b[31mRED\n"  # the item, its bytes as they came

    def test_an_unwritable_sessions_dir_keeps_the_answer_and_offers_an_emergency_copy(
        self, sparring: Runner, sparring_home: Path, ollama_server: FakeOllama
    ) -> None:
        sparring_home.mkdir(parents=True, exist_ok=True)
        (sparring_home / "sessions").write_text("a file where the dir should be")
        result = headlines(sparring, "ollama:qwen3:4b", OLLAMA_HOST=ollama_server.url)
        assert result.code == 73
        assert result.stdout == DEFAULT_TEXT + "\n"
        copy = Path(result.stderr.split("an emergency copy is at ")[1].split()[0])
        try:
            saved = tomllib.loads(copy.read_text())
            assert saved["turns"][0]["replies"][0]["text"] == DEFAULT_TEXT
            assert copy.stat().st_mode & 0o777 == 0o600
        finally:
            copy.unlink()
