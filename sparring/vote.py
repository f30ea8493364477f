"""`sparring vote ID a|b|tie|bad`: the vote on a session's last blind turn, then the names."""

from __future__ import annotations

import sys
from pathlib import Path

from sparring import blind
from sparring.errors import UsageError
from sparring.session import Session, Vote


def pending_vote(session: Session) -> Vote:
    """The vote of the last blind turn, if it can still be cast; a one-line error if not."""
    vote = blind.last_blind(session)
    if vote is None:
        raise UsageError(
            f"session {session.id} has no blind answers to vote on",
            hint="compare two models with --blind first",
        )
    if not vote.pending:
        raise UsageError(
            f"turn {vote.turn + 1} of session {session.id} already has a vote "
            f"({blind.outcome(vote)}); a vote is cast once"
        )
    if not blind.votable(session, vote):
        raise UsageError(
            f"an answer to turn {vote.turn + 1} of session {session.id} did not finish; "
            "there is nothing fair to vote on"
        )
    return vote


def cmd_vote(argv: list[str]) -> int:
    from sparring import store
    from sparring.cli import command_parser

    parser = command_parser(
        "sparring vote",
        "Vote on the last blind comparison of a session (A, B, a tie, or both bad); "
        "the models' names are shown after the vote.",
    )
    parser.add_argument("session", help="an ID, a unique prefix of one, or a path")
    parser.add_argument("choice", metavar="a|b|tie|bad", help="which answer was better")
    options = parser.parse_args(argv)
    choice = blind.parse_choice(options.choice)
    if choice is None:
        raise UsageError(
            f"'{options.choice}' is not a vote", hint="vote a, b, tie or bad (both bad)"
        )
    path = store.find(options.session)
    session = store.open_session(str(path))
    vote = pending_vote(session)
    blind.cast(vote, choice)
    _save(session, path)
    print(
        f"sparring: recorded for session {session.id}, turn {vote.turn + 1}: "
        f"{blind.outcome(vote)}; {blind.reveal(session, vote)}",
        file=sys.stderr,
    )
    return 0


def _save(session: Session, path: Path) -> None:
    from sparring import store
    from sparring.files import write_private_atomically
    from sparring.session import to_toml

    if path.name == session.file_name():
        store.save(session, path.parent)
    else:
        # A session file renamed by hand is updated where it is.
        write_private_atomically(path, to_toml(session))
