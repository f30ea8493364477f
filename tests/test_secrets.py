"""No key in any output or file, even from a server that repeats the request's headers.

Gateways and proxies (LiteLLM, nginx error pages, some OpenAI-compatible servers)
answer an error with the request's headers in the body; the fakes do the same
with `Reply(echo_headers=...)`. Whatever the provider and however the key was
configured, the key must reach neither stderr, nor stdout, nor the JSON, nor the
session file: it is masked as ****. The suite's canary scan (conftest) checks
every output and file again at the end.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fakes import FakeAnthropic, FakeOllama, FakeOpenAI, FakeServer, Reply
from helpers import (
    CANARY_ANTHROPIC,
    CANARY_GROQ,
    CANARY_OLLAMA,
    CANARY_OPENAI,
    DRAFT,
    Runner,
    saved_sessions,
    write_config,
)
from sparring import secret
from sparring.cli.streams import GuardedStream
from sparring.errors import TemporaryFailure
from sparring.files import write_private_atomically


@dataclass(frozen=True)
class Provider:
    """A way a key reaches a server: the model, the key, and how the config names it."""

    name: str
    key: str
    server: type[FakeServer]

    def setup(self, home: Path, server: FakeServer) -> tuple[str, dict[str, str]]:
        """The model to ask, and the environment to ask it in."""
        url = server.base_url if isinstance(server, FakeOpenAI) else server.url  # type: ignore[attr-defined]
        if self.name == "openai":
            return "openai:gpt-4o-mini", {"OPENAI_BASE_URL": url}
        if self.name == "anthropic":
            return "anthropic:claude-opus-4-5", {"ANTHROPIC_BASE_URL": url}
        if self.name == "ollama":
            return "ollama:qwen3:4b", {"OLLAMA_HOST": url, "OLLAMA_API_KEY": self.key}
        if self.name == "endpoint, api_key_env":
            write_config(
                home,
                f'[endpoints.groq]\nbase_url = "{url}"\napi_key_env = "GROQ_API_KEY"\n'
                'location = "local"\n',
            )
            return "groq:llama", {}
        # The command reads the key from where the config does not name it, as `pass` would.
        write_config(
            home,
            f'[endpoints.vault]\nbase_url = "{url}"\nlocation = "local"\n'
            'api_key_command = "printenv VAULT_SECRET"\n',
        )
        return "vault:llama", {"VAULT_SECRET": self.key}


PROVIDERS = [
    Provider("openai", CANARY_OPENAI, FakeOpenAI),
    Provider("anthropic", CANARY_ANTHROPIC, FakeAnthropic),
    Provider("ollama", CANARY_OLLAMA, FakeOllama),
    Provider("endpoint, api_key_env", CANARY_GROQ, FakeOpenAI),
    # Not an environment variable sparring knows of: only the command's output says it.
    Provider("endpoint, api_key_command", CANARY_GROQ, FakeOpenAI),
]


@pytest.fixture(params=PROVIDERS, ids=lambda provider: provider.name)
def provider(request: pytest.FixtureRequest) -> Provider:
    return request.param


@pytest.fixture
def server(provider: Provider) -> Iterator[FakeServer]:
    with provider.server() as running:
        yield running


class TestAKeyEchoedByTheServerIsMaskedEverywhere:
    @pytest.mark.parametrize("status", [400, 401, 500])
    @pytest.mark.parametrize("json", [False, True], ids=["text", "json"])
    def test_on_stderr_stdout_and_in_the_session_file(
        self,
        sparring: Runner,
        sparring_home: Path,
        provider: Provider,
        server: FakeServer,
        status: int,
        json: bool,
    ) -> None:
        model, env = provider.setup(sparring_home, server)
        # A 500 is retried three times: every answer echoes the key.
        server.script(
            *[Reply(status=status, retry_after=0, echo_headers=("authorization", "x-api-key"))] * 4
        )
        flags = ("--yes", "--json") if json else ("--yes",)
        result = sparring("headlines", "-m", model, *flags, input=DRAFT, env=env)
        assert result.code in (65, 69, 75, 77), result.output
        sent = [request.headers.get("authorization", "") for request in server.requests]
        assert any(provider.key in header for header in sent), "the key was never sent"
        assert provider.key not in result.output
        # The echoed header is there, masked: the test would see a leak.
        assert "****" in result.stderr
        [path] = saved_sessions(sparring_home)
        saved = path.read_text(encoding="utf-8")
        assert provider.key not in saved and "****" in saved
        if json:
            assert "****" in result.stdout


class TestTheOneRedaction:
    def test_an_error_message_and_hint_hold_no_key(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-in-an-error-0123")
        error = TemporaryFailure("denied: Bearer sk-in-an-error-0123", hint="sk-in-an-error-0123")
        assert error.one_line() == "denied: Bearer **** (****)"

    def test_a_key_from_a_command_is_masked_once_it_is_held(self) -> None:
        secret.Secret("from-a-password-manager")
        assert secret.redact("key=from-a-password-manager.") == "key=****."

    def test_an_endpoints_key_variable_is_masked_once_the_config_names_it(
        self, sparring_home: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from sparring import config

        monkeypatch.setenv("MY_GATEWAY_TOKEN", "tok-gateway-5566")
        assert secret.redact("tok-gateway-5566") == "tok-gateway-5566"
        write_config(
            sparring_home,
            '[endpoints.gw]\nbase_url = "http://127.0.0.1:9/v1"\n'
            'api_key_env = "MY_GATEWAY_TOKEN"\n',
        )
        config.load()
        assert secret.redact("tok-gateway-5566") == "****"

    def test_short_values_are_not_keys(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("OPENAI_API_KEY", "test")
        assert secret.redact("a test answer") == "a test answer"

    def test_every_file_sparring_writes_is_redacted(self, tmp_path: Path) -> None:
        path = tmp_path / "f.toml"
        write_private_atomically(path, f'error = "{CANARY_OPENAI}"\n')
        assert path.read_text(encoding="utf-8") == 'error = "****"\n'

    def test_every_write_to_the_standard_streams_is_redacted(self) -> None:
        inner = io.StringIO()
        GuardedStream(inner, "stdout").write(f"a {CANARY_ANTHROPIC} b")
        assert inner.getvalue() == "a **** b"
