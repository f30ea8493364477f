"""What can be used now: `sparring models` and the TUI's picker share one list (available.py).

Endpoints are asked what they serve; a cloud provider is offered once its key
is set, and otherwise says what to set; local-only asks no server in the cloud.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from fakes import FakeOllama, FakeOpenAI
from helpers import Runner, write_config
from sparring import available
from sparring.config import Config, Endpoint, Privacy


def rows(output: str) -> dict[str, str]:
    return {line.split()[0]: line for line in output.splitlines()}


class TestWhatEveryServerServes:
    def test_an_endpoint_lists_its_models_ready_to_use(
        self, sparring: Runner, sparring_home: Path, openai_server: FakeOpenAI
    ) -> None:
        write_config(
            sparring_home,
            f'[endpoints.lab]\nbase_url = "{openai_server.base_url}"\nlocation = "local"\n',
        )
        listed = rows(sparring("models").stdout)
        assert listed["lab:gpt-4o-mini"].split()[1] == "local"
        assert f"served at {openai_server.base_url}" in listed["lab:gpt-5-mini"]

    def test_an_endpoint_whose_key_is_not_set_says_which_to_set(
        self, sparring: Runner, sparring_home: Path, openai_server: FakeOpenAI
    ) -> None:
        write_config(
            sparring_home,
            f'[endpoints.lab]\nbase_url = "{openai_server.base_url}"\n'
            'api_key_env = "LAB_KEY_NOT_SET"\n',
        )
        assert "set LAB_KEY_NOT_SET" in rows(sparring("models").stdout)["lab:MODEL"]
        assert openai_server.requests == []

    def test_a_cloud_provider_is_offered_once_its_key_is_set(self, sparring: Runner) -> None:
        without = rows(sparring("models", env={"ANTHROPIC_API_KEY": ""}).stdout)
        assert "set ANTHROPIC_API_KEY" in without["anthropic:MODEL"]
        assert not [name for name in without if name.startswith("anthropic:claude")]
        keyed = rows(sparring("models").stdout)  # the suite's canary key is set
        assert "anthropic:claude-sonnet-4-5" in keyed and "anthropic:MODEL" not in keyed

    def test_ollama_and_the_embedded_model_are_listed_with_where_they_run(
        self, sparring: Runner, ollama_server: FakeOllama
    ) -> None:
        listed = rows(sparring("models", env={"OLLAMA_HOST": ollama_server.url}).stdout)
        assert listed["local"].split()[1] == "local"
        assert listed["ollama:qwen3:4b"].split()[1] == "local"


class TestLocalOnly:
    def test_no_server_in_the_cloud_is_asked_and_no_cloud_model_offered(
        self, openai_server: FakeOpenAI
    ) -> None:
        cloud = Endpoint("far", openai_server.base_url, location="cloud")
        config = Config(endpoints={"far": cloud})
        choices = asyncio.run(available.everything(config, Privacy(local_only=True)))
        assert all(choice.location != "cloud" for choice in choices), choices
        assert openai_server.requests == []


class TestMissingKeys:
    def test_a_model_needing_a_key_that_is_not_set_names_the_variable(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("ANTHROPIC_API_KEY")
        config = Config(aliases={"flagship": "anthropic:claude-opus-4-1"})
        assert available.missing_key("flagship", config) == "ANTHROPIC_API_KEY"
        assert available.missing_key("local", config) == ""
