"""Blind turns and the stats: what F8 (blind), a/b/t/n (the vote) and F9 (stats) do.

A blind turn starts with empty columns (the earlier answers, which would name
the models, are hidden until the vote), the keepers call the two models A and
B, and once both answers are in, the screen asks for the vote.

A plain helper the main screen holds: it keeps the blind state and works
on the screen's widgets through the screen's own properties.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sparring.egress import Refused, check_model
from sparring.sessions.model import Vote
from sparring.tui.blind_mode import BlindMode

if TYPE_CHECKING:
    from sparring.tui.screens.main import MainScreen
    from sparring.tui.widgets.column import AnswerColumn


class Judging:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.blind = BlindMode()

    def allowed(self, action: str) -> bool:
        if action == "vote":
            return self.voting
        return not self.screen.read_only and not self.voting

    @property
    def voting(self) -> bool:
        """Both answers of a blind turn are in, and the vote is to be cast."""
        return self.blind.vote is not None and self.screen.running_turn is None

    def toggle_blind(self) -> str:
        """Arm or disarm the next run's blindness; what to tell the writer."""
        self.blind.armed = not self.blind.armed
        if not self.blind.armed:
            return "Blind off: the next run shows the models' names."
        if len(self.screen.columns) != 2:
            return "Blind on, for a run with exactly two columns (F3 drops one)."
        return "Blind on: the next run (F5) shows the answers as A and B."

    def can_run(self, columns: list[AnswerColumn]) -> bool:
        """A blind run needs exactly two columns whose models can run."""
        if not self.blind.armed:
            return True
        options = self.screen.options
        checked = [check_model(column.model, options.config, options.privacy) for column in columns]
        return len(columns) == 2 and not any(isinstance(ref, Refused) for ref in checked)

    def begin(self, turn_index: int, columns: list[AnswerColumn]) -> list[AnswerColumn]:
        """Draw the order and head the columns A and B; the column of each reply, in order.

        Each column is set to the model it will show, so its header is right
        once the names come back (and the next run keeps the drawn order).
        """
        from sparring.judging import blind

        session = self.screen.session
        vote: Vote = self.blind.begin(session, turn_index)
        for label, column, model in zip(blind.LABELS, columns, vote.order, strict=True):
            column.set_blind(label)
            column.set_model(model)
            column.hide_before(turn_index)
        self.screen.keepers_pane.relabel(dict(zip(vote.order, blind.LABELS, strict=True)))
        turn = session.turns[turn_index]
        column_of = blind.display_index(turn, vote)
        return [columns[column_of[index]] for index in range(len(turn.replies))]

    def reveal(self) -> str:
        """Give the columns their names and figures back; what the vote said, and who was who."""
        shown, text = self.blind.end(self.screen.session)
        for column, reply in zip(self.screen.columns, shown, strict=False):
            column.set_blind(None)
            column.hide_before(None)
            column.show_reply(reply)
        self.screen.keepers_pane.relabel({})
        return text

    def vote(self, key: str) -> None:
        screen = self.screen
        if screen.running_turn is not None or self.blind.vote is None:
            screen.notify("No blind vote is waiting.")
            return
        if not self.blind.cast(screen.session, key):
            screen.notify("An answer failed, so there is no fair vote: " + self.reveal())
            return
        screen.saver.save()
        screen.notify(self.reveal(), title="Blind vote")
        self.refresh_stats()

    def refresh_stats(self) -> None:
        """Redraw the stats, if they are open (F9)."""
        screen = self.screen
        dialog = screen.stats_screen
        if dialog is None or not dialog.is_mounted:
            return
        task = str(screen.task_picker.select.value)
        hidden = self.blind.vote is not None
        dialog.panel.show_stats(screen.session, screen.options.config, task, hidden=hidden)
