"""Latency the writer feels: prompts that begin alike, models loaded once and kept, warm-ups,
and cached tokens priced at the cached rate."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes import FakeAnthropic, FakeOllama, FakeOpenAI
from fakes import Reply as Scripted
from helpers import SAMPLE_DRAFT, write_config
from sparring import engine
from sparring.config import Config, Endpoint, Price
from sparring.egress import EgressGate, always
from sparring.judging.stats import compute
from sparring.pricing import estimate_cost, shipped_prices
from sparring.prompts import SHARED_SYSTEM, load_all
from sparring.providers import open_backend, resolve
from sparring.sessions import catalog, store
from sparring.sessions.model import Session, Turn
from sparring.sessions.turns import follow_up_turn, new_session, task_turn

DRAFT = SAMPLE_DRAFT.read_text()


def tasks(draft: str = DRAFT) -> tuple[Session, list[Turn]]:
    """A session on `draft` with its three tasks, each to model "m"."""
    prompts = load_all()
    session = new_session(draft, ["draft.md"], task="headlines")
    for name in ("headlines", "counter", "questions"):
        session.turns.append(task_turn(prompts[name], draft, ["m"]))
    return session, list(session.turns)


class TestPromptsBeginAlike:
    def test_every_task_sends_the_shared_system_text_then_the_draft(self) -> None:
        session, turns = tasks()
        users = [turn.user for turn in turns]
        assert {turn.system for turn in session.turns} == {SHARED_SYSTEM}
        shared = session.turns[0].shared
        assert users[0][:shared].endswith(DRAFT)
        assert all(user[:shared] == users[0][:shared] for user in users)
        # Each task's own system text comes after the draft.
        assert "sharp, honest editor" in users[0][shared:]

    def test_a_later_task_does_not_send_the_earlier_ones_again(self) -> None:
        session, _ = tasks()
        for turn in session.turns:
            turn.replies[0].text = "1. an answer"
        request = engine.build_request(session, session.turns[2], "m", Config())
        assert [message.role for message in request.messages] == ["system", "user"]
        assert request.messages[1].content.count(DRAFT) == 1

    def test_a_follow_up_carries_its_tasks_thread_and_the_cache_mark(self) -> None:
        session, _ = tasks()
        for turn in session.turns:
            turn.replies[0].text = "1. an answer"
        follow = follow_up_turn(session, "Shorter?", ["m"])
        session.turns.append(follow)
        request = engine.build_request(session, follow, "m", Config())
        assert [message.role for message in request.messages] == [
            "system",
            "user",
            "assistant",
            "user",
        ]
        assert request.messages[1].content == session.turns[2].user
        assert request.shared == session.turns[2].shared and request.cache


class TestOllamaKeepsItsModelLoaded:
    """Ollama reloads a model whose num_ctx changes (server/sched.go needsReload), and the
    reload drops its prompt cache; a session asks one size, with room for follow-ups."""

    @pytest.mark.parametrize("words", [50, 800, 2500])
    async def test_no_reload_across_three_tasks_and_two_follow_ups(self, words: int) -> None:
        draft = " ".join(f"street{n} trees" for n in range(words))
        config = Config(aliases={"m": "ollama:llama3.2:1b"})
        with FakeOllama(models=("llama3.2:1b",)) as server, pytest.MonkeyPatch.context() as env:
            env.setenv("OLLAMA_HOST", server.url)
            session, _ = tasks(draft)
            turns = list(session.turns)
            session.turns = []
            for turn in [*turns, "Shorter?", "And the cost?"]:
                if isinstance(turn, str):
                    turn = follow_up_turn(session, turn, ["m"])
                turn.replies[0].model = "m"
                session.turns.append(turn)
                await engine.run_turn(session, turn, config)
                assert turn.replies[0].status == "ok", turn.replies[0].error
            assert (server.loads, server.reloads) == (1, 0)
            assert len({chat.num_ctx for chat in server.chats}) == 1

    async def test_a_load_only_request_warms_the_model_and_keeps_it_for_the_session(
        self,
    ) -> None:
        # docs/api.md: an empty messages list only loads the model (done_reason "load").
        with FakeOllama(models=("llama3.2:1b",), load_seconds=0.3) as server:
            with pytest.MonkeyPatch.context() as env:
                env.setenv("OLLAMA_HOST", server.url)
                backend = open_backend(resolve("ollama:llama3.2:1b", Config()), Config())
                seconds = await backend.load(characters=len(DRAFT))
                await backend.aclose()
            [chat] = server.chats
        assert chat.done_reason == "load" and seconds == pytest.approx(0.3, abs=0.2)
        assert server.requests[-1].body["keep_alive"] == "30m"

    async def test_a_load_slower_than_the_stall_timeout_is_one_worded_line(self) -> None:
        from sparring.errors import TemporaryFailure
        from sparring.providers.ollama import OllamaBackend

        with (
            FakeOllama(models=("llama3.2:1b",), load_seconds=2.0) as server,
            pytest.MonkeyPatch.context() as env,
        ):
            env.setenv("OLLAMA_HOST", server.url)
            backend = OllamaBackend("llama3.2:1b", stall_timeout=0.5)
            with pytest.raises(TemporaryFailure) as raised:
                await backend.load()
            await backend.aclose()
        assert "did not finish loading the model in 0.5 s" in raised.value.one_line()

    async def test_a_cloud_model_is_sent_nothing_to_warm_it(self) -> None:
        with FakeOllama(models=(), cloud_models=("gpt-oss:120b-cloud",)) as server:
            with pytest.MonkeyPatch.context() as env:
                env.setenv("OLLAMA_HOST", server.url)
                backend = open_backend(resolve("ollama:gpt-oss:120b-cloud", Config()), Config())
                assert await backend.load() is None
                await backend.aclose()
            assert server.chat_requests == []


class TestAnthropicPromptCache:
    """docs (prompt caching): a cache_control breakpoint caches the prompt before it."""

    async def run(self, server: FakeAnthropic, turns: int) -> Session:
        config = Config(aliases={"m": "anthropic:claude-sonnet-4-6"})
        session, made = tasks()
        session.turns = []
        with pytest.MonkeyPatch.context() as env:
            env.setenv("ANTHROPIC_BASE_URL", server.url)
            for turn in made[:turns]:
                turn.replies[0].model = "m"
                turn.shape = None  # one call a turn: the cache is what is tested here
                session.turns.append(turn)
                gate = EgressGate(session, always, config)
                await engine.run_turn(session, turn, config, gate=gate)
        return session

    async def test_the_first_turn_is_not_marked_and_the_next_ones_are(self) -> None:
        with FakeAnthropic() as server:
            await self.run(server, 2)
            first, second = server.chat_requests
        assert isinstance(first.body["messages"][0]["content"], str)
        blocks = second.body["messages"][0]["content"]
        assert blocks[0]["cache_control"] == {"type": "ephemeral"}
        assert blocks[0]["text"].endswith(DRAFT)

    async def test_cached_tokens_are_priced_at_the_cached_rate(self) -> None:
        with FakeAnthropic() as server:
            server.script(Scripted(), Scripted(cached_tokens=900, input_tokens=100))
            session = await self.run(server, 2)
        reply = session.turns[1].replies[0]
        assert reply.cached_input_tokens == 900 and reply.input_tokens == 1000
        price = shipped_prices()["claude-sonnet-4-6"]
        expected = (100 * 3.0 + 900 * 0.3 + reply.output_tokens * 15.0) / 1_000_000  # type: ignore[operator]
        assert price.cached_input_per_million == pytest.approx(0.3)
        # Priced as the cloud model it is (the fake answers on loopback, which counts as local).
        cost = estimate_cost(
            "claude-sonnet-4-6",
            "cloud",
            reply.input_tokens,
            reply.output_tokens,
            Config(),
            cached_tokens=reply.cached_input_tokens,
            cache_write_tokens=reply.cache_write_tokens,
        )
        assert cost == pytest.approx(expected)


class TestCachedPricing:
    def test_openai_cached_tokens_cost_a_tenth_for_the_gpt_5_family(self) -> None:
        config = Config()
        whole = estimate_cost("gpt-5", "cloud", 10_000, 0, config)
        cached = estimate_cost("gpt-5", "cloud", 10_000, 0, config, cached_tokens=8_000)
        assert whole == pytest.approx(10_000 * 1.25 / 1e6)
        assert cached == pytest.approx((2_000 * 1.25 + 8_000 * 0.125) / 1e6)

    def test_the_config_can_set_the_cached_rates(self) -> None:
        config = Config(pricing={"m": Price(1.0, 2.0, cached_input_per_million=0.5)})
        assert estimate_cost("m", "cloud", 100, 0, config, cached_tokens=100) == pytest.approx(
            100 * 0.5 / 1e6
        )

    async def test_stats_and_the_ledger_spend_what_the_cached_answer_cost(
        self, sparring_home: Path
    ) -> None:
        write_config(sparring_home, "")
        endpoint = Endpoint(name="lab", base_url="", location="cloud")
        with FakeOpenAI(models=("gpt-5",)) as server:
            config = Config(
                aliases={"m": "lab:gpt-5"},
                endpoints={"lab": Endpoint(name="lab", base_url=server.base_url, location="cloud")},
                pricing={"gpt-5": Price(1.25, 10.0, cached_input_per_million=0.125)},
            )
            server.script(Scripted(cached_tokens=800, input_tokens=1000))
            session, made = tasks()
            session.turns = [made[0]]
            made[0].replies[0].model = "m"
            made[0].shape = None
            await engine.run_turn(
                session, made[0], config, gate=EgressGate(session, always, config)
            )
        assert endpoint.location == "cloud"
        reply = session.turns[0].replies[0]
        expected = (200 * 1.25 + 800 * 0.125 + reply.output_tokens * 10.0) / 1e6  # type: ignore[operator]
        assert reply.cost == pytest.approx(expected)
        store.save(session)
        stats = compute(catalog.entries(), config)
        assert stats.ledger.cloud_spent == pytest.approx(expected)


@pytest.mark.model
class TestTheEmbeddedModelStaysLoaded:
    async def test_no_reload_across_three_tasks_and_two_follow_ups(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import llama_cpp

        from sparring.providers import local

        loads: list[int] = []
        real = llama_cpp.Llama.__init__

        def counted(self: object, *args: object, **kwargs: object) -> None:
            loads.append(int(kwargs.get("n_ctx", 0)))  # type: ignore[call-overload]
            real(self, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(llama_cpp.Llama, "__init__", counted)
        monkeypatch.setattr(local, "_loaded", {})
        config = Config(aliases={"m": "local"})
        session, made = tasks(DRAFT * 4)
        session.turns = []
        for turn in [*made, "Shorter?", "Which is best?"]:
            if isinstance(turn, str):
                turn = follow_up_turn(session, turn, ["m"])
            turn.replies[0].model = "m"
            session.turns.append(turn)
            await engine.run_turn(session, turn, config)
            assert turn.replies[0].status in ("ok", "cut"), turn.replies[0].error
        assert len(loads) == 1, f"loaded {len(loads)} times, with n_ctx {loads}"
