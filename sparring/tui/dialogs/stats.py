"""The stats (F9): this session's figures per model, and the task's recommendation.

A dialog over the screen, so it has room at any size (the draft keeps its
place) and scrolls when the figures are longer than the screen.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from sparring.tui.widgets.stats_panel import StatsPanel


class StatsScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f9", "dismiss(None)", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                "Stats: this session, and what the votes say for the task", classes="title"
            )
            with VerticalScroll():
                yield StatsPanel()
            yield Static("Escape or F9 closes · `sparring stats` has every session", classes="hint")

    @property
    def panel(self) -> StatsPanel:
        return self.query_one(StatsPanel)
