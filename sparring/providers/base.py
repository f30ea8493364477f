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

from sparring.config import Location as Location  # re-exported: every backend says one
from sparring.errors import AnswerCut, SparringError, StreamInterrupted, TemporaryFailure
from sparring.providers.failures import KEPT, starved
from sparring.providers.listing import ListShape
from sparring.providers.thinking import LoopWatch, Thinking
from sparring.secret import redact
from sparring.visible import encodable

#: Retries of a 429 or 5xx answered before the first token.
MAX_RETRIES = 3
RETRY_BASE_SECONDS = 0.5
#: A Retry-After longer than this is not waited for: the failure is reported.
MAX_RETRY_WAIT = 30.0
#: Seconds past stall_timeout before a stream with bytes but no words is cut.
STALL_GRACE = 1.0


@dataclass(frozen=True)
class Message:
    role: Literal["system", "user", "assistant"]
    content: str


#: How much a model should think: None leaves it to the service (its default).
ThinkLevel = Literal["off", "low", "medium", "high"]
THINK_LEVELS: tuple[ThinkLevel, ...] = ("off", "low", "medium", "high")
#: Why a stream ended: it was whole, it hit the token limit, the model refused,
#: or the prompt did not fit the model's context window (and was cut).
Stop = Literal["end", "length", "refusal", "context"]


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[Message, ...]
    #: The answer's budget, in tokens.
    max_tokens: int = 1024
    temperature: float | None = None
    think: ThinkLevel | None = None
    #: Tokens a model may spend thinking, on top of the answer's budget.
    thinking_budget: int = 4096
    #: Hold a list answer to exactly so many one-line items (see listing.py).
    shape: ListShape | None = None
    #: The sampling seed, for backends that take one; None lets them pick.
    seed: int | None = None
    #: Characters at the start of the first user message that every task of the session
    #: sends alike (the draft), and whether to ask the service to cache the prompt to there.
    shared: int = 0
    cache: bool = False

    @property
    def system(self) -> str:
        return "\n\n".join(m.content for m in self.messages if m.role == "system")

    @property
    def conversation(self) -> list[Message]:
        return [m for m in self.messages if m.role != "system"]

    @property
    def characters(self) -> int:
        return sum(len(message.content) for message in self.messages)

    def as_dicts(self) -> list[dict[str, str]]:
        return [{"role": m.role, "content": m.content} for m in self.messages]

    def limit(self, thinks: bool) -> int:
        """The token limit to send: a thinking model's covers its thinking and its answer."""
        if thinks and self.think != "off":
            return self.max_tokens + self.thinking_budget
        return self.max_tokens


@dataclass(frozen=True)
class Finish:
    """What a backend knows at the protocol's final marker."""

    input_tokens: int | None = None
    #: Every generated token, thinking included (as the services count and bill them).
    output_tokens: int | None = None
    stop: Stop = "end"
    thinking_tokens: int | None = None
    #: The model thought without showing it (OpenAI's reasoning models).
    hidden_thinking: bool = False
    cached_input_tokens: int | None = None
    cache_write_tokens: int | None = None
    #: Seconds the service spent loading the model before this answer.
    load_seconds: float | None = None
    #: What a stop other than "end" was about, in a few words.
    stop_detail: str = ""


@dataclass
class Usage:
    """The final event of every stream, and the figures of a partial one.

    Times are seconds from when the request was sent; a model load the
    service reports is counted apart (`load_seconds`), not in the times to
    first token. `total_time` is the whole wait, load included.
    """

    input_tokens: int | None = None
    #: Every generated token, thinking included.
    output_tokens: int | None = None
    thinking_tokens: int | None = None
    cached_input_tokens: int | None = None
    cache_write_tokens: int | None = None
    #: To the first generated token: thinking or answer.
    time_to_first_token: float | None = None
    time_to_first_answer: float | None = None
    thinking_seconds: float | None = None
    load_seconds: float | None = None
    total_time: float = 0.0
    tokens_estimated: bool = False
    thinking_estimated: bool = False
    hidden_thinking: bool = False
    stop: Stop = "end"
    stop_detail: str = ""
    #: Characters of answer text streamed (thinking apart).
    answer_characters: int = 0
    #: Calls that made the answer (a list filled in batches), and the first call's seed.
    calls: int = 1
    seed: int | None = None

    @property
    def tokens_per_second(self) -> float | None:
        return generation_rate(
            self.output_tokens,
            self.thinking_tokens if self.hidden_thinking else None,
            self.time_to_first_token,
            self.total_time,
            self.load_seconds,
        )


def generation_rate(
    output_tokens: int | None,
    hidden_thinking_tokens: int | None,
    time_to_first_token: float | None,
    total_time: float | None,
    load_seconds: float | None,
) -> float | None:
    """Tokens a second over everything generated since the first generated token.

    Thinking the service hid (OpenAI's reasoning models) was generated before
    the first token anyone saw, so it is left out of the count.
    """
    if not output_tokens or time_to_first_token is None or total_time is None:
        return None
    tokens = output_tokens - (hidden_thinking_tokens or 0)
    generating = total_time - (load_seconds or 0.0) - time_to_first_token
    if tokens <= 0 or generating <= 0:
        return None
    # The first token arrives at time_to_first_token; the rest are paced after it.
    return max(tokens - 1, 1) / generating


def estimate_tokens(text: str) -> int:
    """A rough count for backends that report none: about four characters a token."""
    return estimate_characters(len(text))


def estimate_characters(characters: int) -> int:
    """`estimate_tokens` for text of which only the length is known."""
    return max(1, round(characters / 4)) if characters else 0


class Backend:
    """A model that can stream an answer. Subclasses implement `_generate`."""

    provider: str = ""
    #: Where the context goes: "local" (this machine), "network" (the writer's own) or "cloud".
    location: Location = "local"
    #: Seconds without answer or thinking text after which a stream is cut (None: never).
    stall_timeout: float | None = None
    #: When the current stream's request was sent (see `request_sent`).
    _sent_at: float | None = None
    #: True while the model's weights are being loaded for the current request, where the
    #: backend knows (the embedded model does): the live status says so.
    loading: bool = False

    def __init__(self, model: str) -> None:
        self.model = model
        self._notice: Callable[[str], None] | None = None

    @property
    def takes_shape(self) -> bool:
        """Whether a list answer can be held to N items here (request.shape)."""
        return False

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.model}" if self.model else self.provider

    async def _generate(self, request: ChatRequest) -> AsyncIterator[str | Thinking | Finish]:
        raise NotImplementedError
        yield  # pragma: no cover - makes this an async generator

    async def prepare(self) -> None:
        """Learn what must be known before sending (e.g. where the model runs)."""

    async def prompt_room(self, request: ChatRequest) -> int | None:
        """Tokens of prompt the model takes beside `request`'s answer budget (after
        `prepare`); None when that cannot be known before asking."""
        return None

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
    ) -> AsyncIterator[str | Thinking | Usage]:
        """Answer text and `Thinking`, then one `Usage`; retries and lessons go to `notice`.

        A 429 or 5xx before anything streamed is retried with backoff
        (honouring Retry-After), within a bound; never after, as that would
        repeat text. Raises a `SparringError` (with `.usage` set to the partial
        figures) if the backend fails, the stream ends without its final
        marker, or the thinking goes in circles.

        The figures are timed from when the request was sent, if the backend
        says (`request_sent`); otherwise from here. Time to first token is how
        long the model takes to start generating once asked, connecting
        included; what the client does before the request leaves (an SDK
        building its first request, importing its parts on first use) is this
        process's start-up, paid once, and would make the first answer of a
        session look slower than the same model's next ones.
        """
        self._sent_at = None
        self._notice = notice
        began = time.perf_counter()
        clock = _Clock()
        finish: Finish | None = None
        attempt = 0
        watch = LoopWatch()
        while True:
            try:
                async for event in self._checked(self._generate(request)):
                    if isinstance(event, Finish):
                        finish = event
                        continue
                    now = time.perf_counter() - self._started(began)
                    if isinstance(event, Thinking):
                        if not event.text:
                            continue
                        clock.thought(event.text, now)
                        if watch.feed(event.text):
                            raise AnswerCut(
                                f"{self.label}: the thinking went in circles (the same passage "
                                "again and again), so it was stopped",
                                hint="let it think less: --think low, or --think off",
                            )
                    elif event:
                        clock.answered(event, now)
                    else:
                        continue
                    yield event
                if finish is None:
                    raise StreamInterrupted(
                        f"{self.label}: the answer was cut off before it finished", hint=KEPT
                    )
                break
            except TemporaryFailure as error:
                delay = self._retry_delay(error, attempt, clock.produced)
                if delay is None:
                    error.usage = clock.usage(self._elapsed(began), request, None)
                    raise
                attempt += 1
                said = error.message
                if not said.startswith(self.label):
                    said = f"{self.label}: {said}"
                self.say(f"{said}; retrying in {delay:.1f} s")
                await asyncio.sleep(delay)
            except SparringError as error:
                error.usage = clock.usage(self._elapsed(began), request, None)
                raise
        yield clock.usage(self._elapsed(began), request, finish)

    async def _checked(
        self, events: AsyncIterator[str | Thinking | Finish]
    ) -> AsyncIterator[str | Thinking | Finish]:
        """The backend's events, checked: text that is text (a frame whose text is a number
        is malformed; a lone surrogate from a JSON escape becomes U+FFFD), and a stream that
        sends no answer or thinking for `stall_timeout` seconds is cut, whatever else it
        sends meanwhile (SSE keep-alive comments, ping events keep the connection busy)."""
        loop = asyncio.get_running_loop()
        # A little later than the transport's own read timeout (the same stall_timeout),
        # which says first, in its own words, when nothing at all comes.
        stall = None if self.stall_timeout is None else self.stall_timeout + STALL_GRACE
        deadline = None if stall is None else loop.time() + stall
        try:
            while True:
                waiting = asyncio.timeout_at(deadline)
                try:
                    async with waiting:
                        event = await anext(events)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    if not waiting.expired():
                        raise
                    raise starved(self.label, self.stall_timeout or 0.0) from None
                if isinstance(event, Finish):
                    yield event
                    continue
                text: object = event.text if isinstance(event, Thinking) else event
                if not isinstance(text, str):
                    raise StreamInterrupted(
                        f"{self.label}: the server sent a malformed frame "
                        f"(its text is {type(text).__name__}, not text)",
                        hint=KEPT,
                    )
                if text:
                    text = encodable(text)
                    if stall is not None:
                        deadline = loop.time() + stall
                yield Thinking(text) if isinstance(event, Thinking) else text
        finally:
            close = getattr(events, "aclose", None)
            if close is not None:
                await close()

    def say(self, text: str) -> None:
        """Tell the writer what the backend is doing (a retry, a lesson), if anyone listens."""
        if self._notice is not None:
            self._notice(redact(text))

    def _elapsed(self, began: float) -> float:
        return time.perf_counter() - self._started(began)

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

    async def list_models(self) -> list[str]:
        return []

    async def load(self, characters: int = 0, answer_tokens: int = 1024) -> float | None:
        """Load the model now, before it is asked, sized for a draft of `characters` and an
        answer of `answer_tokens` (a warm-up): the seconds the load took, or None when
        nothing is loaded ahead (the default: the service loads its models itself)."""
        return None

    async def aclose(self) -> None:
        """Release connections; the default has none."""


class _Clock:
    """What a stream has produced, and when: the figures are made from it."""

    def __init__(self) -> None:
        self.first_token: float | None = None
        self.first_answer: float | None = None
        self.last_thought: float | None = None
        self.answer_characters = 0
        self.thinking_characters = 0

    @property
    def produced(self) -> int:
        return self.answer_characters + self.thinking_characters

    def thought(self, text: str, now: float) -> None:
        if self.first_token is None:
            self.first_token = now
        self.last_thought = now
        self.thinking_characters += len(text)

    def answered(self, text: str, now: float) -> None:
        if self.first_token is None:
            self.first_token = now
        if self.first_answer is None:
            self.first_answer = now
        self.answer_characters += len(text)

    def usage(self, total: float, request: ChatRequest, finish: Finish | None) -> Usage:
        finish = finish or Finish()
        load = finish.load_seconds or 0.0
        usage = Usage(
            total_time=total,
            load_seconds=finish.load_seconds,
            stop=finish.stop,
            stop_detail=finish.stop_detail,
            hidden_thinking=finish.hidden_thinking,
            cached_input_tokens=finish.cached_input_tokens,
            cache_write_tokens=finish.cache_write_tokens,
            answer_characters=self.answer_characters,
        )
        # A load the service reports happened before any token: it is not the model's pace.
        if self.first_token is not None:
            usage.time_to_first_token = max(self.first_token - load, 0.0)
        if self.first_answer is not None:
            usage.time_to_first_answer = max(self.first_answer - load, 0.0)
        if self.thinking_characters and self.first_token is not None:
            thinking_ended = self.first_answer if self.first_answer is not None else total
            usage.thinking_seconds = max(thinking_ended - self.first_token, 0.0)
        usage.input_tokens = finish.input_tokens
        if usage.input_tokens is None:
            usage.input_tokens = sum(estimate_tokens(m.content) for m in request.messages)
            usage.tokens_estimated = True
        usage.output_tokens = finish.output_tokens
        if usage.output_tokens is None:
            usage.output_tokens = estimate_characters(self.produced)
            usage.tokens_estimated = True
        usage.thinking_tokens = finish.thinking_tokens
        if usage.thinking_tokens is None and self.thinking_characters:
            # Ollama and llama.cpp count thinking in the output tokens without saying how much.
            usage.thinking_tokens = min(
                estimate_characters(self.thinking_characters), usage.output_tokens
            )
            usage.thinking_estimated = True
        return usage
