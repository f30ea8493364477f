"""The context pane: the writer's draft, editable, and where it came from."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, TextArea


class ContextPane(Vertical):
    def __init__(self, text: str, sources: list[str], *, read_only: bool = False) -> None:
        super().__init__(id="context")
        self.initial_text = text
        self.sources = list(sources)
        self.read_only = read_only
        self.border_title = "Draft"

    def compose(self) -> ComposeResult:
        yield TextArea(
            self.initial_text,
            soft_wrap=True,
            read_only=self.read_only,
            compact=True,
            placeholder="Paste or type your draft, or press ctrl+o to open a file",
        )
        yield Static(self._sources_line(), markup=False, classes="sources")

    @property
    def text_area(self) -> TextArea:
        return self.query_one(TextArea)

    @property
    def text(self) -> str:
        return self.text_area.text

    def load(self, text: str, source: str) -> None:
        self.text_area.load_text(text)
        self.sources = [source]
        self.query_one(".sources", Static).update(self._sources_line())

    def _sources_line(self) -> str:
        return f"from {', '.join(self.sources)}" if self.sources else ""
