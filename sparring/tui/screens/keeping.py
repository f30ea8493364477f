"""The keepers: starring items, keeping passages (F4), and the stars that show them.

A plain helper the main screen holds; the keepers themselves live in the
session, and the keepers pane shows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.css.query import NoMatches
from textual.dom import DOMNode

from sparring.sessions.model import Keeper
from sparring.tui.blind_mode import VOTE_FIRST
from sparring.tui.widgets.reply import ItemList, ReplyView

if TYPE_CHECKING:
    from sparring.tui.screens.main import MainScreen


class Keeping:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def kept(self, model: str, turn_index: int) -> set[str]:
        return self.screen.keepers_pane.kept(model, turn_index)

    def _refused(self) -> bool:
        """Keeping waits for a blind vote, and a read-only session keeps nothing new."""
        if self.screen.judging.blind.vote is not None:
            self.screen.notify(VOTE_FIRST)
            return True
        if self.screen.read_only:
            self.screen.notify("This session is read-only.")
            return True
        return False

    def toggle(self, item_list: ItemList, text: str) -> None:
        if not self._refused():
            self.screen.keepers_pane.toggle(Keeper(text, item_list.model, item_list.turn_index))

    def keep(self) -> None:
        """Keep the selected passage, the highlighted item, or pick a passage to keep."""
        screen = self.screen
        if self._refused():
            return
        selected = screen.get_selected_text()
        view = self._reply_of(next(iter(screen.selections), None))
        if selected and selected.strip() and view is not None:
            screen.keepers_pane.add(Keeper(selected.strip(), view.model, view.turn_index))
            screen.clear_selection()
            return
        if isinstance(screen.focused, ItemList):
            screen.focused.action_select()
            return
        column = screen.answer_columns.of(screen.focused)
        view = column.latest if column is not None else None
        if view is None or not view.text.strip():
            screen.notify("Move to an answer first (Tab), then press F4 to keep from it.")
            return

        def keep(passage: str | None) -> None:
            if passage and view is not None:
                screen.keepers_pane.add(Keeper(passage, view.model, view.turn_index))

        from sparring.tui.dialogs.keep_passage import KeepPassageScreen  # a TextArea: on demand

        screen.app.push_screen(KeepPassageScreen(view.text), keep)

    def _reply_of(self, node: DOMNode | None) -> ReplyView | None:
        try:
            return node.query_ancestor(ReplyView) if node is not None else None
        except NoMatches:
            return None

    def show_stars(self) -> None:
        for column in self.screen.columns:
            for view in column.replies:
                view.mark(kept=self.kept(view.model, view.turn_index))
