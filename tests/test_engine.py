"""The engine: concurrent replies, checked streams, figures, follow-up threads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from sparring import engine
from sparring.config import Config
from sparring.egress import check_local_only
from sparring.errors import ModelNotFound
from sparring.providers import ModelRef
from sparring.providers.base import ChatRequest, Finish, Message
from sparring.providers.scripted import Script, ScriptedBackend, ScriptedFactory
from sparring.sessions.model import Reply, Session, Turn


def factory(scripts: dict[str, Script]) -> ScriptedFactory:
    return ScriptedFactory(scripts)


def one_turn(*models: str, output: str = "list") -> tuple[Session, Turn]:
    turn = Turn(
        task="headlines",
        user="Text: draft",
        system="sys",
        output=output,
        replies=[Reply(model=name) for name in models],
    )
    return Session(turns=[turn]), turn


CONFIG = Config(aliases={"a": "local", "b": "local"})


class TestConcurrency:
    async def test_two_models_take_the_time_of_the_slower_not_the_sum(self) -> None:
        backends = {
            "a": Script(["1. x\n"], first_after=0.4),
            "b": Script(["1. y\n"], first_after=0.4),
        }
        session, turn = one_turn("a", "b")
        started = time.perf_counter()
        await engine.run_turn(session, turn, CONFIG, backend_factory=factory(backends))
        assert time.perf_counter() - started < 0.75
        assert [reply.text for reply in turn.replies] == ["1. x\n", "1. y\n"]

    async def test_deltas_are_reported_with_their_column(self) -> None:
        backends = {"a": Script(["x", "y"]), "b": Script(["z"])}
        session, turn = one_turn("a", "b")
        seen: list[tuple[int, str]] = []

        class Seen(engine.TurnListener):
            def delta(self, index: int, text: str) -> None:
                seen.append((index, text))

        await engine.run_turn(
            session, turn, CONFIG, backend_factory=factory(backends), listener=Seen()
        )
        assert sorted(seen) == [(0, "x"), (0, "y"), (1, "z")]


class TestCheckedStreams:
    async def test_a_stream_without_its_final_marker_is_interrupted_and_keeps_its_text(
        self,
    ) -> None:
        backends = {"a": Script(["1. Trees", " cool"], final=False)}
        session, turn = one_turn("a")
        await engine.run_turn(session, turn, CONFIG, backend_factory=factory(backends))
        [reply] = turn.replies
        assert (reply.status, reply.text, reply.exit_code) == ("interrupted", "1. Trees cool", 75)
        assert "cut off" in reply.error

    async def test_a_failure_before_any_text_is_an_error_with_its_exit_code(self) -> None:
        backends = {"a": Script([], fail=ModelNotFound("no model", hint="pull it"))}
        session, turn = one_turn("a")
        await engine.run_turn(session, turn, CONFIG, backend_factory=factory(backends))
        [reply] = turn.replies
        assert (reply.status, reply.exit_code, reply.error) == ("error", 69, "no model (pull it)")

    async def test_one_failing_column_does_not_stop_the_other(self) -> None:
        backends = {"a": Script(["ok"]), "b": Script([], fail=ModelNotFound("gone"))}
        session, turn = one_turn("a", "b")
        await engine.run_turn(session, turn, CONFIG, backend_factory=factory(backends))
        assert [reply.status for reply in turn.replies] == ["ok", "error"]

    async def test_an_unexpected_exception_stays_in_its_column(self) -> None:
        backends = {"a": Script(["ok"]), "b": Script(["part"], fail=RuntimeError("boom"))}
        session, turn = one_turn("a", "b")
        await engine.run_turn(session, turn, CONFIG, backend_factory=factory(backends))
        assert [reply.status for reply in turn.replies] == ["ok", "interrupted"]
        assert turn.replies[1].text == "part"
        assert "unexpected RuntimeError: boom" in (turn.replies[1].error or "")

    async def test_cancelling_keeps_the_partial_answer(self) -> None:
        backends = factory({"a": Script(["one ", "two ", "three"], every=0.2)})
        session, turn = one_turn("a")
        task = asyncio.create_task(engine.run_turn(session, turn, CONFIG, backend_factory=backends))
        while not backends.requests:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        [reply] = turn.replies
        assert reply.status == "cancelled"
        assert reply.text == "one two "


async def text_reply_of(backend: ScriptedBackend) -> Reply:
    session, turn = one_turn("a", output="text")
    await engine.run_turn(session, turn, CONFIG, backend_factory=lambda ref, config: backend)
    [reply] = turn.replies
    return reply


class TestFigures:
    async def test_time_to_first_token_and_tokens_per_second_follow_the_pacing(self) -> None:
        script = Script(["t"] * 11, first_after=0.3, every=0.05, input_tokens=10)
        reply = await text_reply_of(ScriptedBackend("a", script))
        assert reply.ttft == pytest.approx(0.3, abs=0.08)
        assert reply.tokens_per_second == pytest.approx(20, rel=0.25)
        assert (reply.input_tokens, reply.output_tokens, reply.cost) == (10, 11, 0.0)

    async def test_the_clock_starts_when_the_request_is_sent_if_the_backend_says_so(
        self,
    ) -> None:
        class SlowToSend(ScriptedBackend):
            async def _generate(self, request: ChatRequest) -> AsyncIterator[str | Finish]:
                await asyncio.sleep(0.3)  # the client getting ready: not the model's time
                self.request_sent()
                async for event in super()._generate(request):
                    yield event

        reply = await text_reply_of(
            SlowToSend("a", Script(["t"] * 11, first_after=0.2, every=0.05))
        )
        assert reply.ttft == pytest.approx(0.2, abs=0.08)
        assert reply.seconds == pytest.approx(0.7, abs=0.15)
        assert reply.tokens_per_second == pytest.approx(20, rel=0.25)

    async def test_list_replies_are_folded_into_items(self) -> None:
        backends = {"a": Script(["1. Trees\n", "2. trees!\n", "3. Buses\n"])}
        session, turn = one_turn("a")
        await engine.run_turn(session, turn, CONFIG, backend_factory=factory(backends))
        assert [(item.text, item.count) for item in turn.replies[0].items] == [
            ("Trees", 2),
            ("Buses", 1),
        ]


class TestThreads:
    def test_a_follow_up_carries_each_models_own_conversation(self) -> None:
        session, first = one_turn("a", "b")
        first.replies[0].text = "answer of a"
        first.replies[1].text = "answer of b"
        follow_up = Turn(
            task="follow-up", user="more please", system="sys", replies=[Reply(model="b")], to="b"
        )
        session.turns.append(follow_up)
        request = engine.build_request(session, follow_up, "b", CONFIG)
        assert request.messages == (
            Message("system", "sys"),
            Message("user", "Text: draft"),
            Message("assistant", "answer of b"),
            Message("user", "more please"),
        )


class TestLocalOnly:
    def test_a_cloud_model_is_refused_before_any_connection(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from sparring.errors import UsageError

        monkeypatch.delenv("ANTHROPIC_BASE_URL")
        with pytest.raises(UsageError, match="not on this machine"):
            check_local_only([ModelRef("flagship", "anthropic", "claude-opus-4-1")])
