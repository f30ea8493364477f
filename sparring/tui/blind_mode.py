"""Blind turns in the app: two answers headed A and B until the writer votes.

The order is drawn (`blind.start`) as soon as the turn's replies exist, before
anything is saved or streamed, so the vote on disk means what the writer saw.
Until the vote, the columns show only their label: no model name, no "where
it runs", no figures, and no text while either answer still streams (which
one finishes first gives a model away). This is the state; the screen shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sparring.judging import blind
from sparring.sessions.model import Reply, Session, Vote

ANSWERING = "answering…"
VOTE_FIRST = "Vote first: a (A is better), b, t (tie) or n (both bad)."
#: The vote keys and what each is called in the footer and the palette.
VOTE_KEYS = {"a": "A better", "b": "B better", "t": "Tie", "n": "Both bad"}


@dataclass
class BlindMode:
    """Whether the next run is blind, and the vote of the blind turn on screen."""

    armed: bool = False
    vote: Vote | None = None

    def hides(self, turn_index: int | None) -> bool:
        """The turn's answers are still anonymous."""
        return self.vote is not None and self.vote.turn == turn_index

    def holding(self, session: Session, turn_index: int | None) -> bool:
        """The turn is blind and one of its answers still streams: show no text yet."""
        if turn_index is None or not self.hides(turn_index):
            return False
        return any(reply.status == "streaming" for reply in session.turns[turn_index].replies)

    def begin(self, session: Session, turn_index: int) -> Vote:
        """Draw the order of the turn's two answers: the models shown as A and B."""
        self.vote = blind.start(session, turn_index)
        self.armed = False
        return self.vote

    def cast(self, session: Session, key: str) -> bool:
        """Record the writer's choice; False if the turn cannot be judged fairly."""
        choice = blind.parse_choice(key)
        if self.vote is None or choice is None or not blind.votable(session, self.vote):
            return False
        blind.cast(self.vote, choice)
        return True

    def votable(self, session: Session) -> bool:
        return self.vote is not None and blind.votable(session, self.vote)

    def end(self, session: Session) -> tuple[list[Reply], str]:
        """The names come back: the replies in the order shown, and who was who."""
        vote = self.vote
        if vote is None:
            return [], ""
        self.vote = None
        turn = session.turns[vote.turn]
        return blind.shown(turn, vote), f"{blind.outcome(vote)}. {blind.reveal(session, vote)}"


def blind_status(reply: Reply) -> str:
    """A blind answer's status line: how it ended, without a message that may name it."""
    return blind.blind_note(reply)
