"""The main screen's blind turns and stats panel, apart from the rest of the screen.

`MainScreen` builds on this: it owns the session, the columns and the
streams; here is what F8 (blind), a/b/t/n (the vote) and F9 (stats) do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.screen import Screen
from textual.widgets import Select

from sparring import blind
from sparring.session import Session
from sparring.tui.blind_mode import BlindMode
from sparring.tui.options import AppOptions
from sparring.tui.saving import SessionSaver
from sparring.tui.turns import Refused, check_model
from sparring.tui.widgets.column import AnswerColumn
from sparring.tui.widgets.stats_panel import StatsPanel
from sparring.tui.widgets.task import TaskPicker


class JudgingScreen(Screen[None]):
    session: Session
    options: AppOptions
    saver: SessionSaver
    blind: BlindMode
    running_turn: int | None
    read_only: bool

    if TYPE_CHECKING:

        @property
        def columns(self) -> list[AnswerColumn]: ...

        @property
        def task_picker(self) -> TaskPicker: ...

    @property
    def stats_panel(self) -> StatsPanel:
        return self.query_one(StatsPanel)

    def judging_allowed(self, action: str) -> bool:
        if action == "vote":
            return self.blind.vote is not None and self.running_turn is None
        return not self.read_only

    def action_toggle_blind(self) -> None:
        self.blind.armed = not self.blind.armed
        if not self.blind.armed:
            self.notify("Blind off: the next run shows the models' names.")
        elif len(self.columns) != 2:
            self.notify("Blind on, for a run with exactly two columns (F3 drops one).")
        else:
            self.notify("Blind on: the next run (F5) shows the answers as A and B.")

    def _can_run_blind(self, columns: list[AnswerColumn]) -> bool:
        if not self.blind.armed:
            return True
        config, local_only = self.options.config, self.options.only_local
        checked = [check_model(column.model, config, local_only=local_only) for column in columns]
        if len(columns) != 2 or any(isinstance(ref, Refused) for ref in checked):
            self.notify(
                "Blind needs exactly two columns whose models can run; fix them or press F8.",
                severity="warning",
            )
            return False
        return True

    def _votable(self) -> bool:
        return self.blind.vote is not None and blind.votable(self.session, self.blind.vote)

    def action_vote(self, key: str) -> None:
        if self.running_turn is not None or self.blind.vote is None:
            self.notify("No blind vote is waiting.")
            return
        if not self.blind.cast(self.session, key):
            self.notify("An answer failed, so there is no fair vote: " + self._reveal())
            return
        self.saver.save()
        self.notify(self._reveal(), title="Blind vote")
        self.refresh_stats()

    def _reveal(self) -> str:
        columns = self.columns
        return self.blind.reveal(self.session, columns)

    def action_toggle_stats(self) -> None:
        self.stats_panel.toggle_class("shown")
        self.refresh_stats()

    def refresh_stats(self) -> None:
        task = str(self.task_picker.select.value)
        hidden = self.blind.vote is not None
        self.stats_panel.show_stats(self.session, self.options.config, task, hidden=hidden)

    @on(Select.Changed, "#task Select")
    def task_changed(self) -> None:
        self.refresh_stats()
