"""Warm-up: each column's model on this machine is loaded before the first run (issue 16).

A column says "loading…", then "ready" with the load time, or why its model
cannot load, before F5; nothing is sent to a model that is not on this machine.
Ollama is the fake server spoken to through the real SDK; its load-only request
follows ollama/ollama docs/api.md "Load a model": "If the messages array is
empty, the model will be loaded into memory", answered with done_reason "load".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from fakes import LOAD_SCRIPT, FakeAnthropic, FakeOllama, FakeOpenAI, Reply
from sparring.config import Config, Endpoint, Privacy
from sparring.errors import ProviderUnavailable
from sparring.tui.app import SparringApp
from sparring.tui.dialogs.model_picker import ModelPicker
from sparring.tui.screens.main import MainScreen
from sparring.tui.screens.warming import cannot_load, ready
from sparring.tui.widgets.column import AnswerColumn

from . import fakes
from .fakes import FakeBackends, Script
from .helpers import DRAFT, SIZE, main, make_app, run_task, until

LOCAL = "ollama:llama3.2:1b"
GPT = "openai:gpt-5"
CLAUDE = "anthropic:claude-sonnet-4-6"


def figures(column: AnswerColumn) -> str:
    return str(column.query_one(".figures", Static).content)


def failed(column: AnswerColumn) -> bool:
    return column.query_one(".figures", Static).has_class("failed")


def warm_ups_done(app: SparringApp) -> bool:
    return not any(worker.group == "warm" and worker.is_running for worker in app.screen.workers)


def posts(server: FakeOpenAI | FakeAnthropic) -> list[str]:
    """What was sent to a cloud server (the picker may list its models with a GET)."""
    return [request.path for request in server.requests if request.method == "POST"]


@pytest.fixture
def servers(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[FakeOllama, FakeOpenAI, FakeAnthropic]]:
    """Ollama on this machine with one model; OpenAI and Anthropic, in the (fake) cloud."""
    with (
        FakeOllama(models=("llama3.2:1b",), cloud_models=()) as ollama,
        FakeOpenAI() as openai_server,
        FakeAnthropic() as anthropic_server,
    ):
        monkeypatch.setenv("OLLAMA_HOST", ollama.url)
        monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", anthropic_server.url)
        yield ollama, openai_server, anthropic_server
        assert ollama.errors == openai_server.errors == anthropic_server.errors == []


def real_app(models: list[str], config: Config | None = None, **arguments: object) -> SparringApp:
    """The app with the real backends (spoken to the fake servers)."""
    return SparringApp(
        config=config or Config(privacy="allow-cloud"),
        context=DRAFT,
        task="headlines",
        models=models,
        **arguments,  # type: ignore[arg-type]
    )


async def pick(pilot: Pilot, app: SparringApp, key: str, model: str) -> None:
    """Open the picker with `key`, type `model`, take it."""
    await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, ModelPicker))
    await pilot.press(*model, "enter")
    await until(pilot, lambda: isinstance(app.screen, MainScreen))


class TestWarmUpSendsNothingToTheCloud:
    async def test_at_start_ollama_gets_a_load_only_request_and_the_cloud_models_nothing(
        self, servers: tuple[FakeOllama, FakeOpenAI, FakeAnthropic]
    ) -> None:
        ollama, openai_server, anthropic_server = servers
        app = real_app([LOCAL, GPT, CLAUDE])
        async with app.run_test(size=SIZE) as pilot:
            local, gpt, claude = main(app).columns
            await until(pilot, lambda: figures(local).startswith("ready"))
            [load] = ollama.chat_requests
            assert load.body["messages"] == [] and load.body["keep_alive"] == "30m"
            assert [chat.done_reason for chat in ollama.chats] == ["load"]
            assert figures(gpt) == figures(claude) == ""
            assert openai_server.requests == [] and anthropic_server.requests == []
            assert main(app).session.turns == []

    async def test_a_cloud_model_picked_or_added_is_sent_nothing(
        self, servers: tuple[FakeOllama, FakeOpenAI, FakeAnthropic]
    ) -> None:
        ollama, openai_server, anthropic_server = servers
        app = real_app([LOCAL])
        async with app.run_test(size=SIZE) as pilot:
            [column] = main(app).columns
            await until(pilot, lambda: figures(column).startswith("ready"))
            await pick(pilot, app, "f7", CLAUDE)
            assert column.model.startswith("anthropic:") and figures(column) == ""
            await pick(pilot, app, "f2", GPT)
            added = main(app).columns[-1]
            assert added.model.startswith("openai:") and figures(added) == ""
            await until(pilot, lambda: warm_ups_done(app))
            assert posts(openai_server) == [] and posts(anthropic_server) == []
            assert len(ollama.chat_requests) == 1

    async def test_under_local_only_only_models_on_this_machine_are_warmed(
        self, servers: tuple[FakeOllama, FakeOpenAI, FakeAnthropic]
    ) -> None:
        """An OpenAI-compatible server declared local has no load-only request: it is
        sent nothing either."""
        ollama, openai_server, anthropic_server = servers
        lab = Endpoint(name="lab", base_url=openai_server.base_url, location="local")
        config = Config(privacy="local-only", endpoints={"lab": lab})
        app = real_app([LOCAL, "lab:gpt-oss-20b", CLAUDE], config, privacy=Privacy(local_only=True))
        async with app.run_test(size=SIZE) as pilot:
            local, served, claude = main(app).columns
            await until(pilot, lambda: figures(local).startswith("ready"))
            await until(pilot, lambda: warm_ups_done(app))
            assert figures(served) == figures(claude) == ""
            assert openai_server.requests == [] and anthropic_server.requests == []
            assert len(ollama.chat_requests) == 1

    async def test_ollama_that_the_config_places_on_the_network_is_not_warmed(
        self, servers: tuple[FakeOllama, FakeOpenAI, FakeAnthropic]
    ) -> None:
        ollama, _, _ = servers
        config = Config(locations={"ollama": "network"})
        app = real_app([LOCAL], config)
        async with app.run_test(size=SIZE) as pilot:
            [column] = main(app).columns
            await pilot.pause()
            assert figures(column) == "" and warm_ups_done(app)
            assert ollama.requests == []


class TestLoadFailures:
    async def test_a_model_ollama_does_not_have_says_so_in_its_column_before_any_run(
        self, servers: tuple[FakeOllama, FakeOpenAI, FakeAnthropic]
    ) -> None:
        ollama, _, _ = servers
        app = real_app(["ollama:qwen3:4b"])
        async with app.run_test(size=SIZE) as pilot:
            [column] = main(app).columns
            await until(pilot, lambda: failed(column))
            assert figures(column).startswith("cannot load: Ollama has no model 'qwen3:4b'")
            assert main(app).session.turns == [] and ollama.chat_requests == []

    async def test_a_load_the_server_fails_says_why(
        self, servers: tuple[FakeOllama, FakeOpenAI, FakeAnthropic]
    ) -> None:
        ollama, _, _ = servers
        # A runner that cannot start: Ollama answers the request with a 500 and its error.
        ollama.script(Reply(status=500, error_message="unable to load model"), path=LOAD_SCRIPT)
        app = real_app([LOCAL])
        async with app.run_test(size=SIZE) as pilot:
            [column] = main(app).columns
            await until(pilot, lambda: failed(column))
            assert "cannot load:" in figures(column)
            assert "Ollama answered 500: unable to load model" in figures(column)

    async def test_a_failed_load_gives_way_to_the_run_at_f5(self) -> None:
        broken = ProviderUnavailable("llama-cpp-python is not installed", hint="pip install it")
        backends = FakeBackends({"small": Script(["1. Trees\n"], load_fail=broken)})
        app = make_app(backends, models=["small"])
        async with app.run_test(size=SIZE) as pilot:
            [column] = main(app).columns
            await until(pilot, lambda: failed(column))
            shown = "cannot load: llama-cpp-python is not installed (pip install it)"
            assert figures(column) == shown
            await run_task(pilot, app)
            assert not failed(column) and "tok" in figures(column)


class TestLoadingThenReady:
    async def test_a_one_second_load_says_loading_then_ready_with_its_time(self) -> None:
        backends = FakeBackends(
            {
                "small": Script(["1. Trees\n"], load_seconds=1.0),
                "flagship": Script(["1. Shade\n"], location="cloud"),
            }
        )
        app = make_app(backends)
        async with app.run_test(size=SIZE) as pilot:
            small, flagship = main(app).columns
            assert figures(small) == "loading…"
            await until(pilot, lambda: figures(small) != "loading…")
            assert figures(small) == "ready · loaded in 1.0 s" and not failed(small)
            assert figures(flagship) == ""
            assert "flagship" not in {backend.model for backend in backends.opened}

    async def test_a_model_loaded_already_is_simply_ready(
        self, servers: tuple[FakeOllama, FakeOpenAI, FakeAnthropic]
    ) -> None:
        app = real_app([LOCAL])
        async with app.run_test(size=SIZE) as pilot:
            [column] = main(app).columns
            await until(pilot, lambda: figures(column).startswith("ready"))
            column.set_model(GPT)
            column.set_model(LOCAL)
            await until(pilot, lambda: figures(column) == "ready")


class TestTheWords:
    def test_ready_says_the_load_time_shorter_in_a_narrow_column(self) -> None:
        assert ready(2.34) == "ready · loaded in 2.3 s"
        assert ready(2.34, width=21) == "ready · 2.3 s"
        assert ready(0.01) == "ready"  # it was loaded already

    def test_a_failure_says_cannot_load_once(self) -> None:
        assert cannot_load("Ollama has no model 'x'") == "cannot load: Ollama has no model 'x'"
        assert cannot_load("cannot load /m.gguf: bad magic") == "cannot load /m.gguf: bad magic"


class TestAStaleLoadIsNotShown:
    def config(self) -> Config:
        aliases = {**fakes.config().aliases, "slow": "local:slow.gguf"}
        return dataclasses.replace(fakes.config(), aliases=aliases)

    def backends(self) -> FakeBackends:
        broken = ProviderUnavailable("slow is broken")
        return FakeBackends(
            {
                "slow": Script(["1. Slow\n"], hold_load=True, load_fail=broken),
                "small": Script(["1. Trees\n"], load_seconds=0.2),
                "flagship": Script(["1. Shade\n"], location="cloud"),
            }
        )

    async def release_the_slow_load(self, pilot: Pilot, backends: FakeBackends) -> None:
        backends.release.set()
        slow = next(backend for backend in backends.opened if backend.loads)
        await until(pilot, lambda: slow.loads_ended == 1)
        await until(pilot, lambda: warm_ups_done(pilot.app))  # type: ignore[arg-type]
        await pilot.pause()

    @pytest.mark.parametrize(
        ("picked", "shown"), [("small", "ready · loaded in 0.2 s"), ("flagship", "")]
    )
    async def test_the_old_models_load_ending_after_a_pick_changes_nothing(
        self, picked: str, shown: str
    ) -> None:
        backends = self.backends()
        app = make_app(backends, config=self.config(), models=["slow"])
        async with app.run_test(size=SIZE) as pilot:
            [column] = main(app).columns
            await until(pilot, lambda: any(b.model == "slow" and b.loads for b in backends.opened))
            assert figures(column) == "loading…"
            column.set_model(picked)
            await until(pilot, lambda: figures(column) == shown)
            await self.release_the_slow_load(pilot, backends)
            assert figures(column) == shown and not failed(column)

    async def test_a_load_ending_after_f5_leaves_the_runs_figures(self) -> None:
        backends = self.backends()
        app = make_app(backends, config=self.config(), models=["slow"])
        async with app.run_test(size=SIZE) as pilot:
            [column] = main(app).columns
            await until(pilot, lambda: any(b.model == "slow" and b.loads for b in backends.opened))
            await run_task(pilot, app)
            ran = figures(column)
            assert "tok" in ran
            await self.release_the_slow_load(pilot, backends)
            assert figures(column) == ran and not failed(column)


class TestTheEmbeddedModel:
    @pytest.mark.model
    async def test_it_loads_in_its_thread_and_its_column_says_ready(self) -> None:
        app = real_app(["local"])
        async with app.run_test(size=SIZE) as pilot:
            [column] = main(app).columns
            assert figures(column) == "loading…"
            await until(pilot, lambda: figures(column).startswith("ready"), timeout=120)
            assert not failed(column)
