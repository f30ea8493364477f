"""`sparring vote ID a|b|tie|bad`: the vote on a session's last blind turn, then the names."""

from __future__ import annotations

import sys

from sparring.cli.parsing import add_session_argument, command_parser
from sparring.errors import UsageError
from sparring.judging import blind
from sparring.sessions import store
from sparring.visible import visible


def run(argv: list[str]) -> int:
    parser = command_parser(
        "sparring vote",
        "Vote on the last blind comparison of a session (A, B, a tie, or both bad); "
        "the models' names are shown after the vote.",
    )
    add_session_argument(parser)
    parser.add_argument("choice", metavar="a|b|tie|bad", help="which answer was better")
    options = parser.parse_args(argv)
    choice = blind.parse_choice(options.choice)
    if choice is None:
        raise UsageError(
            f"'{options.choice}' is not a vote", hint="vote a, b, tie or bad (both bad)"
        )
    path = store.find(options.session)
    # Read, cast and save under the file's lock: of votes cast at once, one is recorded
    # and the others are told the turn has its vote.
    with store.locked(path):
        session = store.open_session(str(path))
        vote = blind.pending_vote(session)
        blind.cast(vote, choice)
        store.save_at(session, path)
    print(
        visible(
            f"sparring: recorded for session {session.id}, turn {vote.turn + 1}: "
            f"{blind.outcome(vote)}; {blind.reveal(session, vote)}"
        ),
        file=sys.stderr,
    )
    return 0
