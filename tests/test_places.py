"""Where a model runs is decided by where its bytes go, and fails closed.

Three places: this machine (a loopback address), the writer's own network (a
private address, declared so), the cloud (anything else, host names included).
What the config declares can make a place stricter, never looser; an
openai:/anthropic: URL on loopback is a gateway (the cloud) until the config
says what is behind it; no redirect is followed. Under --local-only nothing
contacts a host that is not this machine: checked with the socket guard (any
connection that would leave 127.0.0.1 fails and is logged) and a logging proxy
(which hears of connections that go out through HTTPS_PROXY, as the bypass in
issue 12 did: `CONNECT api.groq.com:443`).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fakes import FakeAnthropic, FakeOllama, FakeOpenAI, Reply
from helpers import DRAFT, REPO, Runner, saved_sessions, write_config
from sparring.config import LOCATIONS, Config, Endpoint, Location
from sparring.figures import where_label
from sparring.providers import ModelRef, address_place, expected_location, resolve

GUARD = REPO / "tests" / "guard"
#: A documentation address (RFC 5737): public, and never answered.
PUBLIC = "https://203.0.113.7/v1"


class LoggingProxy:
    """An HTTP(S) proxy that writes down the first line of every request and answers none."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            with connection:
                connection.settimeout(5)
                with contextlib.suppress(OSError):
                    self.lines.append(connection.recv(4096).split(b"\r\n")[0].decode())

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def watched(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path, LoggingProxy]]:
    """The environment of a run under the socket guard and behind the logging proxy."""
    proxy = LoggingProxy()
    log = tmp_path / "guard.log"
    env = {
        "PYTHONPATH": str(GUARD),
        "SPARRING_SOCKET_GUARD_LOG": str(log),
        "HTTPS_PROXY": proxy.url,
        "HTTP_PROXY": proxy.url,
        "ALL_PROXY": proxy.url,
        "NO_PROXY": "127.0.0.1,localhost",
    }
    yield env, log, proxy
    proxy.close()


def nothing_left(log: Path, proxy: LoggingProxy) -> None:
    assert not log.exists(), log.read_text()
    assert proxy.lines == []


def endpoint_ref(base_url: str, location: Location) -> ModelRef:
    endpoint = Endpoint("lab", base_url, location=location)
    return ModelRef("lab:m", "lab", "m", endpoint, location)


class TestThePlaceIsTheAddressOrStricter:
    @pytest.mark.parametrize(
        ("url", "declared", "place"),
        [
            ("http://127.0.0.1:8080/v1", "local", "local"),
            ("http://localhost:8080/v1", "local", "local"),
            ("http://[::1]:8080/v1", "local", "local"),
            ("http://[::ffff:127.0.0.1]:8080/v1", "local", "local"),
            ("http://192.168.1.20:8080/v1", "local", "network"),
            ("http://10.0.0.5:8080/v1", "network", "network"),
            ("http://[fd00::5]:8080/v1", "network", "network"),
            ("http://100.101.102.103:8080/v1", "network", "network"),
            # A declaration never makes a place looser than its address:
            ("https://api.groq.com/openai/v1", "local", "cloud"),
            ("https://203.0.113.7/v1", "network", "cloud"),
            # ...and may make it stricter:
            ("http://127.0.0.1:8080/v1", "cloud", "cloud"),
            ("http://127.0.0.1:8080/v1", "network", "network"),
            ("http://192.168.1.20:8080/v1", "cloud", "cloud"),
            # A name cannot be placed without asking DNS: the cloud.
            ("http://gpu-box.lan:8080/v1", "local", "cloud"),
        ],
    )
    def test_an_endpoint(self, url: str, declared: Location, place: Location) -> None:
        assert expected_location(endpoint_ref(url, declared)) == place

    @given(st.sampled_from(LOCATIONS), st.ip_addresses().map(str))
    def test_a_declaration_never_makes_a_place_looser(self, declared: Location, ip: str) -> None:
        url = f"http://[{ip}]:1/v1" if ":" in ip else f"http://{ip}:1/v1"
        place = expected_location(endpoint_ref(url, declared))
        assert LOCATIONS.index(place) >= LOCATIONS.index(address_place(url))
        assert LOCATIONS.index(place) >= LOCATIONS.index(declared)

    @pytest.mark.parametrize(
        ("provider", "variable"),
        [("openai", "OPENAI_BASE_URL"), ("anthropic", "ANTHROPIC_BASE_URL")],
    )
    def test_a_gateway_on_loopback_is_the_cloud_until_the_config_says_otherwise(
        self, monkeypatch: pytest.MonkeyPatch, provider: str, variable: str
    ) -> None:
        monkeypatch.setenv(variable, "http://127.0.0.1:4000")
        name = f"{provider}:some-model"
        assert expected_location(resolve(name, Config())) == "cloud"
        declared = Config(locations={provider: "local"})
        assert expected_location(resolve(name, declared)) == "local"

    def test_ollama_is_where_ollama_host_points(self, monkeypatch: pytest.MonkeyPatch) -> None:
        for host, place in [
            ("127.0.0.1:11434", "local"),
            ("0.0.0.0", "local"),
            ("192.168.1.9:11434", "network"),
            ("https://ollama.example.com", "cloud"),
        ]:
            monkeypatch.setenv("OLLAMA_HOST", host)
            assert expected_location(resolve("ollama:qwen3:4b", Config())) == place, host

    def test_every_view_says_where_in_one_wording(self) -> None:
        assert where_label("network") == "network · on your network"
        assert where_label("local") == "local · on this machine"


class TestLocalOnlyFailsClosed:
    def test_an_endpoint_declared_local_on_a_public_host_is_refused_with_nothing_sent(
        self,
        sparring: Runner,
        sparring_home: Path,
        watched: tuple[dict[str, str], Path, LoggingProxy],
    ) -> None:
        env, log, proxy = watched
        write_config(
            sparring_home,
            '[endpoints.groq]\nbase_url = "https://api.groq.com/openai/v1"\n'
            'api_key_env = "GROQ_API_KEY"\nlocation = "local"\n',
        )
        result = sparring("headlines", "-m", "groq:llama", "--local-only", input=DRAFT, env=env)
        assert result.code == 2, result.stderr
        assert "api.groq.com, not on this machine; local-only refuses it" in result.stderr
        assert 'location = "local" cannot make api.groq.com this machine' in result.stderr
        nothing_left(log, proxy)

    def test_without_local_only_it_is_asked_about_and_in_a_pipe_refused(
        self,
        sparring: Runner,
        sparring_home: Path,
        watched: tuple[dict[str, str], Path, LoggingProxy],
    ) -> None:
        env, log, proxy = watched
        write_config(
            sparring_home,
            f'[endpoints.groq]\nbase_url = "{PUBLIC}"\napi_key_env = "GROQ_API_KEY"\n'
            'location = "local"\n',
        )
        result = sparring("headlines", "-m", "groq:llama", input=DRAFT, env=env)
        assert result.code == 2
        assert "without confirmation" in result.stderr
        nothing_left(log, proxy)

    # Each SDK's client follows redirects unless told not to: openai 3.57 and anthropic 2.14,
    # _base_client.py, _DefaultAsyncHttpxClient: kwargs.setdefault("follow_redirects", True);
    # ollama 0.6.3, _client.py, BaseClient.__init__(..., follow_redirects: bool = True). A 307
    # re-sends the body, draft and key included, to wherever it points.
    @pytest.mark.parametrize("server_type", [FakeOpenAI, FakeAnthropic, FakeOllama])
    def test_a_loopback_server_that_redirects_elsewhere_is_not_followed(
        self,
        sparring: Runner,
        sparring_home: Path,
        watched: tuple[dict[str, str], Path, LoggingProxy],
        server_type: type[FakeOpenAI | FakeAnthropic | FakeOllama],
    ) -> None:
        env, log, proxy = watched
        with server_type() as server:
            if isinstance(server, FakeOpenAI):
                url = server.base_url
                write_config(
                    sparring_home, f'[endpoints.lab]\nbase_url = "{url}"\nlocation = "local"\n'
                )
                model = "lab:m"
            elif isinstance(server, FakeAnthropic):
                write_config(sparring_home, '[locations]\nanthropic = "local"\n')
                env = {**env, "ANTHROPIC_BASE_URL": server.url}
                model = "anthropic:claude-opus-4-5"
            else:
                env = {**env, "OLLAMA_HOST": server.url}
                model = "ollama:qwen3:4b"
            server.script(Reply(redirect_to=f"{PUBLIC}/chat/completions"))
            result = sparring("headlines", "-m", model, "--local-only", input=DRAFT, env=env)
            assert len(server.chat_requests) == 1
        assert result.code == 69, result.stderr
        assert "redirected the request" in result.stderr and "follows no redirect" in result.stderr
        assert "Traceback" not in result.stderr
        nothing_left(log, proxy)

    def test_a_gateway_on_loopback_is_refused_until_the_config_says_it_is_a_model(
        self,
        sparring: Runner,
        sparring_home: Path,
        watched: tuple[dict[str, str], Path, LoggingProxy],
    ) -> None:
        env, log, proxy = watched
        with FakeOpenAI() as server:
            env = {**env, "OPENAI_BASE_URL": server.base_url}
            refused = sparring("headlines", "-m", "openai:m", "--local-only", input=DRAFT, env=env)
            assert server.requests == []
            write_config(sparring_home, '[locations]\nopenai = "local"\n')
            allowed = sparring("headlines", "-m", "openai:m", "--local-only", input=DRAFT, env=env)
            assert server.chat_requests
        assert refused.code == 2
        assert "which may be a gateway to the cloud" in refused.stderr
        assert '[locations] openai = "local"' in refused.stderr
        assert allowed.code == 0, allowed.stderr
        nothing_left(log, proxy)

    @pytest.mark.parametrize("how", ["flag", "config"])
    def test_models_asks_no_ollama_that_is_not_on_this_machine(
        self,
        sparring: Runner,
        sparring_home: Path,
        watched: tuple[dict[str, str], Path, LoggingProxy],
        how: str,
    ) -> None:
        env, log, proxy = watched
        env = {**env, "OLLAMA_HOST": "http://203.0.113.7:11434"}
        if how == "config":
            write_config(sparring_home, 'privacy = "local-only"\n')
        result = sparring("models", *(["--local-only"] if how == "flag" else []), env=env)
        assert result.code == 0, result.stderr
        assert "not asked: http://203.0.113.7:11434 is not on this machine" in result.stdout
        nothing_left(log, proxy)

    def test_models_without_local_only_says_where_each_provider_runs(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        write_config(
            sparring_home,
            '[locations]\nopenai = "local"\n[endpoints.lab]\n'
            'base_url = "http://192.168.1.20:8080/v1"\nlocation = "local"\n',
        )
        rows = [line.split()[:2] for line in sparring("models").stdout.splitlines()]

        def places(provider: str) -> set[str]:
            return {place for name, place in rows if name.startswith(f"{provider}:")}

        # The test's OPENAI_BASE_URL is on loopback, declared local; Anthropic's is its own.
        assert places("openai") == {"local"}
        assert places("anthropic") == {"cloud"}
        assert places("lab") == {"network"}


class TestAModelThatCannotBeOpened:
    def test_keeps_the_place_its_name_implies(self, sparring: Runner, sparring_home: Path) -> None:
        result = sparring(
            "headlines",
            "-m",
            "anthropic:claude-opus-4-1",
            "--yes",
            "--json",
            input=DRAFT,
            env={"ANTHROPIC_API_KEY": ""},
        )
        assert result.code == 77
        [reply] = json.loads(result.stdout)["replies"]
        assert reply["location"] == "cloud"
        [path] = saved_sessions(sparring_home)
        assert tomllib.loads(path.read_text())["turns"][0]["replies"][0]["location"] == "cloud"
