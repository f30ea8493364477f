"""Run one turn on one or many models at once, and finish each reply once.

No Textual here: the pipe and the TUI both drive this and only present what
a `TurnListener` is told. Each reply streams into a `LiveReply`, whose list
of deltas is the only place a delta is held on its way to the screen; when a
reply ends, the engine finishes it (text, items, figures, cost, status) and
says so, once. The session is checkpointed (saved) while answers stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sparring import anchors, language, lists
from sparring import items as items_module
from sparring.config import OWN_HARDWARE, Config, Privacy
from sparring.egress import EgressGate, check_local_only
from sparring.errors import AnswerCut, AnswerRefused, ContextTooLong, SparringError, UsageError
from sparring.figures import where_label
from sparring.pricing import estimate_cost
from sparring.providers import (
    ModelRef,
    expected_location,
    import_shared_modules,
    open_backend,
    resolve,
)
from sparring.providers.base import (
    THINK_LEVELS,
    Backend,
    ChatRequest,
    Message,
    ThinkLevel,
    Usage,
    estimate_tokens,
)
from sparring.providers.listing import ListShape
from sparring.providers.thinking import Thinking
from sparring.secret import redact
from sparring.sessions.model import Reply, Session, Turn
from sparring.sessions.turns import FOLLOW_UP

BackendFactory = Callable[[ModelRef, Config], Backend]
CHECKPOINT_SECONDS = 2.0


@dataclass
class LiveReply:
    """A reply while it streams: its deltas, and when they came.

    `parts` is appended to as deltas arrive and joined only when someone
    looks (`sync`, a checkpoint, the end); a view shows `parts[shown:]`.
    """

    reply: Reply
    #: The model within its provider, as priced, and where it is expected to run.
    model: str = ""
    location: str = "local"
    input_tokens: int = 0
    started: float = field(default_factory=time.monotonic)
    #: When the first token came (thinking or answer), and the first of the answer.
    first_delta_at: float | None = None
    first_answer_at: float | None = None
    characters: int = 0
    parts: list[str] = field(default_factory=list)
    thinking_characters: int = 0
    thinking_parts: list[str] = field(default_factory=list)
    #: The backend once it is open (None while its SDK is imported): whether it is
    #: loading the model is asked of it, for the live status.
    backend: Backend | None = None

    def add(self, text: str) -> None:
        now = time.monotonic()
        if self.first_delta_at is None:
            self.first_delta_at = now
        if self.first_answer_at is None:
            self.first_answer_at = now
        self.characters += len(text)
        self.parts.append(text)

    def think(self, text: str) -> None:
        if self.first_delta_at is None:
            self.first_delta_at = time.monotonic()
        self.thinking_characters += len(text)
        self.thinking_parts.append(text)

    @property
    def thinking(self) -> bool:
        """Thinking has come, and no answer yet."""
        return bool(self.thinking_parts) and self.first_answer_at is None

    def sync(self) -> Reply:
        self.reply.text = "".join(self.parts)
        self.reply.thinking = "".join(self.thinking_parts)
        return self.reply


class TurnListener:
    """What the engine tells the view of a turn. Every method may be left as it is."""

    def began(self, index: int, live: LiveReply) -> None:
        """Reply `index` of the turn is about to stream into `live`."""

    def delta(self, index: int, text: str) -> None:
        """Text of reply `index` arrived (it is in `live.parts` already)."""

    def thinking(self, index: int, text: str) -> None:
        """Thinking of reply `index` arrived (it is in `live.thinking_parts` already)."""

    def ended(self, index: int, reply: Reply) -> None:
        """Reply `index` is finished: its text, items, figures, cost and status are final."""

    def notice(self, text: str) -> None:
        """Something the writer should know while the turn runs (a retry)."""

    def checkpoint(self) -> None:
        """A good moment to save the session (every few seconds while answers stream)."""


QUIET = TurnListener()


def build_request(session: Session, turn: Turn, model: str, config: Config) -> ChatRequest:
    """The system text, this model's own thread of the current task, then the new message.

    A task starts a thread: it carries the draft, so the turns before it are not
    sent again (and its prompt begins as every task's does: the cache's part).
    A follow-up carries the thread since its task.
    """
    messages: list[Message] = []
    if turn.system:
        messages.append(Message("system", turn.system))
    shared = 0
    if turn.task == FOLLOW_UP:
        earlier_turns = session.turns[: session.turns.index(turn)] if turn in session.turns else []
        start = max(
            (index for index, earlier in enumerate(earlier_turns) if earlier.task != FOLLOW_UP),
            default=len(earlier_turns),
        )
        for earlier in earlier_turns[start:]:
            for reply in earlier.replies:
                if reply.model == model and reply.text:
                    messages.append(Message("user", earlier.user))
                    messages.append(Message("assistant", reply.text))
                    shared = shared or earlier.shared
    else:
        shared = turn.shared
    messages.append(Message("user", turn.user))
    return ChatRequest(
        tuple(messages),
        max_tokens=config.max_tokens,
        temperature=config.temperature,
        think=think_level(turn, model, config),
        thinking_budget=config.thinking_budget,
        seed=turn.seed,
        shared=shared,
        # A session that goes on asks the same prefix again: worth a prompt cache.
        cache=len(session.turns) > 1,
    )


async def prompt_room(
    models: list[str],
    config: Config,
    *,
    backend_factory: BackendFactory = open_backend,
) -> int | None:
    """The tokens of prompt every model of `models` takes beside its answer's budget: the
    smallest of them, or None when no model's window can be known before asking.

    A model's `context` setting in config.toml says it; else its backend is asked (the
    embedded model's n_ctx, Ollama's /api/show). Nothing of the draft is sent.
    """
    request = ChatRequest(
        (Message("user", ""),), max_tokens=config.max_tokens, thinking_budget=config.thinking_budget
    )
    rooms: list[int] = []
    for name in models:
        window = config.model_settings(name).context
        if window is not None:
            rooms.append(window - config.max_tokens)
            continue
        ref = resolve(name, config)
        backend = await asyncio.to_thread(open_one_at_a_time, backend_factory, ref, config)
        try:
            await backend.prepare()
            room = await backend.prompt_room(request)
        finally:
            with contextlib.suppress(Exception):
                await backend.aclose()
        if room is not None:
            rooms.append(room)
    return min(rooms, default=None)


def think_level(turn: Turn, model: str, config: Config) -> ThinkLevel | None:
    """How much `model` should think for `turn`: the run's or the task's setting (on the
    turn), else the model's own in the config, else None: the model's default."""
    setting = turn.think or config.model_settings(model).think
    for level in THINK_LEVELS:
        if setting == level:
            return level
    return None


def prepare(session: Session, turn: Turn, config: Config) -> list[LiveReply]:
    """A LiveReply for each reply of `turn`, with what is known before anything is sent."""
    lives = []
    for reply in turn.replies:
        live = LiveReply(reply)
        with contextlib.suppress(SparringError):
            ref = resolve(reply.model, config)
            live.model = ref.model
            live.location = expected_location(ref)
        request = build_request(session, turn, reply.model, config)
        live.input_tokens = sum(estimate_tokens(message.content) for message in request.messages)
        lives.append(live)
    return lives


async def run_turn(
    session: Session,
    turn: Turn,
    config: Config,
    *,
    listener: TurnListener = QUIET,
    gate: EgressGate | None = None,
    privacy: Privacy | None = None,
    backend_factory: BackendFactory = open_backend,
    checkpoint_seconds: float = CHECKPOINT_SECONDS,
) -> list[Reply]:
    """Stream every reply of `turn` concurrently; the wall time is that of the slowest.

    Context goes to a model that is not on this machine only once `gate`
    admits it (pass the same gate to every turn of a session, so the writer
    is asked once); without a gate, such a model is refused.
    """
    privacy = privacy or Privacy()
    gate = gate or EgressGate(session, None, config)
    refs = [resolve(reply.model, config) for reply in turn.replies]
    if privacy.local_only:
        check_local_only(refs)
    lives = prepare(session, turn, config)
    draft_language = language.detect(session.context.text) if turn.output == "list" else None
    marks = ItemMarks(
        draft_language,
        session.context.text if turn.anchor else None,
        turn.section or (f"part {turn.part}" if turn.parts else ""),
        turn.span,
    )
    turn_index = session.turns.index(turn) if turn in session.turns else -1
    # A blind turn holds both answers to the same form, or the form would tell them apart.
    blind = any(vote.blind and vote.turn == turn_index for vote in session.votes)
    for index, live in enumerate(lives):
        listener.began(index, live)

    async def checkpoints() -> None:
        while True:
            await asyncio.sleep(checkpoint_seconds)
            for live in lives:
                live.sync()
            listener.checkpoint()

    saver = asyncio.create_task(checkpoints())
    try:
        if len(refs) > 1:
            await asyncio.to_thread(import_shared_modules, refs)
        await asyncio.gather(
            *(
                _stream_reply(
                    index,
                    live,
                    ref,
                    build_request(session, turn, live.reply.model, config),
                    config,
                    listener=listener,
                    local_only=privacy.local_only,
                    backend_factory=backend_factory,
                    gate=gate,
                    output=turn.output,
                    marks=marks,
                    shape=turn.shape,
                    blind=blind,
                )
                for index, (live, ref) in enumerate(zip(lives, refs, strict=True))
            )
        )
    finally:
        saver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await saver
        for live in lives:
            live.sync()
            if live.reply.status == "streaming":  # cancelled before it could begin
                live.reply.status = "cancelled"
    return turn.replies


async def _stream_reply(
    index: int,
    live: LiveReply,
    ref: ModelRef,
    request: ChatRequest,
    config: Config,
    *,
    listener: TurnListener,
    local_only: bool,
    backend_factory: BackendFactory,
    gate: EgressGate,
    output: str,
    marks: ItemMarks | None = None,
    shape: ListShape | None = None,
    blind: bool = False,
) -> None:
    """Stream one answer into `live`, then finish it. Failures are recorded in the reply."""
    reply = live.reply
    reply.status = "streaming"
    # Where its name says it runs, until its backend says more: a model whose backend
    # cannot be opened (a key missing) is not "on this machine".
    reply.location = live.location = expected_location(ref)
    backend: Backend | None = None
    try:
        # Opening a backend imports its SDK (up to a second): not on the event loop,
        # where it would hold up the other columns and the UI.
        backend = await asyncio.to_thread(open_one_at_a_time, backend_factory, ref, config)
        live.backend = backend
        reply.backend = backend.label
        reply.location = backend.location
        await backend.prepare()
        reply.location = backend.location
        if local_only and backend.location != "local":
            raise UsageError(
                f"{backend.label} runs {where_label(backend.location)}, not on this machine; "
                "local-only refuses it",
                hint="pick a local model, or drop --local-only",
            )
        if backend.location != "local":
            await gate.admit(backend, request, ref.model)
        exact = exact_shape(shape, ref, backend, config, blind=blind)
        if exact is not None:
            events = lists.fill(backend, request, exact, listener.notice)
        else:
            events = backend.stream(request, notice=listener.notice)
        async for event in events:
            if isinstance(event, Usage):
                _record_usage(reply, event)
                if exact is not None:
                    reply.calls, reply.seed = event.calls, event.seed
                _judge(reply, event, backend.label)
            elif isinstance(event, Thinking):
                live.think(event.text)
                listener.thinking(index, event.text)
            else:
                live.add(event)
                listener.delta(index, event)
    except SparringError as error:
        reply.status = "interrupted" if live.parts else "error"
        if isinstance(error, AnswerCut):
            reply.status = "cut"
        reply.error = error.one_line()
        reply.exit_code = error.exit_code
        if error.usage is not None:
            _record_usage(reply, error.usage)
    except asyncio.CancelledError:
        reply.status = "cancelled"
        await _finish(live, ref, config, output, listener, index, marks)
        raise
    except Exception as error:  # a bug in a backend or SDK: keep it in this reply's column
        reply.status = "interrupted" if live.parts else "error"
        reply.error = redact(f"{ref.full_name}: unexpected {type(error).__name__}: {error}")
        reply.exit_code = SparringError.exit_code
    finally:
        if backend is not None:
            with contextlib.suppress(Exception):
                await backend.aclose()
    await _finish(live, ref, config, output, listener, index, marks)


async def _finish(
    live: LiveReply,
    ref: ModelRef,
    config: Config,
    output: str,
    listener: TurnListener,
    index: int,
    marks: ItemMarks | None = None,
) -> None:
    """Finish the reply once: its text, items, cost; then tell the listener."""
    reply = live.sync()
    reply.cost = estimate_cost(
        ref.model,
        reply.location,
        reply.input_tokens,
        reply.output_tokens,
        config,
        cached_tokens=reply.cached_input_tokens,
        cache_write_tokens=reply.cache_write_tokens,
    )
    if output == "list" and reply.status != "refused":
        read = functools.partial(
            items_module.items_of, reply.text, quoted=marks is not None and marks.draft is not None
        )
        try:
            # Folding a long list takes tens of milliseconds: off the event loop.
            reply.items = await asyncio.to_thread(read)
        except asyncio.CancelledError:
            reply.items = read()
        if marks is not None:
            marks.apply(reply.items)
    listener.ended(index, reply)


@dataclass(frozen=True)
class ItemMarks:
    """What is said of each item of a list answer once it is in: its language when it is
    not the draft's, the passage of the draft it quotes, the section it came from."""

    draft_language: str | None = None
    #: The draft the items' quotes are looked for in; None when the task asks for none.
    draft: str | None = None
    section: str = ""
    #: The part of the draft the model was sent, if it was sent a part: quotes are
    #: looked for there.
    span: tuple[int, int] | None = None

    def apply(self, items: list[items_module.Item]) -> None:
        if self.draft is not None:
            anchors.pin(items, self.draft, self.span)
        if self.draft_language is not None:
            mark_languages(items, self.draft_language)
        for item in items:
            item.section = self.section


def mark_languages(items: list[items_module.Item], draft_language: str) -> None:
    """Mark the items that came back in another language than the draft's."""
    for item in items:
        found = language.detect(item.text, least_words=4)
        item.language = found if found is not None and found != draft_language else ""


def exact_shape(
    shape: ListShape | None,
    ref: ModelRef,
    backend: Backend,
    config: Config,
    *,
    blind: bool = False,
) -> ListShape | None:
    """The shape a list answer of this model is held to, or None to let it write freely.

    The task says whether its lists are held (`exact_count` in its prompt file);
    then the model's setting; else a model on this machine is held and a cloud
    model is not (it rarely needs it, and pays for the extra calls).
    """
    if shape is None or shape.count <= 0 or not backend.takes_shape:
        return None
    setting = config.model_settings(ref.name).exact_count
    if setting is not None:
        return shape if setting else None
    return shape if blind or backend.location in OWN_HARDWARE else None


#: Importing an SDK is CPU work, which two threads can only interleave (the GIL):
#: opened together, every model would wait for every import before asking. One
#: at a time, the first model is asked while the next one's SDK is imported.
_opening = threading.Lock()


def open_one_at_a_time(factory: BackendFactory, ref: ModelRef, config: Config) -> Backend:
    """`factory(ref, config)`, once no other thread is opening a backend (a run's, a warm-up's)."""
    with _opening:
        return factory(ref, config)


def _record_usage(reply: Reply, usage: Usage) -> None:
    reply.input_tokens = usage.input_tokens
    reply.output_tokens = usage.output_tokens
    reply.tokens_estimated = usage.tokens_estimated
    reply.ttft = _seconds(usage.time_to_first_token)
    reply.ttfa = _seconds(usage.time_to_first_answer)
    reply.seconds = round(usage.total_time, 4)
    reply.load_seconds = _seconds(usage.load_seconds)
    reply.thinking_tokens = usage.thinking_tokens
    reply.thinking_estimated = usage.thinking_estimated
    reply.hidden_thinking = usage.hidden_thinking
    reply.thinking_seconds = _seconds(usage.thinking_seconds)
    reply.cached_input_tokens = usage.cached_input_tokens
    reply.cache_write_tokens = usage.cache_write_tokens


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _judge(reply: Reply, usage: Usage, label: str) -> None:
    """The status of a whole stream, by why it stopped: ok, cut short, or refused."""
    error: SparringError | None = None
    if usage.stop == "length":
        if not usage.answer_characters and (reply.thinking or usage.thinking_tokens):
            error = AnswerCut(
                f"{label}: the thinking used the whole budget "
                f"({usage.output_tokens} tokens), so no answer came; the thinking is kept",
                hint="raise thinking_budget in config.toml, or let it think less: --think low",
            )
        else:
            error = AnswerCut(
                f"{label}: the answer stopped at the token limit "
                f"({usage.output_tokens} tokens), cut short",
                hint="raise max_tokens in config.toml, or let it think less: --think low",
            )
        reply.status = "cut"
    elif usage.stop == "refusal":
        error = AnswerRefused(
            f"{label} declined to answer", hint="rephrase the request, or try another model"
        )
        reply.status = "refused"
    elif usage.stop == "context":
        error = ContextTooLong(
            f"{label}: {usage.stop_detail or 'the prompt did not fit the context window'}",
            hint="run it section by section: --sections, or use a model with a larger "
            "context window",
        )
        reply.status = "cut"
    else:
        reply.status = "ok"
    if error is not None:
        reply.error = error.one_line()
        reply.exit_code = error.exit_code
