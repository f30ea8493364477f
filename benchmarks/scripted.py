"""Scripted in-process backends: answers with known pacing, for the engine and the TUI.

The scripted backend is sparring's own (`sparring.providers.scripted`);
`paced` scripts its deltas on a fixed clock (each one at
start + first_after + i * every), so the overshoot of each sleep does not
add up and the true time to first token and rate are known exactly.
`every = 0` sends as fast as the event loop lets it, yielding between
deltas as a network read would. `Recorded` and `Companion` are the
benchmarks' own: a real backend whose figures are kept, and a stream that
runs beside another until told to stop.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

from sparring.config import Config
from sparring.prompts import Prompt
from sparring.providers.base import Backend, ChatRequest, Finish, Usage
from sparring.providers.scripted import Script
from sparring.providers.thinking import Thinking

WORDS = (
    *("Shade", "lowers", "the", "temperature", "of", "a", "street", "by", "several", "degrees,"),
    *("and", "people", "walk", "more", "where", "there", "are", "trees.", "The", "council"),
    *("could", "plant", "a", "thousand", "a", "year", "for", "ten", "years."),
)


def token(index: int) -> str:
    """A token-sized delta; every twelfth ends a line, so the Markdown has paragraphs."""
    word = WORDS[index % len(WORDS)]
    return word + ("\n\n" if index % 12 == 11 else " ")


def paced(
    count: int, every: float = 0.0, first_after: float = 0.0, text: Callable[[int], str] = token
) -> Script:
    """`count` deltas on a fixed clock: delta i at start + first_after + i * every."""
    return Script(
        tuple(text(index) for index in range(count)),
        first_after=first_after,
        every=every,
        clock=True,
    )


def config(**settings: object) -> Config:
    """Two model names for two columns, `left` and `right`, both scripted.

    Both count as on this machine, so no question about sending the context
    away interrupts a run; where a model runs changes nothing measured here.
    """
    return Config(
        default_model="left",
        compare=("left", "right"),
        aliases={"left": "local", "right": "local"},
        **settings,  # type: ignore[arg-type]
    )


def text_prompt() -> Prompt:
    """A task whose answer is plain text: no list parsing, only streaming."""
    return Prompt(
        name="draft",
        description="the draft, answered",
        output="text",
        count=1,
        system="You are a benchmark.",
        template="{context}",
    )


def list_prompt() -> Prompt:
    return Prompt(
        name="ideas",
        description="a list of ideas",
        output="list",
        count=200,
        system="You are a benchmark.",
        template="{context}\n\nList {count} ideas.",
    )


class Recorded(Backend):
    """Another backend, unchanged, whose final figures are kept for the benchmark to read.

    It delegates to the wrapped backend's `_generate`, so the figures come
    from the same `Backend.stream` clock that sparring reports from.
    """

    def __init__(self, inner: Backend, on_usage: Callable[[Usage], None]) -> None:
        super().__init__(inner.model)
        self.inner = inner
        self.provider = inner.provider
        self.location = inner.location
        self.on_usage = on_usage

    @property
    def label(self) -> str:
        return self.inner.label

    async def prepare(self) -> None:
        await self.inner.prepare()
        self.location = self.inner.location

    def _generate(self, request: ChatRequest) -> AsyncIterator[str | Thinking | Finish]:
        return self.inner._generate(request)

    async def stream(
        self, request: ChatRequest, *, notice: Callable[[str], None] | None = None
    ) -> AsyncIterator[str | Thinking | Usage]:
        async for event in super().stream(request, notice=notice):
            if isinstance(event, Usage):
                self.on_usage(event)
            yield event

    async def aclose(self) -> None:
        await self.inner.aclose()


class Companion(Backend):
    """Streams `rate` deltas a second until told to stop (or `limit` seconds pass)."""

    provider = "scripted"

    def __init__(self, model: str, rate: float, limit: float = 60.0) -> None:
        super().__init__(model)
        self.rate = rate
        self.limit = limit
        self.stopped = False
        self.sent = 0

    async def _generate(self, request: ChatRequest) -> AsyncIterator[str | Finish]:
        loop = asyncio.get_running_loop()
        start = loop.time()
        while not self.stopped and loop.time() - start < self.limit:
            await asyncio.sleep(max(start + self.sent / self.rate - loop.time(), 0.0))
            yield token(self.sent)
            self.sent += 1
        yield Finish(input_tokens=100, output_tokens=self.sent)
