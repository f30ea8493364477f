"""Pipe mode: one task on one or more models, the answers on stdout.

One model streams straight to stdout. Several models stream concurrently:
in a terminal they stand side by side as they arrive; into a pipe each is
printed as a block, in the order given, once all are done. Progress and
errors go to stderr; the session is saved as the answers stream.

Blind (two models), the answers are shown as A and B in a random order with
no names or figures, and the writer votes (see judging/blind.py) before the
names are revealed on stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from sparring import engine
from sparring.cli import lifecycle, streams
from sparring.cli.live import SideBySide
from sparring.cli.render import block, folded_list, json_document
from sparring.cli.status import StatusLine
from sparring.cli.terminal import confirm_egress, is_terminal, terminal_confirm
from sparring.config import Config, Privacy
from sparring.egress import Confirm, EgressGate, always, upfront_request
from sparring.errors import CannotSave, EgressRefused, Interrupted, NewerFormat, SparringError
from sparring.figures import item_summary
from sparring.fitness import caveat, turn_notes
from sparring.judging import blind
from sparring.prompts import Prompt
from sparring.providers import expected_location, resolve
from sparring.sessions.model import Reply, Session, Turn, Vote
from sparring.sessions.saving import Saver
from sparring.sessions.turns import new_session, task_turn
from sparring.visible import json_visible, visible


@dataclass
class PipeOptions:
    """How a turn is run and shown: the same for a task and for `sparring continue`."""

    as_json: bool = False
    save: bool = True
    privacy: Privacy = field(default_factory=Privacy)
    blind: bool = False  # two answers as A and B, then a vote
    show_thinking: bool = True  # on stderr, dimmed, when stderr is a terminal
    raw: bool = False  # a list task's reply as written, not its folded items
    #: The turn's answer is printed here; False when the caller prints it (a part of
    #: a long draft, see parts.py): then only the status and the errors are.
    show: bool = True


@dataclass
class PipeRequest:
    prompt: Prompt
    context: str
    sources: list[str]
    models: list[str]
    count: int | None = None
    instruction: str = ""
    values: dict[str, str] = field(default_factory=dict)
    think: str | None = None  # the run's thinking setting; None: the task's or the model's
    seed: int | None = None  # None: a new one
    free: bool = False  # list answers as the models write them, not held to the count
    sections: bool = False  # a draft longer than the models' window: part by part (parts.py)
    options: PipeOptions = field(default_factory=PipeOptions)


class Output:
    """stdout, tolerant of a reader that goes away (`| head -1`).

    Into a terminal, control characters are shown, not obeyed; into a pipe or
    a file the answer goes byte for byte.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.closed = False
        self.terminal = is_terminal(stream)

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
    turn = task_turn(
        request.prompt,
        request.context,
        request.models,
        instruction=request.instruction,
        count=request.count,
        values=request.values,
        think=request.think,
        seed=request.seed,
    )
    if request.free:
        turn.shape = None
    session = new_session(request.context, request.sources, task=request.prompt.name, turns=[turn])
    return session, turn


def warn(text: str) -> None:
    print(f"sparring: {visible(text)}", file=sys.stderr)


def _stderr(text: str) -> None:
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # a closed stderr takes nothing: the answer still goes to stdout


def session_saver(session: Session, *, enabled: bool) -> Saver:
    """A saver that says once, on stderr, when the session cannot be saved."""

    def failed(error: CannotSave | NewerFormat) -> None:
        warn(f"warning: {error.one_line()}")

    return Saver(session, failed, enabled=enabled)


def egress_confirmation(session: Session, turn: Turn, privacy: Privacy, config: Config) -> Confirm:
    """Ask now, before anything streams, if a model known to be in the cloud is asked.

    A model found to be in the cloud only when it is opened (an Ollama `-cloud`
    model) is asked about then, on the terminal. A session whose context has
    been sent already (a follow-up) was asked once, as the TUI asks once.
    """
    if privacy.allow_cloud or session.egress:
        return always
    refs = [resolve(reply.model, config) for reply in turn.replies]
    cloud = [ref for ref in refs if expected_location(ref) != "local"]
    if not cloud:
        return terminal_confirm
    asked = upfront_request(
        session,
        [ref.full_name for ref in cloud],
        f"{turn.system}\n{turn.user}",
        config,
        [ref.model for ref in cloud],
    )
    answer = confirm_egress(asked)
    if answer is None:
        raise EgressRefused(
            f"not sending the context to {', '.join(asked.destinations)} without confirmation",
            hint="pass --yes to allow it (a pipe has no terminal to ask on), or pick a local model",
        )
    if not answer:
        raise EgressRefused("nothing was sent", hint="pick a local model, e.g. -m local")
    return always


class PipeListener(engine.TurnListener):
    """Shows a turn as pipe mode does: one answer streamed to stdout, or side by side.

    One model's thinking goes to stderr, dimmed, when stderr is a terminal, so
    the writer sees that it is thinking; stdout gets the answer only. The
    status line (if any) says what each model is doing until the answer shows.
    """

    DIM, RESET = "\x1b[2m", "\x1b[0m"

    def __init__(
        self,
        out: Output,
        saver: Saver,
        *,
        single: bool,
        view: SideBySide | None,
        show_thinking: bool = False,
        status: StatusLine | None = None,
    ) -> None:
        self.out = out
        self.saver = saver
        #: The one answer is streamed to stdout as it comes.
        self.single = single
        self.view = view
        self.status = status
        self.show_thinking = show_thinking and is_terminal(sys.stderr)
        self.thinking_shown = False
        #: How much of the one answer has been written to stdout (`single`).
        self.printed = 0

    def thinking(self, index: int, text: str) -> None:
        lifecycle.release_gc()
        if self.view is not None:
            self.view.changed()
        elif self.show_thinking:
            if not self.thinking_shown:
                self.thinking_shown = True
                if self.status is not None:
                    self.status.pause()
                _stderr(f"{self.DIM}thinking…\n")
            _stderr(f"{self.DIM}{visible(text)}{self.RESET}")

    def _end_thinking(self) -> None:
        if self.thinking_shown:
            self.thinking_shown = False
            _stderr(f"{self.RESET}\n")
            if self.status is not None:
                self.status.resume()

    def began(self, index: int, live: engine.LiveReply) -> None:
        if self.view is not None:
            self.view.follow(index, live)
        if self.status is not None:
            self.status.follow(index, live)

    def delta(self, index: int, text: str) -> None:
        lifecycle.release_gc()  # held by the command while it started up
        if self.view is not None:
            self.view.changed()
        elif self.single:
            self._end_thinking()
            if self.status is not None and self.out.terminal:
                self.status.stop()  # the answer starts on this terminal
            self.out.write(text)
            self.printed += len(text)

    def ended(self, index: int, reply: Reply) -> None:
        self._end_thinking()

    def notice(self, text: str) -> None:
        if self.status is not None:
            self.status.wipe()
        warn(text)

    def checkpoint(self) -> None:
        self.saver()


def run(request: PipeRequest, config: Config) -> int:
    if request.sections:
        from sparring.cli import parts

        turns = parts.part_turns(request, config)
        if len(turns) > 1:
            return parts.run_parts(request, turns, config)
    session, turn = build_session(request)
    return run_in_session(session, turn, request.options, config)


def run_in_session(session: Session, turn: Turn, options: PipeOptions, config: Config) -> int:
    """Run `turn` (the session's last), show it, save the session; the exit code."""
    # Drawn and recorded (saved below) before any answer is shown.
    vote = blind.start(session, len(session.turns) - 1) if options.blind else None
    confirm = egress_confirmation(session, turn, options.privacy, config)
    saver = session_saver(session, enabled=options.save)
    out = Output(sys.stdout)
    several = len(turn.replies) > 1
    shown = options.show and not options.as_json
    side_by_side = several and shown and is_terminal(sys.stdout)
    # A list is printed folded, once it is whole; a text streams as it comes.
    streams = not several and shown and (turn.output != "list" or options.raw)
    view: SideBySide | None = None
    status: StatusLine | None = None
    if side_by_side:
        if vote is None:
            view = SideBySide(len(turn.replies), raw=options.raw)
        else:
            view = SideBySide(2, labels=blind.LABELS, column=blind.display_index(turn, vote))
    elif is_terminal(sys.stderr):  # a log file gets no cursor tricks
        names = [reply.model for reply in turn.replies]
        status = StatusLine(names, sys.stderr, blind=vote is not None)
    listener = PipeListener(
        out,
        saver,
        single=streams,
        view=view,
        show_thinking=options.show_thinking and not several,
        status=status,
    )
    gate = EgressGate(session, confirm, config)

    if not options.blind and options.show:  # a note names the model, which a blind run hides
        models = [reply.model for reply in turn.replies]
        for note in turn_notes(models, turn.task, session.context.text, config):
            warn(f"note: {note}")
    session.writer = os.getpid()
    saver()
    interrupted = False
    stopped_by: list[int] = []
    previous = _stop_on_signals(stopped_by)
    try:
        with view if view is not None else contextlib.nullcontext():
            asyncio.run(_stream(session, turn, config, listener, gate, options.privacy))
    except KeyboardInterrupt:
        interrupted = True
        signal_name = signal.Signals(stopped_by[0]).name if stopped_by else "Ctrl-C"
        for reply in turn.replies:
            if reply.status in ("streaming", "cancelled"):
                reply.status = "interrupted"
                reply.error = f"interrupted by {signal_name}"
                reply.exit_code = Interrupted.exit_code
    finally:
        _restore_signals(previous)
        if status is not None:
            status.stop()
    session.writer = 0
    saver()
    if vote is None and options.show:
        printed = listener.printed if streams else None
        _print_result(session, turn, options, out, side_by_side=side_by_side, printed=printed)
        if turn.output == "list" and not options.as_json:
            if len(turn.replies) == 1 and (summary := item_summary(turn.replies[0], turn.count)):
                warn(summary)
            for note in {caveat(reply.model, config) for reply in turn.replies if reply.items}:
                if note:
                    warn(f"note: {note}")
    elif vote is not None:
        _print_blind(session, turn, vote, options, out, side_by_side)
        if not interrupted:
            read_again = view.page if view is not None and not view.fits() else None
            _vote_now_or_later(session, vote, saver, read_again)
    code = report(session, turn, saver, interrupted, options.save)
    return 128 + stopped_by[0] if stopped_by else code


async def _stream(
    session: Session,
    turn: Turn,
    config: Config,
    listener: PipeListener,
    gate: EgressGate,
    privacy: Privacy,
) -> None:
    ticker = None
    if listener.view is not None:
        ticker = asyncio.create_task(listener.view.tick())
    elif listener.status is not None:
        ticker = asyncio.create_task(listener.status.tick())
    try:
        await engine.run_turn(session, turn, config, listener=listener, gate=gate, privacy=privacy)
    finally:
        if ticker is not None:
            ticker.cancel()


def _stop_on_signals(stopped_by: list[int]) -> dict[int, object]:
    """SIGTERM and SIGHUP stop the run as Ctrl-C does: what streamed is kept and saved.

    They go to Ctrl-C's own handler: while the answer streams, asyncio's, which
    cancels the run where it awaits (a KeyboardInterrupt raised from here could
    land between printing a piece of the answer and counting it as printed);
    before and after, Python's, which raises KeyboardInterrupt.
    """

    def stop(signum: int, frame: object) -> None:
        stopped_by.append(signum)
        handler = signal.getsignal(signal.SIGINT)
        if callable(handler):
            handler(signal.SIGINT, frame)  # type: ignore[arg-type]
        else:
            raise KeyboardInterrupt

    previous: dict[int, object] = {}
    for signum in (signal.SIGTERM, signal.SIGHUP):
        previous[signum] = signal.signal(signum, stop)
    return previous


def _restore_signals(previous: dict[int, object]) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)  # type: ignore[arg-type]


def _print_result(
    session: Session,
    turn: Turn,
    options: PipeOptions,
    out: Output,
    *,
    side_by_side: bool,
    printed: int | None,
) -> None:
    """The answer as a whole, unless it streamed (`printed`: how much of it did)."""
    if options.as_json:
        document = json_document(session, turn, saved=options.save)
        out.write(json_visible(json.dumps(document, ensure_ascii=False, indent=2)) + "\n")
    elif side_by_side:
        return  # the view printed the answers
    elif len(turn.replies) > 1:
        out.write("\n".join(block(reply, turn.count, raw=options.raw) for reply in turn.replies))
    elif printed is not None:
        text = turn.replies[0].text
        # A signal can land between the text's arrival and its printing: what was
        # saved is printed too, so stdout and the session hold the same answer.
        out.write(text[printed:])
        if text and not text.endswith("\n"):
            out.write("\n")
    else:
        reply = turn.replies[0]
        out.write(folded_list(reply) if reply.items else reply.text)


def _print_blind(
    session: Session, turn: Turn, vote: Vote, options: PipeOptions, out: Output, side_by_side: bool
) -> None:
    if options.as_json:
        document = blind.json_document(session, turn, vote)
        out.write(json_visible(json.dumps(document, ensure_ascii=False, indent=2)) + "\n")
    elif not side_by_side:
        shown = zip(blind.LABELS, blind.shown(turn, vote), strict=True)
        out.write(
            "\n".join(
                blind.block(
                    label,
                    reply,
                    turn.count,
                    body=None if options.raw or not reply.items else folded_list(reply),
                )
                for label, reply in shown
            )
        )


def _vote_now_or_later(
    session: Session, vote: Vote, saver: Saver, read_again: Callable[[], None] | None = None
) -> None:
    """Ask on the terminal; without one, say how to vote later. Names only after a vote.

    When the answers are taller than the screen, `read_again` shows them whole first.
    """
    from sparring.cli.terminal import ask_vote

    if not blind.votable(session, vote):
        warn("no vote: an answer did not finish")
        return
    choice = ask_vote(read_again)
    if choice:
        blind.cast(vote, choice)
        saver()
        warn(f"{blind.outcome(vote)}; {blind.reveal(session, vote)}")
        return
    warn(
        f"vote with `sparring vote {session.id} a|b|tie|bad`; the names are shown after the vote",
    )


def report(session: Session, turn: Turn, saver: Saver, interrupted: bool, save: bool) -> int:
    """Errors to stderr, one line each; the exit code of the first failure."""
    failures: list[Reply] = [reply for reply in turn.replies if reply.status != "ok"]
    saved = save and saver.failure is None
    if saver.failure is not None:
        copy = emergency_copy(session)
        where = f"an emergency copy is at {copy}" if copy else "and no emergency copy could be made"
        warn(f"the session could not be saved; {where}")
    for reply in failures:
        message = reply.error or reply.status
        if reply.text and saved:
            message += f"; the partial answer is saved in session {session.id}"
        named = message.startswith(f"{reply.model}:")
        warn(message if named else f"{reply.model}: {message}")
    unshown = streams.stdout_failure()
    if unshown:
        kept = f"; it is saved in session {session.id}" if saved else ""
        warn(f"error: the answer could not be written to stdout ({unshown}){kept}")
    if interrupted:
        return Interrupted.exit_code
    if failures:
        return failures[0].exit_code or SparringError.exit_code
    if saver.failure is not None:
        return saver.failure.exit_code
    if unshown:
        return CannotSave.exit_code
    return 0


def emergency_copy(session: Session) -> Path | None:
    """When the sessions dir cannot be written: a copy in the temp dir, so nothing is lost."""
    from sparring.files import write_private_atomically
    from sparring.sessions.toml_format import to_toml

    path = Path(tempfile.gettempdir()) / f"sparring-{session.id}.toml"
    try:
        write_private_atomically(path, to_toml(session))
    except CannotSave:
        return None
    return path
