"""Shared fixtures: every test gets its own SPARRING_HOME, and no real service is reachable.

Canary keys are set for the whole suite so tests can prove that no key ever
reaches a file or an output.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fakehub import FakeHub
from fakeservers import FakeAnthropic, FakeOllama, FakeOpenAI
from terminal import terminal  # noqa: F401  (the fixture, for every test module)

CANARY_OPENAI = "sk-canary-openai-7f3e9b2d41c8"
CANARY_ANTHROPIC = "sk-ant-canary-5a1d0c6e92f4"
CANARY_GROQ = "gsk-canary-groq-83b2e71c"
CANARIES = (CANARY_OPENAI, CANARY_ANTHROPIC, CANARY_GROQ)
REPO = Path(__file__).resolve().parent.parent
SAMPLE_DRAFT = REPO / "tests" / "data" / "draft.md"


@pytest.fixture(autouse=True)
def sparring_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SPARRING_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("OPENAI_API_KEY", CANARY_OPENAI)
    monkeypatch.setenv("ANTHROPIC_API_KEY", CANARY_ANTHROPIC)
    monkeypatch.setenv("GROQ_API_KEY", CANARY_GROQ)
    # Nothing listens on port 9 (discard): a test that forgets to point a backend
    # at its own server fails at once instead of reaching a real service.
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    # The GGUF files on this machine (`sparring models`, `local:NAME`) are looked for
    # in the Hugging Face cache, LM Studio's dir (under HOME) and llama.cpp's cache:
    # each test gets empty ones of its own.
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("LLAMA_CACHE", str(tmp_path / "llama-cache"))
    for variable in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(variable, raising=False)
    return home


# Every output of every `sparring` run in the suite, searched for the canary keys at the end.
OUTPUTS: list[str] = []


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


Runner = Callable[..., Result]


@pytest.fixture
def sparring(sparring_home: Path) -> Runner:
    """Run the real `sparring` command in a subprocess, as a user would."""

    def run(
        *args: str,
        input: bytes | str | None = b"",
        env: dict[str, str] | None = None,
        timeout: float = 300,
    ) -> Result:
        data = input.encode("utf-8") if isinstance(input, str) else input
        done = subprocess.run(
            [sys.executable, "-m", "sparring", *args],
            input=data,
            capture_output=True,
            env={**os.environ, **(env or {})},
            timeout=timeout,
            check=False,
            # No controlling terminal: sparring must never wait for a key here.
            start_new_session=True,
        )
        result = Result(
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
        )
        OUTPUTS.append(result.output)
        return result

    return run


DRAFT = b"Our city should plant ten thousand trees by 2030."


def headlines(sparring: Runner, model: str, *flags: str, **env: str) -> Result:
    """`sparring headlines -m MODEL [FLAGS]` on DRAFT, with `env` added to the environment."""
    return sparring("headlines", "-m", model, *flags, input=DRAFT, env=env)


def write_config(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def saved_sessions(home: Path) -> list[Path]:
    return sorted((home / "sessions").glob("*.toml"))


def only_reply(home: Path) -> dict[str, Any]:
    """The one reply of the one session saved under `home`, as written on disk."""
    [path] = saved_sessions(home)
    [reply] = tomllib.loads(path.read_text())["turns"][0]["replies"]
    return reply


@pytest.fixture
def ollama_server() -> Iterator[FakeOllama]:
    """A fake Ollama with a local model, a `-cloud` model, and one it can pull."""
    with FakeOllama(
        models=("qwen3:4b",), cloud_models=("gpt-oss:120b-cloud",), pullable=("llama3.2:1b",)
    ) as server:
        yield server
        assert server.errors == []


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    """A fake Hugging Face hub (and CDN) that HF_ENDPOINT points at; it starts empty."""
    with FakeHub() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server
        assert server.errors == []


@pytest.fixture
def openai_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server
        assert server.errors == []


@pytest.fixture
def anthropic_server() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server
        assert server.errors == []


def canary_leaks(folder: Path, outputs: list[str]) -> list[str]:
    """Where a canary key shows up: any file under `folder`, or any recorded output."""
    leaks = [
        f"output #{index}"
        for index, text in enumerate(outputs)
        if any(canary in text for canary in CANARIES)
    ]
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if any(canary.encode() in data for canary in CANARIES):
                leaks.append(str(path))
    return leaks


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The canary keys were set for the whole suite: no file it wrote and no output holds one."""
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return
    leaks = canary_leaks(factory.getbasetemp(), OUTPUTS)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter is not None:
            reporter.write_line(f"CANARY KEY LEAKED into: {', '.join(leaks[:20])}", red=True)
    elif reporter is not None:
        reporter.write_line(
            f"canary keys: none in {len(OUTPUTS)} outputs or any file under the test dirs"
        )
