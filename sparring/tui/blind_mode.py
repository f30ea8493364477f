"""Blind turns in the app: two answers headed A and B until the writer votes.

The order is drawn (`blind.start`) as soon as the turn's replies exist, before
anything is saved or streamed, so the vote on disk means what the writer saw.
Until the vote, the columns show only their label: no model name, no "where
it runs", no figures, and no text while either answer still streams (which
one finishes first gives a model away).
"""

from __future__ import annotations

from dataclasses import dataclass

from sparring import blind
from sparring.session import Reply, Session, Vote
from sparring.tui.figures import reply_figures
from sparring.tui.widgets.column import AnswerColumn

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

    def begin(
        self, session: Session, turn_index: int, columns: list[AnswerColumn]
    ) -> list[AnswerColumn]:
        """Draw the order and head the columns A and B; the column of each reply, in order.

        Each column is set to the model it will show, so its header is right
        once the names come back (and the next run keeps the drawn order).
        """
        vote = blind.start(session, turn_index)
        turn = session.turns[turn_index]
        for label, column, model in zip(blind.LABELS, columns, vote.order, strict=True):
            column.set_blind(label)
            column.model_input.value = model
        self.vote = vote
        self.armed = False
        column_of = blind.display_index(turn, vote)
        return [columns[column_of[index]] for index in range(len(turn.replies))]

    def cast(self, session: Session, key: str) -> bool:
        """Record the writer's choice; False if the turn cannot be judged fairly."""
        choice = blind.parse_choice(key)
        if self.vote is None or choice is None or not blind.votable(session, self.vote):
            return False
        blind.cast(self.vote, choice)
        return True

    def reveal(self, session: Session, columns: list[AnswerColumn]) -> str:
        """Give the columns their names and figures back; what the vote said, and who was who."""
        vote = self.vote
        if vote is None:
            return ""
        self.vote = None
        turn = session.turns[vote.turn]
        for column, reply in zip(columns, blind.shown(turn, vote), strict=False):
            column.set_blind(None)
            show_reply_header(column, reply)
        return f"{blind.outcome(vote)}. {blind.reveal(session, vote)}"


def show_reply_header(column: AnswerColumn, reply: Reply) -> None:
    column.show_figures(reply_figures(reply))
    if reply.backend:
        column.show_where(reply.location, reply.backend)
    else:
        column.show_expected_where()


def blind_status(reply: Reply) -> str:
    """A blind answer's status line: how it ended, without a message that may name it."""
    return blind.blind_note(reply)
