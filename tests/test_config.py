"""The config file: typed, checked key by key, written by `sparring config init`."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from helpers import CANARIES, Runner, write_config
from sparring import config, paths
from sparring.errors import ConfigError, UsageError
from sparring.providers import resolve


class TestLocation:
    def test_sparring_home_holds_config_sessions_and_prompts(self, sparring_home: Path) -> None:
        assert paths.config_file() == sparring_home / "config.toml"
        assert paths.sessions_dir() == sparring_home / "sessions"
        assert paths.user_prompts_dir() == sparring_home / "prompts"

    def test_without_sparring_home_the_xdg_dirs_are_used(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("SPARRING_HOME")
        assert paths.config_file() == tmp_path / "xdg-config" / "sparring" / "config.toml"
        assert paths.sessions_dir() == tmp_path / "xdg-data" / "sparring" / "sessions"


class TestReading:
    def test_no_file_means_the_defaults(self) -> None:
        assert config.load().default_model == "local"

    def test_aliases_endpoints_and_local_settings_are_read(self, sparring_home: Path) -> None:
        write_config(
            sparring_home,
            'default_model = "small"\n[aliases]\nsmall = "local"\nflagship = "groq:llama"\n'
            '[endpoints.groq]\nbase_url = "https://api.groq.com/openai/v1"\n'
            'api_key_env = "GROQ_API_KEY"\n[local]\nn_ctx = 2048\n',
        )
        loaded = config.load()
        assert loaded.local.n_ctx == 2048
        ref = resolve("flagship", loaded)
        assert (ref.provider, ref.model, ref.endpoint.location) == ("groq", "llama", "cloud")

    @pytest.mark.parametrize(
        ("text", "line", "key"),
        [
            ('default_model = "local"\nmax_tokens = "many"\n', 2, "max_tokens"),
            ('[local]\n\nn_ctx = "big"\n', 3, "local.n_ctx"),
            ('[endpoints.groq]\nbase_url = "u"\nlocation = 3\n', 3, "endpoints.groq.location"),
            ("[aliases]\nsmall = 1\n", 2, "aliases.small"),
            ("compare = [1, 2]\n", 1, "compare"),
        ],
    )
    def test_a_wrong_type_names_the_file_the_line_and_the_key(
        self, sparring_home: Path, text: str, line: int, key: str
    ) -> None:
        path = write_config(sparring_home, text)
        with pytest.raises(ConfigError) as caught:
            config.load()
        message = str(caught.value)
        assert f"{path}, line {line}" in message
        assert f"'{key}'" in message

    def test_an_unknown_key_is_refused_with_a_suggestion(self, sparring_home: Path) -> None:
        write_config(sparring_home, 'default_modle = "local"\n')
        with pytest.raises(ConfigError) as caught:
            config.load()
        assert "unknown key 'default_modle'" in caught.value.one_line()
        assert "did you mean 'default_model'" in caught.value.one_line()

    def test_invalid_toml_is_refused_with_its_line(self, sparring_home: Path) -> None:
        write_config(sparring_home, "[local\n")
        with pytest.raises(ConfigError, match="line 1"):
            config.load()


class TestModelNames:
    def test_provider_names_and_the_embedded_model_resolve(self) -> None:
        defaults = config.Config()
        assert resolve("ollama:qwen3:4b", defaults).model == "qwen3:4b"
        assert resolve("local", defaults).provider == "local"
        assert resolve("local:/x/y.gguf", defaults).model == "/x/y.gguf"

    def test_an_unknown_model_gets_a_suggestion(self) -> None:
        loaded = config.Config(aliases={"flagship": "anthropic:claude-opus-4-1"})
        with pytest.raises(UsageError) as caught:
            resolve("flagshp", loaded)
        assert "did you mean 'flagship'" in caught.value.one_line()

    def test_an_unknown_provider_gets_a_suggestion(self) -> None:
        with pytest.raises(UsageError) as caught:
            resolve("olama:qwen3", config.Config())
        assert "did you mean 'ollama'" in caught.value.one_line()

    def test_an_alias_loop_is_refused(self) -> None:
        with pytest.raises(UsageError, match="refers to itself"):
            resolve("a", config.Config(aliases={"a": "b", "b": "a"}))


class TestInit:
    def test_init_writes_a_config_that_loads_back(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        result = sparring("config", "init")
        assert result.code == 0, result.stderr
        written = sparring_home / "config.toml"
        assert written.stat().st_mode & 0o777 == 0o600
        assert config.load(written).aliases["small"] == "local"
        assert tomllib.loads(written.read_text())["compare"] == ["small", "flagship"]

    def test_init_keeps_an_existing_file(self, sparring: Runner, sparring_home: Path) -> None:
        write_config(sparring_home, 'default_model = "local"\n')
        result = sparring("config", "init")
        assert result.code == 2
        assert "already exists" in result.stderr
        assert (sparring_home / "config.toml").read_text() == 'default_model = "local"\n'

    def test_init_writes_no_key_even_when_keys_are_set(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        sparring("config", "init")
        text = (sparring_home / "config.toml").read_text()
        assert not any(canary in text for canary in CANARIES)
