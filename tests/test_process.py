"""The process around the answer: its standard streams, the requests besides the chat,
votes cast at once, and the modes of what it writes.

Each fault ends in its documented exit code with one line on stderr and no traceback;
what was answered is saved whatever became of stdout.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import struct
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest

from fakes import DEFAULT_TEXT, FakeOllama, Reply, closed_port
from helpers import SAMPLE_DRAFT, Runner, only_reply, saved_sessions, write_config
from sparring.sessions import store
from sparring.sessions.model import Reply as SavedReply
from sparring.sessions.model import Session, Turn, Vote


def shell(command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`command` in bash, with sparring as `$SPARRING`."""
    return subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        env={**os.environ, "SPARRING": f"{sys.executable} -m sparring", **(env or {})},
        timeout=120,
        check=False,
    )


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr
    [line] = stderr.splitlines()
    return line


class TestTheStandardStreams:
    # A one-off instruction: a text answer, printed as it came.
    RUN = "$SPARRING --ask 'Say it.' -m ollama:qwen3:4b < {draft}"

    @pytest.mark.parametrize(
        ("redirect", "why"), [(">&-", "it is closed"), ("> /dev/full", "No space left")]
    )
    def test_a_stdout_that_cannot_take_the_answer_is_73_and_the_answer_is_saved(
        self, sparring_home: Path, ollama_server: FakeOllama, redirect: str, why: str
    ) -> None:
        done = shell(
            f"{self.RUN.format(draft=SAMPLE_DRAFT)} {redirect}", {"OLLAMA_HOST": ollama_server.url}
        )
        assert done.returncode == 73
        line = one_line(done.stderr)
        assert f"the answer could not be written to stdout ({why}" in line
        assert "it is saved in session" in line
        assert only_reply(sparring_home)["text"] == DEFAULT_TEXT

    def test_a_closed_stderr_does_not_fail_a_successful_run(
        self, sparring_home: Path, ollama_server: FakeOllama
    ) -> None:
        done = shell(
            f"{self.RUN.format(draft=SAMPLE_DRAFT)} 2>&-", {"OLLAMA_HOST": ollama_server.url}
        )
        assert (done.returncode, done.stdout) == (0, DEFAULT_TEXT + "\n")

    def test_a_closed_stderr_keeps_a_failures_exit_code_and_stdout_clean(
        self, sparring_home: Path
    ) -> None:
        done = shell(f"{self.RUN.format(draft=SAMPLE_DRAFT)} 2>&-", {"OLLAMA_HOST": closed_port()})
        assert (done.returncode, done.stdout) == (69, "")

    @pytest.mark.parametrize("command", ["sessions", "prompts", "models"])
    def test_a_listing_into_a_full_disk_is_73(self, sparring_home: Path, command: str) -> None:
        done = shell(f"$SPARRING {command} > /dev/full", {"OLLAMA_HOST": closed_port()})
        if command == "sessions":  # no sessions: nothing written to stdout, nothing failed
            assert done.returncode == 0
            return
        assert done.returncode == 73
        assert one_line(done.stderr) == (
            "sparring: error: cannot write to stdout: No space left on device"
        )


class Resetting:
    """A server that reads each request and answers with a TCP reset (SO_LINGER 0)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.requests = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            connection.settimeout(5)
            with contextlib.suppress(OSError):
                connection.recv(65536)
                self.requests += 1
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()


class TestAResetOnEveryBackend:
    @pytest.mark.parametrize(
        ("model", "variable", "suffix"),
        [
            ("ollama:qwen3:4b", "OLLAMA_HOST", ""),
            ("openai:gpt-4o-mini", "OPENAI_BASE_URL", "/v1"),
            ("anthropic:claude-opus-4-5", "ANTHROPIC_BASE_URL", ""),
        ],
    )
    def test_a_server_that_resets_every_request_is_one_line(
        self, sparring: Runner, model: str, variable: str, suffix: str
    ) -> None:
        server = Resetting()
        result = sparring(
            "headlines", "-m", model, "--yes", input="draft", env={variable: server.url + suffix}
        )
        assert server.requests >= 1
        assert result.code in (69, 75), result.stderr
        line = one_line(result.stderr)
        assert "unexpected" not in line


class TestEveryRequestNotOnlyTheChat:
    def test_ollama_show_answering_429_is_asked_again_then_the_answer_comes(
        self, sparring: Runner, ollama_server: FakeOllama
    ) -> None:
        ollama_server.script(Reply(status=429), path="/api/show")
        result = sparring(
            "headlines",
            "-m",
            "ollama:qwen3:4b",
            input="draft",
            env={"OLLAMA_HOST": ollama_server.url},
        )
        assert result.code == 0, result.stderr
        shows = [request for request in ollama_server.requests if request.path == "/api/show"]
        assert len(shows) == 2

    def test_ollama_show_answering_429_every_time_is_75_in_one_line(
        self, sparring: Runner, ollama_server: FakeOllama
    ) -> None:
        ollama_server.script(*[Reply(status=429)] * 4, path="/api/show")
        result = sparring(
            "headlines",
            "-m",
            "ollama:qwen3:4b",
            input="draft",
            env={"OLLAMA_HOST": ollama_server.url},
        )
        assert result.code == 75
        assert "429" in one_line(result.stderr)
        assert ollama_server.chat_requests == []

    def test_models_says_so_when_ollama_answers_429(
        self, sparring: Runner, ollama_server: FakeOllama
    ) -> None:
        ollama_server.script(*[Reply(status=429)] * 8, path="/api/show")
        result = sparring("models", env={"OLLAMA_HOST": ollama_server.url})
        assert result.code == 0, result.stderr
        [row] = [line for line in result.stdout.splitlines() if line.startswith("ollama:")]
        assert "429" in row or "rate limit" in row, row

    def test_pull_with_ollama_down_is_69_in_one_line(self, sparring: Runner) -> None:
        result = sparring("pull", "qwen3:4b", env={"OLLAMA_HOST": closed_port()})
        assert result.code == 69
        assert "Ollama is not reachable" in one_line(result.stderr)


def blind_session(folder: Path | None = None) -> Path:
    session = Session(
        id="b1d0b1d0",
        turns=[
            Turn(
                task="headlines",
                user="u",
                replies=[
                    SavedReply(model="local", status="ok", text="1. a"),
                    SavedReply(model="ollama:qwen3:4b", status="ok", text="1. b"),
                ],
            )
        ],
        votes=[Vote(turn=0, order=["local", "ollama:qwen3:4b"])],
    )
    if folder is None:
        return store.save(session)
    path = folder / "x.toml"
    store.save_at(session, path)
    return path


class TestVotesCastAtOnce:
    def test_of_eight_concurrent_votes_exactly_one_is_recorded(self, sparring_home: Path) -> None:
        path = blind_session()
        choices = ["a", "b", "tie", "bad", "a", "b", "tie", "bad"]
        voters = [
            subprocess.Popen(
                [sys.executable, "-m", "sparring", "vote", "b1d0", choice],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for choice in choices
        ]
        results = [(voter.wait(timeout=120), voter.communicate()[1]) for voter in voters]
        recorded = [err for code, err in results if code == 0]
        refused = [err for code, err in results if code == 2]
        assert len(recorded) == 1 and len(refused) == 7, results
        assert "recorded for session b1d0b1d0" in recorded[0]
        assert all("already has a vote" in one_line(err) for err in refused)
        [vote] = tomllib.loads(path.read_text())["votes"]
        choice = choices[[code for code, _ in results].index(0)]
        assert vote["choice"] == {"a": "A", "b": "B", "tie": "tie", "bad": "both-bad"}[choice]


class TestModes:
    def test_the_emergency_copy_leaves_the_temp_dirs_mode_alone(
        self, sparring: Runner, sparring_home: Path, ollama_server: FakeOllama, tmp_path: Path
    ) -> None:
        temp = tmp_path / "shared-tmp"
        temp.mkdir()
        temp.chmod(0o1777)
        sparring_home.mkdir(parents=True, exist_ok=True)
        (sparring_home / "sessions").write_text("a file where the dir should be")
        result = sparring(
            "headlines",
            "-m",
            "ollama:qwen3:4b",
            input="draft",
            env={"OLLAMA_HOST": ollama_server.url, "TMPDIR": str(temp)},
        )
        assert result.code == 73
        [copy] = temp.glob("sparring-*.toml")
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        assert stat.S_IMODE(temp.stat().st_mode) == 0o1777

    def test_a_vote_on_a_session_file_elsewhere_leaves_its_dir_alone(
        self, sparring: Runner, tmp_path: Path
    ) -> None:
        folder = tmp_path / "shared"
        folder.mkdir()
        folder.chmod(0o755)
        path = blind_session(folder)
        result = sparring("vote", str(path), "a")
        assert result.code == 0, result.stderr
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_an_export_is_private_and_its_dir_left_alone(
        self, sparring: Runner, sparring_home: Path, tmp_path: Path
    ) -> None:
        blind_session()
        folder = tmp_path / "out"
        folder.mkdir()
        folder.chmod(0o755)
        for form in ("md", "json"):
            target = folder / f"session.{form}"
            result = sparring("export", "b1d0", "--format", form, "-o", str(target))
            assert result.code == 0, result.stderr
            assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert stat.S_IMODE(folder.stat().st_mode) == 0o755

    def test_an_export_to_a_device_writes_it_and_does_not_replace_it(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        blind_session()
        result = sparring("export", "b1d0", "-o", "/dev/null")
        assert result.code == 0, result.stderr
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)

    def test_the_dirs_sparring_makes_are_private(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        write_config(sparring_home, "")
        blind_session()
        assert stat.S_IMODE((sparring_home / "sessions").stat().st_mode) == 0o700
        assert saved_sessions(sparring_home)
