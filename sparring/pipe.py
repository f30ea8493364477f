"""Pipe mode: one task on one or more models, the answers on stdout.

One model streams straight to stdout. Several models stream concurrently:
in a terminal they stand side by side as they arrive; into a pipe each is
printed as a block, in the order given, once all are done. Progress and
errors go to stderr; the session is saved as the answers stream.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import dataclass, field
from typing import TextIO

from sparring import engine, store
from sparring.config import Config
from sparring.errors import CannotSave, SparringError
from sparring.prompts import Prompt
from sparring.render import block, json_document
from sparring.session import Context, Reply, Session, Turn, make_title


@dataclass
class PipeRequest:
    prompt: Prompt
    context: str
    sources: list[str]
    models: list[str]
    count: int | None = None
    instruction: str = ""
    values: dict[str, str] = field(default_factory=dict)
    as_json: bool = False
    save: bool = True
    local_only: bool = False


class Output:
    """stdout, tolerant of a reader that goes away (`| head -1`)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.closed = False

    def write(self, text: str) -> None:
        if self.closed:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except BrokenPipeError:
            self.closed = True
            # Keep Python from complaining about the dead pipe again at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())


def build_session(request: PipeRequest) -> tuple[Session, Turn]:
    prompt = request.prompt
    user = prompt.render(
        request.context, count=request.count, instruction=request.instruction, values=request.values
    )
    turn = Turn(
        task=prompt.name,
        user=user,
        system=prompt.system,
        instruction=request.instruction,
        output=prompt.output,
        replies=[Reply(model=name) for name in request.models],
    )
    session = Session(
        title=make_title(prompt.name, request.context),
        context=Context(request.context, list(request.sources)),
        turns=[turn],
    )
    return session, turn


class Saver:
    """Saves the session; the first failure is reported once, and the run goes on."""

    def __init__(self, session: Session, enabled: bool) -> None:
        self.session = session
        self.enabled = enabled
        self.failure: CannotSave | None = None

    def __call__(self) -> None:
        if not self.enabled or self.failure is not None:
            return
        try:
            store.save(self.session)
        except CannotSave as error:
            self.failure = error
            print(f"sparring: warning: {error.one_line()}", file=sys.stderr)


def run(request: PipeRequest, config: Config) -> int:
    session, turn = build_session(request)
    saver = Saver(session, request.save)
    out = Output(sys.stdout)
    side_by_side = len(turn.replies) > 1 and not request.as_json and _is_terminal(sys.stdout)
    live_view = None
    if side_by_side:
        from sparring.live import SideBySide

        live_view = SideBySide(turn.replies)

    def on_delta(index: int, text: str) -> None:
        if request.as_json:
            return
        if live_view is not None:
            live_view.delta(index, text)
        elif len(turn.replies) == 1:
            out.write(text)

    session.writer = os.getpid()
    saver()
    interrupted = False
    try:
        if live_view is not None:
            with live_view:
                asyncio.run(_run(session, turn, config, on_delta, saver, request, live_view))
        else:
            asyncio.run(_run(session, turn, config, on_delta, saver, request, None))
    except KeyboardInterrupt:
        interrupted = True
        for reply in turn.replies:
            if reply.status in ("streaming", "cancelled"):
                reply.status = "interrupted"
                reply.error = "interrupted by Ctrl-C"
                reply.exit_code = 130
    session.writer = 0
    saver()
    _print_result(session, turn, request, out, side_by_side)
    return _report(session, turn, saver, interrupted, request.save)


async def _run(session, turn, config, on_delta, saver, request, live_view) -> None:  # type: ignore[no-untyped-def]
    ticker = asyncio.create_task(live_view.tick()) if live_view is not None else None
    try:
        await engine.run_turn(
            session,
            turn,
            config,
            on_delta=on_delta,
            checkpoint=saver,
            local_only=request.local_only,
        )
    finally:
        if ticker is not None:
            ticker.cancel()


def _print_result(
    session: Session, turn: Turn, request: PipeRequest, out: Output, side_by_side: bool
) -> None:
    if request.as_json:
        out.write(json.dumps(json_document(session, turn), ensure_ascii=False, indent=2) + "\n")
    elif len(turn.replies) == 1:
        text = turn.replies[0].text
        if text and not text.endswith("\n"):
            out.write("\n")
    elif not side_by_side:
        out.write("\n".join(block(reply) for reply in turn.replies))


def _report(session: Session, turn: Turn, saver: Saver, interrupted: bool, save: bool) -> int:
    """Errors to stderr, one line each; the exit code of the first failure."""
    failures: list[Reply] = [reply for reply in turn.replies if reply.status != "ok"]
    saved = save and saver.failure is None
    for reply in failures:
        message = reply.error or reply.status
        if reply.text and saved:
            message += f"; the partial answer is saved in session {session.id}"
        print(f"sparring: {reply.model}: {message}", file=sys.stderr)
    if interrupted:
        return 130
    if failures:
        return failures[0].exit_code or SparringError.exit_code
    if saver.failure is not None:
        return saver.failure.exit_code
    return 0


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError):
        return False
