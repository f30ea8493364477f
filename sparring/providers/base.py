"""The one interface every backend speaks.

A backend turns a `ChatRequest` into an async stream of text deltas ending
in one `Usage` event. Backends implement `_generate`, which yields `str`
deltas and, once the protocol's final marker has arrived, one `Finish`;
`Backend.stream` adds the timing and checks that the stream really ended.
Backends that speak HTTP install `on_http_request` as an httpx event hook, so
that `request_sent` is called as their request leaves: the clock starts there.
Optional abilities (listing models, pulling) are ordinary methods with safe
defaults.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Literal

from sparring.errors import SparringError, StreamInterrupted, TemporaryFailure
from sparring.providers.failures import KEPT

Location = Literal["local", "cloud"]

#: Retries of a 429 or 5xx answered before the first token.
MAX_RETRIES = 3
RETRY_BASE_SECONDS = 0.5
#: A Retry-After longer than this is not waited for: the failure is reported.
MAX_RETRY_WAIT = 30.0


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
    return estimate_characters(len(text))


def estimate_characters(characters: int) -> int:
    """`estimate_tokens` for text of which only the length is known."""
    return max(1, round(characters / 4)) if characters else 0


class Backend:
    """A model that can stream an answer. Subclasses implement `_generate`."""

    provider: str = ""
    #: Where the context goes: "local" (this machine) or "cloud".
    location: Location = "local"
    #: When the current stream's request was sent (see `request_sent`).
    _sent_at: float | None = None

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

    def request_sent(self) -> None:
        """Note that the request of the current `stream` has left for the server.

        Only the first send of a stream counts, so the waits of retries stay in
        the figures, as the writer waits through them too.
        """
        if self._sent_at is None:
            self._sent_at = time.perf_counter()

    async def on_http_request(self, request: Any) -> None:
        """An httpx "request" event hook: follow the request into the transport.

        The hook itself runs before the client has set up its connection pool
        (on first use, imports that take ~10 ms), so the clock starts at the
        transport's first traced event instead: connecting, or sending on a kept
        connection. Connecting counts, as it is the service's latency too.
        """
        request.extensions["trace"] = self._on_transport_event

    async def _on_transport_event(self, _event: str, _info: dict[str, Any]) -> None:
        self.request_sent()

    async def stream(
        self, request: ChatRequest, *, notice: Callable[[str], None] | None = None
    ) -> AsyncIterator[str | Usage]:
        """Text deltas, then one `Usage`; what the backend is doing (retries) goes to `notice`.

        A 429 or 5xx before the first token is retried with backoff (honouring
        Retry-After), within a bound; never after it, as that would repeat text.
        Raises a `SparringError` (with `.usage` set to the partial figures) if
        the backend fails or the stream ends without its final marker.

        The figures are timed from when the request was sent, if the backend
        says (`request_sent`); otherwise from here. Time to first token is how
        long the model takes to start answering once asked, connecting
        included; what the client does before the request leaves (an SDK
        building its first request, importing its parts on first use) is this
        process's start-up, paid once, and would make the first answer of a
        session look slower than the same model's next ones.
        """
        self._sent_at = None
        began = time.perf_counter()
        usage = Usage()
        finish: Finish | None = None
        produced = 0  # characters of text streamed so far
        attempt = 0
        while True:
            try:
                async for event in self._generate(request):
                    if isinstance(event, Finish):
                        finish = event
                        continue
                    if not event:
                        continue
                    if usage.time_to_first_token is None:
                        usage.time_to_first_token = time.perf_counter() - self._started(began)
                    produced += len(event)
                    yield event
                if finish is None:
                    raise StreamInterrupted(
                        f"{self.label}: the answer was cut off before it finished", hint=KEPT
                    )
                break
            except TemporaryFailure as error:
                delay = self._retry_delay(error, attempt, produced)
                if delay is None:
                    self._attach_usage(error, usage, self._started(began), request, produced)
                    raise
                attempt += 1
                if notice is not None:
                    notice(f"{self.label}: {error.message}; retrying in {delay:.1f} s")
                await asyncio.sleep(delay)
            except SparringError as error:
                self._attach_usage(error, usage, self._started(began), request, produced)
                raise
        usage.total_time = time.perf_counter() - self._started(began)
        _fill_counts(usage, request, produced, finish)
        yield usage

    def _started(self, began: float) -> float:
        """When the clock of the current stream started: at the send, else when it began."""
        return began if self._sent_at is None else self._sent_at

    def _retry_delay(self, error: TemporaryFailure, attempt: int, produced: int) -> float | None:
        """Seconds to wait before asking again, or None when it must not be retried."""
        if produced or not error.retryable or attempt >= MAX_RETRIES:
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= MAX_RETRY_WAIT else None
        return float(RETRY_BASE_SECONDS * 2**attempt)

    @staticmethod
    def _attach_usage(
        error: SparringError,
        usage: Usage,
        started: float,
        request: ChatRequest,
        produced: int,
    ) -> None:
        usage.total_time = time.perf_counter() - started
        _fill_counts(usage, request, produced, None)
        error.usage = usage

    async def list_models(self) -> list[str]:
        return []

    async def aclose(self) -> None:
        """Release connections; the default has none."""


def _fill_counts(usage: Usage, request: ChatRequest, produced: int, finish: Finish | None) -> None:
    input_tokens = finish.input_tokens if finish else None
    output_tokens = finish.output_tokens if finish else None
    if input_tokens is None:
        input_tokens = sum(estimate_tokens(m.content) for m in request.messages)
        usage.tokens_estimated = True
    if output_tokens is None:
        output_tokens = estimate_characters(produced)
        usage.tokens_estimated = True
    usage.input_tokens = input_tokens
    usage.output_tokens = output_tokens
