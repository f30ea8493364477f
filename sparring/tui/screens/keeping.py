"""The main screen's keepers: starring items, keeping passages, copying and exporting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.css.query import NoMatches
from textual.dom import DOMNode

from sparring.session import Keeper
from sparring.tui.blind_mode import VOTE_FIRST
from sparring.tui.screens.judging import JudgingScreen
from sparring.tui.widgets.columns import AnswerColumns
from sparring.tui.widgets.keepers import KeepersPane
from sparring.tui.widgets.reply import ItemList, ReplyView


class KeepingScreen(JudgingScreen):
    if TYPE_CHECKING:

        @property
        def keepers_pane(self) -> KeepersPane: ...

        @property
        def answer_columns(self) -> AnswerColumns: ...

        def save_soon(self) -> object: ...

    def _kept(self, model: str, turn_index: int) -> set[str]:
        return self.keepers_pane.kept(model, turn_index)

    def on_item_list_keep_toggled(self, message: ItemList.KeepToggled) -> None:
        if self.blind.vote is not None:
            self.notify(VOTE_FIRST)
            return
        if self.read_only:
            self.notify("This session is read-only.")
            return
        item_list = message.item_list
        self.keepers_pane.toggle(Keeper(message.text, item_list.model, item_list.turn_index))

    def action_keep(self) -> None:
        """Keep the selected passage, the highlighted item, or pick a passage to keep."""
        if self.blind.vote is not None:
            self.notify(VOTE_FIRST)
            return
        selected = self.get_selected_text()
        view = self._reply_of(next(iter(self.selections), None))
        if selected and selected.strip() and view is not None:
            self.keepers_pane.add(Keeper(selected.strip(), view.model, view.turn_index))
            self.clear_selection()
            return
        if isinstance(self.focused, ItemList):
            self.focused.action_select()
            return
        column = self.answer_columns.of(self.focused)
        view = column.latest if column is not None else None
        if view is None or not view.text.strip():
            self.notify("Move to an answer first (Tab), then press F4 to keep from it.")
            return

        def keep(passage: str | None) -> None:
            if passage and view is not None:
                self.keepers_pane.add(Keeper(passage, view.model, view.turn_index))

        from sparring.tui.screens.keep_passage import KeepPassageScreen  # a TextArea: on demand

        self.app.push_screen(KeepPassageScreen(view.text), keep)

    def _reply_of(self, node: DOMNode | None) -> ReplyView | None:
        try:
            return node.query_ancestor(ReplyView) if node is not None else None
        except NoMatches:
            return None

    def on_keepers_pane_changed(self) -> None:
        for column in self.columns:
            for view in column.replies:
                view.mark(kept=self._kept(view.model, view.turn_index))
        self.save_soon()
        self.refresh_stats()

    def action_copy_keepers(self) -> None:
        self.keepers_pane.action_copy()

    def action_export_keepers(self) -> None:
        self.keepers_pane.action_export()
