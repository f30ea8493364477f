"""Keep a passage of an answer, chosen with the keyboard (shift+arrows) or the mouse."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from sparring.tui.widgets.visible_text import VisibleTextArea


class KeepPassageScreen(ModalScreen[str | None]):
    """Dismissed with the selected text (or the line under the cursor), or None."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("enter,f4", "keep", "Keep selection", priority=True),
    ]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Select a passage (shift+arrows), then Enter to keep it", classes="title")
            yield VisibleTextArea(self.text, read_only=True, soft_wrap=True)

    def action_keep(self) -> None:
        text_area = self.query_one(TextArea)
        passage = text_area.selected_text or text_area.document.get_line(
            text_area.cursor_location[0]
        )
        self.dismiss(passage.strip() or None)
