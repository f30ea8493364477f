"""Open a file into the draft: type a path, or pick one from the tree."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Input, Static

from sparring.tui.widgets.visible_text import VisibleDirectoryTree


class OpenFileScreen(ModalScreen[Path | None]):
    """Dismissed with the chosen path, or None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, start: Path | None = None) -> None:
        super().__init__()
        self.start = start or Path.cwd()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Open a file into the draft", classes="title")
            yield Input(placeholder="path, then Enter (Tab: browse)", classes="path")
            yield VisibleDirectoryTree(self.start)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            path = Path(event.value.strip()).expanduser()
            self.dismiss(path if path.is_absolute() else self.start / path)

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self.dismiss(event.path)
