"""Run one prompt on one or many models at once, filling the session as text arrives.

No Textual here: the CLI and the TUI both drive this, passing callbacks for
each delta and for checkpoints (saving the session while answers stream).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from sparring import items as items_module
from sparring.config import Config
from sparring.egress import Confirm, EgressGate, unconfirmed
from sparring.errors import SparringError, UsageError
from sparring.pricing import estimate_cost
from sparring.providers import (
    ModelRef,
    expected_location,
    import_shared_modules,
    open_backend,
    resolve,
)
from sparring.providers.base import Backend, ChatRequest, Message, Usage
from sparring.session import Reply, Session, Turn

OnDelta = Callable[[int, str], None]
BackendFactory = Callable[[ModelRef, Config], Backend]
Checkpoint = Callable[[], None]
CHECKPOINT_SECONDS = 2.0


@dataclass
class LiveReply:
    """A reply while it streams: its deltas are joined only when someone looks."""

    reply: Reply
    parts: list[str] = field(default_factory=list)

    def sync(self) -> Reply:
        self.reply.text = "".join(self.parts)
        return self.reply


def build_request(session: Session, turn: Turn, model: str, config: Config) -> ChatRequest:
    """The system text, this model's own thread so far, then the new message."""
    messages: list[Message] = []
    if turn.system:
        messages.append(Message("system", turn.system))
    for earlier in session.turns:
        if earlier is turn:
            break
        for reply in earlier.replies:
            if reply.model == model and reply.text:
                messages.append(Message("user", earlier.user))
                messages.append(Message("assistant", reply.text))
    messages.append(Message("user", turn.user))
    return ChatRequest(
        tuple(messages), max_tokens=config.max_tokens, temperature=config.temperature
    )


def check_local_only(refs: list[ModelRef]) -> None:
    """Refuse, before any connection, every model that is not on this machine."""
    for ref in refs:
        if expected_location(ref) != "local":
            raise UsageError(
                f"'{ref.name}' ({ref.full_name}) is not on this machine; local-only refuses it",
                hint="pick a local model, e.g. -m local, or drop --local-only",
            )


async def stream_reply(
    live: LiveReply,
    ref: ModelRef,
    request: ChatRequest,
    config: Config,
    *,
    on_delta: Callable[[str], None] | None = None,
    local_only: bool = False,
    backend_factory: BackendFactory = open_backend,
    gate: EgressGate | None = None,
    on_notice: Callable[[str], None] | None = None,
) -> Reply:
    """Stream one answer into `live`. Failures are recorded in the reply, not raised.

    Without a `gate`, a model that is not on this machine is refused.
    """
    reply = live.reply
    reply.status = "streaming"
    backend: Backend | None = None
    try:
        # Opening a backend imports its SDK (up to a second): not on the event loop,
        # where it would hold up the other columns and the UI.
        backend = await asyncio.to_thread(_open_one_at_a_time, backend_factory, ref, config)
        reply.backend = backend.label
        reply.location = backend.location
        await backend.prepare()
        reply.location = backend.location
        if local_only and backend.location != "local":
            raise UsageError(
                f"{backend.label} runs in the cloud; local-only refuses it",
                hint="pick a local model, or drop --local-only",
            )
        if backend.location == "cloud":
            if gate is None:
                raise unconfirmed(backend.label)
            await gate.admit(backend, request, ref.model)
        backend.notice = on_notice
        async for event in backend.stream(request):
            if isinstance(event, Usage):
                _record_usage(reply, event)
                reply.status = "ok"
            else:
                live.parts.append(event)
                if on_delta is not None:
                    on_delta(event)
    except SparringError as error:
        reply.status = "interrupted" if live.parts else "error"
        reply.error = error.one_line()
        reply.exit_code = error.exit_code
        usage = getattr(error, "usage", None)
        if isinstance(usage, Usage):
            _record_usage(reply, usage)
    except asyncio.CancelledError:
        reply.status = "cancelled"
        raise
    except Exception as error:  # a bug in a backend or SDK: keep it in this reply's column
        reply.status = "interrupted" if live.parts else "error"
        reply.error = f"{ref.full_name}: unexpected {type(error).__name__}: {error}"
        reply.exit_code = SparringError.exit_code
    finally:
        live.sync()
        reply.cost = estimate_cost(
            ref.model, reply.location, reply.input_tokens, reply.output_tokens, config
        )
        if backend is not None:
            with contextlib.suppress(Exception):
                await backend.aclose()
    return reply


#: Importing an SDK is CPU work, which two threads can only interleave (the GIL):
#: opened together, every model would wait for every import before asking. One
#: at a time, the first model is asked while the next one's SDK is imported.
_opening = threading.Lock()


def _open_one_at_a_time(factory: BackendFactory, ref: ModelRef, config: Config) -> Backend:
    with _opening:
        return factory(ref, config)


def _record_usage(reply: Reply, usage: Usage) -> None:
    reply.input_tokens = usage.input_tokens
    reply.output_tokens = usage.output_tokens
    reply.tokens_estimated = usage.tokens_estimated
    reply.ttft = None if usage.time_to_first_token is None else round(usage.time_to_first_token, 4)
    reply.seconds = round(usage.total_time, 4)


def finish_items(turn: Turn) -> None:
    """Parse and fold the items of a list turn's replies."""
    if turn.output != "list":
        return
    for reply in turn.replies:
        reply.items = items_module.items_of(reply.text)


async def run_turn(
    session: Session,
    turn: Turn,
    config: Config,
    *,
    on_delta: OnDelta | None = None,
    checkpoint: Checkpoint | None = None,
    checkpoint_seconds: float = CHECKPOINT_SECONDS,
    local_only: bool = False,
    on_live: Callable[[list[LiveReply]], None] | None = None,
    backend_factory: BackendFactory = open_backend,
    confirm_egress: Confirm | None = None,
    gate: EgressGate | None = None,
    on_notice: Callable[[str], None] | None = None,
) -> list[Reply]:
    """Stream every reply of `turn` concurrently; the wall time is that of the slowest.

    Context goes to a model that is not on this machine only once
    `confirm_egress` (asked once per session) says yes; pass the same `gate`
    to every turn of a session so the writer is asked only the first time.
    """
    gate = gate or EgressGate(session, confirm_egress, config)
    refs = [resolve(reply.model, config) for reply in turn.replies]
    if local_only:
        check_local_only(refs)
    lives = [LiveReply(reply) for reply in turn.replies]
    if on_live is not None:
        on_live(lives)

    def delta_callback(index: int) -> Callable[[str], None] | None:
        if on_delta is None:
            return None
        return lambda text: on_delta(index, text)

    async def checkpoints() -> None:
        while True:
            await asyncio.sleep(checkpoint_seconds)
            for live in lives:
                live.sync()
            if checkpoint is not None:
                checkpoint()

    saver = asyncio.create_task(checkpoints()) if checkpoint is not None else None
    try:
        if len(refs) > 1:
            await asyncio.to_thread(import_shared_modules, refs)
        await asyncio.gather(
            *(
                stream_reply(
                    live,
                    ref,
                    build_request(session, turn, live.reply.model, config),
                    config,
                    on_delta=delta_callback(index),
                    local_only=local_only,
                    backend_factory=backend_factory,
                    gate=gate,
                    on_notice=on_notice,
                )
                for index, (live, ref) in enumerate(zip(lives, refs, strict=True))
            )
        )
    finally:
        if saver is not None:
            saver.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await saver
        for live in lives:
            live.sync()
            if live.reply.status == "streaming":
                live.reply.status = "cancelled"
        try:
            # Folding a long list takes tens of milliseconds: off the event loop.
            await asyncio.to_thread(finish_items, turn)
        except asyncio.CancelledError:
            finish_items(turn)
            raise
    return turn.replies
