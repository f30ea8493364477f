"""`sparring continue [ID] TEXT`: a follow-up to a saved session, from the command line.

As in the TUI, each model continues its own thread: it is sent its earlier
answers in the session and the new text (not the draft again, which the
thread already holds). Without an ID, the newest session is continued, as
`llm -c` continues the last conversation. The answer is shown as pipe mode
shows one, and the turn is saved into the session.
"""

from __future__ import annotations

import sys

from sparring.cli.commands.task import pipe_options
from sparring.cli.parsing import (
    add_privacy_flags,
    add_run_flags,
    command_parser,
    run_config,
)
from sparring.cli.terminal import is_terminal
from sparring.errors import UsageError
from sparring.sessions.model import Session


def run(argv: list[str]) -> int:
    from sparring import config as config_module
    from sparring.cli.pipe import run_in_session
    from sparring.config import Privacy
    from sparring.judging import blind
    from sparring.sessions import catalog, store
    from sparring.sessions.turns import follow_up_turn

    parser = command_parser(
        "sparring continue",
        "Follow up on a saved session: each model answers in its own thread.",
        epilog='e.g. sparring continue 3f9a "make them shorter"   or   '
        'sparring continue "and in Swedish?" (the newest session)',
    )
    parser.add_argument(
        "words",
        nargs="+",
        metavar="[ID] TEXT",
        help="a session ID (default: the newest), then text",
    )
    parser.add_argument(
        "-m",
        "--model",
        metavar="MODEL",
        help="follow up with this model of the session only (default: those of its last turn)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--raw", action="store_true", help="(for list tasks; a follow-up is always text)"
    )
    parser.add_argument(
        "--hide-thinking", action="store_true", help="do not show a model's thinking on stderr"
    )
    add_run_flags(parser)
    parser.add_argument(
        "--no-save", action="store_true", help="do not add the turn to the saved session"
    )
    add_privacy_flags(parser)
    options = parser.parse_args(argv)
    if len(options.words) > 2:
        raise UsageError(
            "continue takes a session ID and one text",
            hint='quote the text: sparring continue 3f9a "make them shorter"',
        )
    *reference, text = options.words
    if not text.strip():
        raise UsageError("the follow-up is empty", hint='e.g. sparring continue "shorter, please"')
    config = run_config(config_module.load(), options)
    privacy = Privacy.resolve(config, local_only=options.local_only, yes=options.yes)
    if reference:
        session = store.open_session(reference[0])
    else:
        newest = next((entry for entry in catalog.entries() if entry.readable), None)
        if newest is None:
            raise UsageError("no saved session to continue", hint="run a task first")
        session = store.open_session(newest.id)
    if not session.turns:
        raise UsageError(f"session {session.id} has no turns to follow up on")
    pending = blind.last_blind(session)
    if pending is not None and pending.pending and blind.votable(session, pending):
        raise UsageError(
            f"session {session.id} waits for a blind vote",
            hint=f"vote first: sparring vote {session.id} a|b|tie|bad",
        )
    models = _models(session, options.model)
    turn = follow_up_turn(session, text, models, options.model or "", seed=options.seed)
    session.turns.append(turn)
    code = run_in_session(session, turn, pipe_options(options, privacy), config)
    if not options.no_save and is_terminal(sys.stderr):
        print(f"sparring: saved in session {session.id}", file=sys.stderr)
    return code


def _models(session: Session, model: str | None) -> list[str]:
    last = [reply.model for reply in session.turns[-1].replies]
    if model is None:
        return last
    if model not in session.models:
        raise UsageError(
            f"{model} has not answered in session {session.id}",
            hint=f"its models: {', '.join(session.models)}",
        )
    return [model]
