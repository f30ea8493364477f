"""A scripted fake backend for driving the app without any model or network.

Each model name the app may open maps to a `Script`: the deltas to send,
whether to stop and wait half-way, whether to fail. The figures a reply
reports (time to first token, total time, tokens) are fixed by the script,
so a screen showing them is the same on every run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from sparring.config import Config, Endpoint, Price
from sparring.errors import ModelNotFound, SparringError
from sparring.providers import ModelRef
from sparring.providers.base import Backend, ChatRequest, Finish, Usage

HEADLINES_SMALL = (
    "1. Trees cool the city\n"
    "2. Trees cool the city!\n"
    "3. Trees cool our city\n"
    "4. Shade is a public good\n"
    "5. Plant more trees now\n"
)
HEADLINES_FLAGSHIP = (
    "1. Shade is a public good\n"
    "2. The cheapest air conditioner is a tree\n"
    "3. Why every street needs a canopy\n"
)


def config(privacy: str = "allow-cloud") -> Config:
    """Two columns: `small` runs on this machine, `flagship` in a (fake) cloud.

    Sending to the cloud is allowed unless a test asks for the question.
    """
    return Config(
        privacy=privacy,  # type: ignore[arg-type]
        default_model="small",
        compare=("small", "flagship"),
        aliases={"small": "local", "flagship": "fakecloud:big-model"},
        endpoints={
            "fakecloud": Endpoint(name="fakecloud", base_url="http://127.0.0.1:9", location="cloud")
        },
        pricing={"big-model": Price(input_per_million=3.0, output_per_million=15.0)},
    )


def chunks(text: str, size: int = 7) -> list[str]:
    return [text[start : start + size] for start in range(0, len(text), size)]


@dataclass
class Script:
    """What one model says, and how."""

    deltas: list[str]
    location: str = "local"
    hold_after: int | None = None  # wait for `FakeBackends.release` after this many deltas
    fail: SparringError | None = None  # raised after the deltas
    delay: float = 0.0  # between deltas; 0 still yields to the event loop
    ttft: float = 0.25
    total_time: float = 1.25
    input_tokens: int = 120
    output_tokens: int | None = 41


@dataclass
class FakeBackends:
    """A backend_factory: opens a `FakeBackend` for each scripted model name.

    A model given a list of scripts follows the next one on each call (the
    last one repeats), so a task and its follow-up can say different things.
    """

    scripts: dict[str, Script | list[Script]]
    requests: dict[str, list[ChatRequest]] = field(default_factory=dict)
    opened: dict[str, int] = field(default_factory=dict)
    deltas_sent: dict[str, int] = field(default_factory=dict)
    release: asyncio.Event | None = None

    def __call__(self, ref: ModelRef, config: Config) -> Backend:
        scripts = self.scripts.get(ref.name)
        if scripts is None:
            raise ModelNotFound(f"no script for '{ref.name}'", hint="add one to the test")
        calls = self.opened.get(ref.name, 0)
        self.opened[ref.name] = calls + 1
        if isinstance(scripts, Script):
            return FakeBackend(ref.name, scripts, self)
        return FakeBackend(ref.name, scripts[min(calls, len(scripts) - 1)], self)

    def held(self) -> asyncio.Event:
        if self.release is None:
            self.release = asyncio.Event()
        return self.release


class FakeBackend(Backend):
    provider = "fake"

    def __init__(self, model: str, script: Script, backends: FakeBackends) -> None:
        super().__init__(model)
        self.script = script
        self.backends = backends
        self.location = script.location  # type: ignore[assignment]

    async def _generate(self, request: ChatRequest) -> AsyncIterator[str | Finish]:
        self.backends.requests.setdefault(self.model, []).append(request)
        for sent, delta in enumerate(self.script.deltas):
            if sent == self.script.hold_after:
                await self.backends.held().wait()
            await asyncio.sleep(self.script.delay)
            self.backends.deltas_sent[self.model] = sent + 1
            yield delta
        if self.script.fail is not None:
            raise self.script.fail
        yield Finish(self.script.input_tokens, self.script.output_tokens)

    async def stream(
        self, request: ChatRequest, *, notice: Callable[[str], None] | None = None
    ) -> AsyncIterator[str | Usage]:
        """The real stream, with the clock's figures replaced by the script's."""
        async for event in super().stream(request, notice=notice):
            if isinstance(event, Usage):
                event.time_to_first_token = self.script.ttft
                event.total_time = self.script.total_time
            yield event
