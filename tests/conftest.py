"""Shared fixtures: every test gets its own SPARRING_HOME, and no real service is reachable.

Canary keys are set for the whole suite so tests can prove that no key ever
reaches a file or an output. What tests import by name lives in helpers.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from fakehub import FakeHub
from fakes import FakeAnthropic, FakeOllama, FakeOpenAI
from helpers import (
    CANARY_ANTHROPIC,
    CANARY_GROQ,
    CANARY_OPENAI,
    OUTPUTS,
    Runner,
    canary_leaks,
    run_sparring,
)
from terminal import terminal  # noqa: F401  (the fixture, for every test module)

if TYPE_CHECKING:
    # The SDKs take seconds to import: only the tests that drive them pay for it.
    import anthropic
    import ollama
    import openai

    from sdk_streams import OpenAIServers


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


@pytest.fixture
def sparring(sparring_home: Path) -> Runner:
    """Run the real `sparring` command in a subprocess, as a user would."""
    return run_sparring


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


@pytest.fixture
async def ollama_client(ollama_server: FakeOllama) -> AsyncIterator[ollama.AsyncClient]:
    import ollama

    client = ollama.AsyncClient(host=ollama_server.url)
    yield client
    await client._client.aclose()


@pytest.fixture
async def openai_client(openai_server: FakeOpenAI) -> AsyncIterator[openai.AsyncOpenAI]:
    import openai

    client = openai.AsyncOpenAI(base_url=openai_server.base_url, api_key="test", max_retries=0)
    yield client
    await client.close()


@pytest.fixture
async def openai_servers() -> AsyncIterator[OpenAIServers]:
    """Start FakeOpenAI servers with given settings, each with a client; stops them after."""
    import openai

    started: list[tuple[FakeOpenAI, openai.AsyncOpenAI]] = []

    def start(**settings: Any) -> tuple[FakeOpenAI, openai.AsyncOpenAI]:
        server = FakeOpenAI(**settings).start()
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="test", max_retries=0)
        started.append((server, client))
        return server, client

    yield start
    for server, client in started:
        await client.close()
        server.stop()
        assert server.errors == []


@pytest.fixture
async def anthropic_client(
    anthropic_server: FakeAnthropic,
) -> AsyncIterator[anthropic.AsyncAnthropic]:
    import anthropic

    client = anthropic.AsyncAnthropic(base_url=anthropic_server.url, api_key="test", max_retries=0)
    yield client
    await client.close()


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
