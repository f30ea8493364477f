"""The one interface every backend speaks.

A backend turns a `ChatRequest` into an async stream of text deltas ending
in one `Usage` event. Backends implement `_generate`, which yields `str`
deltas and, once the protocol's final marker has arrived, one `Finish`;
`Backend.stream` adds the timing and checks that the stream really ended.
Optional abilities (listing models, pulling) are ordinary methods with safe
defaults.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

from sparring.errors import SparringError, StreamInterrupted
from sparring.providers.failures import KEPT

Location = Literal["local", "cloud"]


@dataclass(frozen=True)
class Message:
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[Message, ...]
    max_tokens: int = 1024
    temperature: float | None = None

    @property
    def system(self) -> str:
        return "\n\n".join(m.content for m in self.messages if m.role == "system")

    @property
    def conversation(self) -> list[Message]:
        return [m for m in self.messages if m.role != "system"]

    def as_dicts(self) -> list[dict[str, str]]:
        return [{"role": m.role, "content": m.content} for m in self.messages]


@dataclass(frozen=True)
class Finish:
    """What a backend knows at the protocol's final marker."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    stop_reason: str | None = None


@dataclass
class Usage:
    """The final event of every stream, and the figures of a partial one."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    time_to_first_token: float | None = None
    total_time: float = 0.0
    tokens_estimated: bool = False

    @property
    def tokens_per_second(self) -> float | None:
        if not self.output_tokens or self.time_to_first_token is None:
            return None
        generating = self.total_time - self.time_to_first_token
        if generating <= 0:
            return None
        # The first token arrives at time_to_first_token; the rest are paced after it.
        return max(self.output_tokens - 1, 1) / generating


def estimate_tokens(text: str) -> int:
    """A rough count for backends that report none: about four characters a token."""
    return max(1, round(len(text) / 4)) if text else 0


class Backend:
    """A model that can stream an answer. Subclasses implement `_generate`."""

    provider: str = ""
    #: Where the context goes: "local" (this machine) or "cloud".
    location: Location = "local"

    def __init__(self, model: str) -> None:
        self.model = model

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.model}" if self.model else self.provider

    async def _generate(self, request: ChatRequest) -> AsyncIterator[str | Finish]:
        raise NotImplementedError
        yield  # pragma: no cover - makes this an async generator

    async def prepare(self) -> None:
        """Learn what must be known before sending (e.g. where the model runs)."""

    async def stream(self, request: ChatRequest) -> AsyncIterator[str | Usage]:
        """Text deltas, then one `Usage`.

        Raises a `SparringError` (with `.usage` set to the partial figures) if
        the backend fails or the stream ends without its final marker.
        """
        started = time.perf_counter()
        usage = Usage()
        finish: Finish | None = None
        produced: list[str] = []
        try:
            async for event in self._generate(request):
                if isinstance(event, Finish):
                    finish = event
                    continue
                if not event:
                    continue
                if usage.time_to_first_token is None:
                    usage.time_to_first_token = time.perf_counter() - started
                produced.append(event)
                yield event
            if finish is None:
                raise StreamInterrupted(
                    f"{self.label}: the answer was cut off before it finished",
                    hint=KEPT,
                )
        except SparringError as error:
            usage.total_time = time.perf_counter() - started
            _fill_counts(usage, request, produced, None)
            error.usage = usage  # type: ignore[attr-defined]
            raise
        usage.total_time = time.perf_counter() - started
        _fill_counts(usage, request, produced, finish)
        yield usage

    async def list_models(self) -> list[str]:
        return []

    async def aclose(self) -> None:
        """Release connections; the default has none."""


def _fill_counts(
    usage: Usage, request: ChatRequest, produced: list[str], finish: Finish | None
) -> None:
    input_tokens = finish.input_tokens if finish else None
    output_tokens = finish.output_tokens if finish else None
    if input_tokens is None:
        input_tokens = sum(estimate_tokens(m.content) for m in request.messages)
        usage.tokens_estimated = True
    if output_tokens is None:
        output_tokens = estimate_tokens("".join(produced))
        usage.tokens_estimated = True
    usage.input_tokens = input_tokens
    usage.output_tokens = output_tokens
