"""Pipe mode: one task on one or more models, the answers on stdout.

One model streams straight to stdout. Several models stream concurrently:
in a terminal they stand side by side as they arrive; into a pipe each is
printed as a block, in the order given, once all are done. Progress and
errors go to stderr; the session is saved as the answers stream.

Blind (two models), the answers are shown as A and B in a random order with
no names or figures, and the writer votes (see blind.py) before the names are
revealed on stderr.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sparring import blind, engine, lifecycle, store
from sparring.config import Config
from sparring.egress import (
    Confirm,
    EgressRefused,
    always,
    ask_on_terminal,
    terminal_confirm,
    upfront_request,
)
from sparring.errors import CannotSave, SparringError
from sparring.prompts import Prompt
from sparring.providers import expected_location, resolve
from sparring.render import block, json_document
from sparring.session import Context, Reply, Session, Turn, Vote, make_title
from sparring.visible import visible


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
    allow_cloud: bool = False  # --yes: no question before context leaves the machine
    blind: bool = False  # two answers as A and B, then a vote


class Output:
    """stdout, tolerant of a reader that goes away (`| head -1`).

    Into a terminal, control characters are shown, not obeyed; into a pipe or
    a file the answer goes byte for byte.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.closed = False
        self.terminal = _is_terminal(stream)

    def write(self, text: str) -> None:
        if self.closed:
            return
        try:
            self.stream.write(visible(text) if self.terminal else text)
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


def egress_confirmation(
    session: Session, turn: Turn, request: PipeRequest, config: Config
) -> Confirm:
    """Ask now, before anything streams, if a model known to be in the cloud is asked.

    A model found to be in the cloud only when it is opened (an Ollama `-cloud`
    model) is asked about then, on the terminal.
    """
    if request.allow_cloud:
        return always
    refs = [resolve(reply.model, config) for reply in turn.replies]
    cloud = [ref for ref in refs if expected_location(ref) == "cloud"]
    if not cloud:
        return terminal_confirm
    asked = upfront_request(
        session,
        [ref.full_name for ref in cloud],
        f"{turn.system}\n{turn.user}",
        config,
        [ref.model for ref in cloud],
    )
    answer = ask_on_terminal(asked)
    if answer is None:
        raise EgressRefused(
            f"not sending the context to {', '.join(asked.destinations)} without confirmation",
            hint="pass --yes to allow it (a pipe has no terminal to ask on), or pick a local model",
        )
    if not answer:
        raise EgressRefused("nothing was sent", hint="pick a local model, e.g. -m local")
    return always


def run(request: PipeRequest, config: Config) -> int:
    session, turn = build_session(request)
    # Drawn and recorded (saved below) before any answer is shown.
    vote = blind.start(session, 0) if request.blind else None
    confirm = egress_confirmation(session, turn, request, config)
    saver = Saver(session, request.save)
    out = Output(sys.stdout)
    side_by_side = len(turn.replies) > 1 and not request.as_json and _is_terminal(sys.stdout)
    live_view = None
    column = {index: index for index in range(len(turn.replies))}
    if side_by_side:
        from sparring.live import SideBySide

        if vote is None:
            live_view = SideBySide(turn.replies)
        else:
            live_view = SideBySide(blind.shown(turn, vote), labels=blind.LABELS)
            column = blind.display_index(turn, vote)

    def on_delta(index: int, text: str) -> None:
        lifecycle.release_gc()  # held by the command while it started up
        if request.as_json:
            return
        if live_view is not None:
            live_view.delta(column[index], text)
        elif len(turn.replies) == 1:
            out.write(text)

    session.writer = os.getpid()
    saver()
    interrupted = False
    stopped_by: list[int] = []
    previous = _stop_on_signals(stopped_by)
    try:
        if live_view is not None:
            with live_view:
                asyncio.run(
                    _run(session, turn, config, on_delta, saver, request, confirm, live_view)
                )
        else:
            asyncio.run(_run(session, turn, config, on_delta, saver, request, confirm, None))
    except KeyboardInterrupt:
        interrupted = True
        signal_name = signal.Signals(stopped_by[0]).name if stopped_by else "Ctrl-C"
        for reply in turn.replies:
            if reply.status in ("streaming", "cancelled"):
                reply.status = "interrupted"
                reply.error = f"interrupted by {signal_name}"
                reply.exit_code = 130
    finally:
        _restore_signals(previous)
    session.writer = 0
    saver()
    if vote is None:
        _print_result(session, turn, request, out, side_by_side)
    else:
        _print_blind(session, turn, vote, request, out, side_by_side)
        if not interrupted:
            _vote_now_or_later(session, vote, saver)
    code = _report(session, turn, saver, interrupted, request.save)
    return 128 + stopped_by[0] if stopped_by else code


def _stop_on_signals(stopped_by: list[int]) -> dict[int, object]:
    """SIGTERM and SIGHUP stop the run as Ctrl-C does: what streamed is kept and saved."""

    def stop(signum: int, _frame: object) -> None:
        stopped_by.append(signum)
        raise KeyboardInterrupt

    previous: dict[int, object] = {}
    for signum in (signal.SIGTERM, signal.SIGHUP):
        previous[signum] = signal.signal(signum, stop)
    return previous


def _restore_signals(previous: dict[int, object]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)  # type: ignore[arg-type]


async def _run(session, turn, config, on_delta, saver, request, confirm, live_view) -> None:  # type: ignore[no-untyped-def]
    ticker = asyncio.create_task(live_view.tick()) if live_view is not None else None
    try:
        await engine.run_turn(
            session,
            turn,
            config,
            on_delta=on_delta,
            checkpoint=saver,
            local_only=request.local_only,
            confirm_egress=confirm,
            on_notice=lambda text: print(f"sparring: {text}", file=sys.stderr),
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


def _print_blind(
    session: Session, turn: Turn, vote: Vote, request: PipeRequest, out: Output, side_by_side: bool
) -> None:
    if request.as_json:
        document = blind.json_document(session, turn, vote)
        out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    elif not side_by_side:
        shown = zip(blind.LABELS, blind.shown(turn, vote), strict=True)
        out.write("\n".join(blind.block(label, reply) for label, reply in shown))


def _vote_now_or_later(session: Session, vote: Vote, saver: Saver) -> None:
    """Ask on the terminal; without one, say how to vote later. Names only after a vote."""
    if not blind.votable(session, vote):
        print("sparring: no vote: an answer did not finish", file=sys.stderr)
        return
    choice = blind.ask_on_terminal()
    if choice:
        blind.cast(vote, choice)
        saver()
        print(f"sparring: {blind.outcome(vote)}; {blind.reveal(session, vote)}", file=sys.stderr)
        return
    print(
        f"sparring: vote with `sparring vote {session.id} a|b|tie|bad`; "
        "the names are shown after the vote",
        file=sys.stderr,
    )


def _report(session: Session, turn: Turn, saver: Saver, interrupted: bool, save: bool) -> int:
    """Errors to stderr, one line each; the exit code of the first failure."""
    failures: list[Reply] = [reply for reply in turn.replies if reply.status != "ok"]
    saved = save and saver.failure is None
    if saver.failure is not None:
        copy = emergency_copy(session)
        where = f"an emergency copy is at {copy}" if copy else "and no emergency copy could be made"
        print(f"sparring: the session could not be saved; {where}", file=sys.stderr)
    for reply in failures:
        message = reply.error or reply.status
        if reply.text and saved:
            message += f"; the partial answer is saved in session {session.id}"
        print(f"sparring: {reply.model}: {visible(message)}", file=sys.stderr)
    if interrupted:
        return 130
    if failures:
        return failures[0].exit_code or SparringError.exit_code
    if saver.failure is not None:
        return saver.failure.exit_code
    return 0


def emergency_copy(session: Session) -> Path | None:
    """When the sessions dir cannot be written: a copy in the temp dir, so nothing is lost."""
    from sparring.files import write_private_atomically
    from sparring.session import to_toml

    path = Path(tempfile.gettempdir()) / f"sparring-{session.id}.toml"
    try:
        write_private_atomically(path, to_toml(session))
    except CannotSave:
        return None
    return path


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError):
        return False
