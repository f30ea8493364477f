"""The scripted backend that tests and benchmarks share: it does what its script says."""

from __future__ import annotations

import asyncio

import pytest

from sparring.config import Config
from sparring.errors import ModelNotFound, StreamInterrupted
from sparring.providers import ModelRef
from sparring.providers.base import ChatRequest, Message, Usage
from sparring.providers.scripted import Script, ScriptedBackend, ScriptedFactory

REQUEST = ChatRequest((Message("user", "hi"),))


async def events_of(backend: ScriptedBackend) -> list[str | Usage]:
    return [event async for event in backend.stream(REQUEST)]


class TestScript:
    async def test_the_deltas_then_the_scripted_counts_arrive(self) -> None:
        events = await events_of(ScriptedBackend("m", Script(["a", "b"], input_tokens=7)))
        *deltas, usage = events
        assert deltas == ["a", "b"]
        assert isinstance(usage, Usage)
        assert (usage.input_tokens, usage.output_tokens) == (7, 2)

    async def test_on_a_fixed_clock_the_figures_are_the_scripted_pace(self) -> None:
        script = Script(["t"] * 11, first_after=0.2, every=0.02, clock=True)
        *_, usage = await events_of(ScriptedBackend("m", script))
        assert isinstance(usage, Usage)
        assert usage.time_to_first_token == pytest.approx(0.2, abs=0.05)
        assert usage.tokens_per_second == pytest.approx(50, rel=0.2)

    async def test_fixed_figures_replace_the_measured_ones(self) -> None:
        *_, usage = await events_of(ScriptedBackend("m", Script(["a"], ttft=0.25, total_time=1.5)))
        assert isinstance(usage, Usage)
        assert (usage.time_to_first_token, usage.total_time) == (0.25, 1.5)

    async def test_a_failure_comes_after_the_scripted_number_of_deltas(self) -> None:
        backend = ScriptedBackend(
            "m", Script(["a", "b", "c"], fail=ModelNotFound("x"), fail_after=1)
        )
        with pytest.raises(ModelNotFound):
            await events_of(backend)
        assert backend.sent == ["a"]

    async def test_without_its_final_marker_the_stream_is_interrupted(self) -> None:
        with pytest.raises(StreamInterrupted):
            await events_of(ScriptedBackend("m", Script(["a"], final=False)))

    async def test_a_held_stream_waits_for_its_release(self) -> None:
        backend = ScriptedBackend("m", Script(["a", "b"], hold_after=1))
        task = asyncio.create_task(events_of(backend))
        # Time enough for an unheld stream of two deltas to end many times over.
        done, _ = await asyncio.wait({task}, timeout=0.1)
        assert not done and backend.sent == ["a"]
        backend.release.set()
        assert (await asyncio.wait_for(task, 5))[:2] == ["a", "b"]


class TestFactory:
    async def test_a_list_of_scripts_is_followed_one_call_at_a_time_the_last_repeating(
        self,
    ) -> None:
        factory = ScriptedFactory({"m": [Script(["first"]), Script(["then"])]})
        ref, config = ModelRef("m", "local", ""), Config()
        backend = factory(ref, config)  # one backend, called three times (a list being filled)
        said = []
        for _ in range(3):
            said.append(
                [event async for event in backend.stream(REQUEST) if isinstance(event, str)]
            )
        assert said == [["first"], ["then"], ["then"]]

    def test_an_unscripted_model_is_not_found(self) -> None:
        with pytest.raises(ModelNotFound):
            ScriptedFactory({})(ModelRef("m", "local", ""), Config())

    async def test_it_records_what_each_model_was_asked_and_how_far_it_got(self) -> None:
        factory = ScriptedFactory({"m": Script(["a", "b"])})
        backend = factory(ModelRef("m", "local", ""), Config())
        async for _ in backend.stream(REQUEST):
            pass
        assert factory.requests == {"m": [REQUEST]}
        assert factory.deltas_sent == {"m": 2}
