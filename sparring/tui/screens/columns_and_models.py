"""Which models answer: the picker for a column (F7, a click on its name), adding a column
(F2, which asks which model) and dropping one (F3); a new model is warmed up (warming.py).

A plain helper the main screen holds; the picker is a dialog it opens.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sparring.tui.screens.main import MainScreen
    from sparring.tui.widgets.column import AnswerColumn


class ColumnsAndModels:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def _pick(self, title: str, chosen: Callable[[str | None], Awaitable[None]]) -> None:
        from sparring.tui.dialogs.model_picker import ModelPicker

        screen = self.screen
        options = screen.options
        shown = screen.answer_columns.models
        screen.app.push_screen(ModelPicker(options.config, options.privacy, title, shown), chosen)

    def pick_model(self, column: AnswerColumn | None = None) -> None:
        """The picker for `column`, else the focused one, else the first: which model answers."""
        screen = self.screen
        target = column or screen.answer_columns.of(screen.focused) or screen.columns[0]

        async def chosen(model: str | None) -> None:
            if model:
                target.set_model(model)
                target.thread.focus()

        self._pick(f"The model of column {screen.columns.index(target) + 1}", chosen)

    def add_column(self) -> None:
        """Ask which model to compare, then give it a column."""
        screen = self.screen

        async def chosen(model: str | None) -> None:
            if model:
                column = await screen.answer_columns.add(model)
                column.thread.focus()
                screen.warming.start(column)
                self.targets_changed()

        self._pick("Compare one more model: which?", chosen)

    async def remove_column(self) -> None:
        screen = self.screen
        columns = screen.columns
        if len(columns) == 1:
            screen.notify("The last column stays.")
            return
        column = screen.answer_columns.of(screen.focused) or columns[-1]
        await column.remove()
        self.targets_changed()

    def targets_changed(self) -> None:
        """The follow-up line offers every column's model."""
        self.screen.follow_up.set_targets(self.screen.answer_columns.models)
