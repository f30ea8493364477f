"""A scripted fake backend: known answers at a known pace, for tests and benchmarks.

A `Script` says what one model answers and how: its deltas, the pace (a
pause before the first delta and between the others, or a fixed clock on
which delta i is due at start + first_after + i * every, so the overshoot of
each sleep does not add up), a hold point, a failure, a missing final marker,
and the figures to report. `ScriptedBackend` plays one script through the
real `Backend.stream`, so timing, retries and the final-marker check are the
ones every backend gets. `ScriptedFactory` is a `backend_factory` for the
engine and the app: it opens a backend for each scripted model name.

    factory = ScriptedFactory({"a": Script(["1. Trees\\n"], first_after=0.2)})
    await engine.run_turn(session, turn, config, backend_factory=factory)
    factory.requests["a"]  # what model "a" was asked

Nothing here touches the network, a model or the TUI.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass

from sparring.config import Config
from sparring.errors import ModelNotFound
from sparring.providers import ModelRef
from sparring.providers.base import Backend, ChatRequest, Finish, Location, Stop, Usage
from sparring.providers.thinking import Thinking


@dataclass(frozen=True)
class Script:
    """What one scripted model answers, and how.

    Counts ("after N") are deltas already sent: 0 means before the first one.
    """

    deltas: Sequence[str] = ()
    location: Location = "local"
    #: Seconds before the first delta.
    first_after: float = 0.0
    #: Seconds between two deltas. A pause of 0 still yields to the event loop,
    #: as a network read would.
    every: float = 0.0
    #: True: delta i is due at start + first_after + i * every, whatever the
    #: earlier pauses overshot, so the true time to first token and rate are known.
    clock: bool = False
    #: Wait here until the backend's `release` event is set.
    hold_after: int | None = None
    #: Raised after `fail_after` deltas (None: after all of them), instead of finishing.
    fail: Exception | None = None
    fail_after: int | None = None
    #: False: the stream ends without its final marker (a cut-off answer).
    final: bool = True
    #: Why the stream ends: "end", "length", "refusal" or "context".
    stop: Stop = "end"
    #: Thinking sent before the first delta, a piece at a time.
    thinking: Sequence[str] = ()
    #: Say the backend takes a list shape (the engine then fills lists in batches).
    takes_shape: bool = False
    #: The counts the final marker carries; output_tokens None means one a delta.
    input_tokens: int | None = 100
    output_tokens: int | None = None
    #: Figures reported instead of the measured ones, so a view showing them is stable.
    ttft: float | None = None
    total_time: float | None = None
    #: Seconds a warm-up's load (`load`) takes, and the figure it reports; None: the
    #: model has nothing to load ahead.
    load_seconds: float | None = None
    #: Raised by a warm-up's load instead.
    load_fail: Exception | None = None
    #: True: a warm-up's load waits until the backend's `release` event is set.
    hold_load: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.deltas, str):
            # A bare string would stream one character per delta.
            raise TypeError("deltas must be a sequence of strings, not a str")
        object.__setattr__(self, "deltas", tuple(self.deltas))
        object.__setattr__(self, "thinking", tuple(self.thinking))


class ScriptedBackend(Backend):
    """Plays one `Script`; keeps what it was asked and what it sent, and when."""

    provider = "scripted"

    def __init__(
        self,
        model: str,
        script: Script,
        *,
        release: asyncio.Event | None = None,
        provider: str | None = None,
        scripts: Callable[[], Script] | None = None,
    ) -> None:
        super().__init__(model)
        self.script = script
        #: The script of each call, when successive calls say different things.
        self.scripts = scripts
        self.location = script.location
        if provider is not None:
            self.provider = provider
        #: Set to let a stream held at `script.hold_after` go on.
        self.release = release if release is not None else asyncio.Event()
        self.requests: list[ChatRequest] = []
        self.sent: list[str] = []
        #: The draft's characters each warm-up was sized for, and how many have ended.
        self.loads: list[int] = []
        self.loads_ended = 0
        #: time.perf_counter() when the first and the last delta were sent.
        self.first_at: float | None = None
        self.last_at: float | None = None

    @property
    def takes_shape(self) -> bool:
        return self.script.takes_shape

    async def _generate(self, request: ChatRequest) -> AsyncIterator[str | Thinking | Finish]:
        if self.scripts is not None:
            self.script = self.scripts()
        script = self.script
        self.requests.append(request)
        loop = asyncio.get_running_loop()
        start = loop.time()
        for thought in script.thinking:
            await asyncio.sleep(0)
            yield Thinking(thought)
        for index, delta in enumerate(script.deltas):
            if index == script.fail_after and script.fail is not None:
                raise script.fail
            if index == script.hold_after:
                await self.release.wait()
            pause = script.first_after if index == 0 else script.every
            if script.clock:
                pause = start + script.first_after + index * script.every - loop.time()
            await asyncio.sleep(max(pause, 0.0))
            self.sent.append(delta)
            self.first_at = self.first_at or time.perf_counter()
            yield delta
        self.last_at = time.perf_counter()
        if script.hold_after is not None and script.hold_after >= len(script.deltas):
            await self.release.wait()
        if script.fail is not None:
            raise script.fail
        if script.final:
            outputs = len(script.deltas) if script.output_tokens is None else script.output_tokens
            outputs += 0 if script.output_tokens is not None else len(script.thinking)
            yield Finish(script.input_tokens, outputs, script.stop)

    async def load(self, characters: int = 0, answer_tokens: int = 1024) -> float | None:
        """A warm-up as the script says: held, slow, failing, or nothing to load."""
        script = self.script
        self.loads.append(characters)
        try:
            if script.hold_load:
                await self.release.wait()
            await asyncio.sleep(script.load_seconds or 0.0)
            if script.load_fail is not None:
                raise script.load_fail
            return script.load_seconds
        finally:
            self.loads_ended += 1

    async def stream(
        self, request: ChatRequest, *, notice: Callable[[str], None] | None = None
    ) -> AsyncIterator[str | Thinking | Usage]:
        """The real stream, with the measured figures replaced by the script's, if it has any."""
        async for event in super().stream(request, notice=notice):
            if isinstance(event, Usage):
                if self.script.ttft is not None:
                    event.time_to_first_token = self.script.ttft
                if self.script.total_time is not None:
                    event.total_time = self.script.total_time
            yield event


class ScriptedFactory:
    """A backend_factory: each scripted model name opens a `ScriptedBackend`.

    A name given a list of scripts follows the next one at each call (the last
    one repeats), so a task and its follow-up can say different things, and the
    calls that fill one list answer (see lists.py) can too. Every backend it
    opens shares one `release` event.
    """

    #: What the backends it opens call their provider (part of their label).
    provider = "scripted"

    def __init__(self, scripts: Mapping[str, Script | Sequence[Script]]) -> None:
        self.scripts = dict(scripts)
        self.release = asyncio.Event()
        #: Every backend opened, in order.
        self.opened: list[ScriptedBackend] = []
        self._calls: dict[str, int] = {}

    def __call__(self, ref: ModelRef, config: Config) -> Backend:
        scripts = self.scripts.get(ref.name)
        if scripts is None:
            raise ModelNotFound(f"no script for '{ref.name}'", hint="add one to the test")
        backend = ScriptedBackend(
            ref.name,
            self._next(ref.name, peek=True),
            release=self.release,
            provider=self.provider,
            scripts=lambda: self._next(ref.name),
        )
        self.opened.append(backend)
        return backend

    def _next(self, name: str, *, peek: bool = False) -> Script:
        """The script of `name`'s next call (its list's next, the last one repeating)."""
        scripts = self.scripts[name]
        if isinstance(scripts, Script):
            return scripts
        calls = self._calls.get(name, 0)
        if not peek:
            self._calls[name] = calls + 1
        return scripts[min(calls, len(scripts) - 1)]

    def held(self) -> asyncio.Event:
        """The event that lets every held stream go on."""
        return self.release

    @property
    def requests(self) -> dict[str, list[ChatRequest]]:
        """What each model name was asked, in order."""
        asked: dict[str, list[ChatRequest]] = {}
        for backend in self.opened:
            if backend.requests:
                asked.setdefault(backend.model, []).extend(backend.requests)
        return asked

    @property
    def deltas_sent(self) -> dict[str, int]:
        """Deltas sent by each model name's latest backend that has sent any."""
        return {backend.model: len(backend.sent) for backend in self.opened if backend.sent}
