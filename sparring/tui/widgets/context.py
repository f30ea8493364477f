"""The context pane: the writer's draft, editable, and where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, TextArea

from sparring.context import path_text, read_file
from sparring.errors import SparringError
from sparring.tui.widgets.visible_text import VisibleTextArea
from sparring.visible import visible


def _keys(binding: Binding | tuple[str, ...]) -> list[str]:
    keys = binding.key if isinstance(binding, Binding) else binding[0]
    return keys.split(",")


class DraftArea(VisibleTextArea, inherit_bindings=False):
    """The draft's text area, without F6 and F7 (select line, select all): those keys are
    the app's (think, pick a model) wherever the focus is. shift+arrows still select."""

    BINDINGS = [b for b in TextArea.BINDINGS if not {"f6", "f7"} & set(_keys(b))]


class ContextPane(Vertical):
    @dataclass
    class Loaded(Message):
        path: Path
        text: str
        warnings: tuple[str, ...] = ()

    @dataclass
    class Failed(Message):
        text: str

    def __init__(
        self, text: str, sources: list[str], *, max_chars: int, read_only: bool = False
    ) -> None:
        super().__init__(id="context")
        self.initial_text = text
        self.sources = list(sources)
        self.max_chars = max_chars
        self.read_only = read_only
        self.border_title = "Draft"

    def compose(self) -> ComposeResult:
        yield DraftArea(
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

    @work(thread=True, group="open", exit_on_error=False)
    def read(self, path: Path) -> None:
        """Read `path` into the draft (replacing what is there), or say why not.

        A document (Word, PDF...) is converted here, off the UI thread: it can take a while.
        """
        try:
            document = read_file(path, max_chars=self.max_chars)
        except SparringError as error:
            self.post_message(self.Failed(f"Not opened: {error.one_line()}"))
            return
        if not document.text.strip():
            self.post_message(self.Failed(f"Not opened: {path_text(path)} has no text"))
            return
        if len(document.text) > self.max_chars:
            self.post_message(
                self.Failed(
                    f"Not opened: {path_text(path)} has {len(document.text):,} characters; "
                    "the limit is "
                    f"{self.max_chars:,} (max_context_chars in config.toml)"
                )
            )
            return
        self.post_message(self.Loaded(path, document.text, document.warnings))

    def on_context_pane_loaded(self, message: Loaded) -> None:
        self.text_area.load_text(message.text)
        self.sources = [path_text(message.path)]
        self.query_one(".sources", Static).update(self._sources_line())
        self.text_area.focus()
        for warning in message.warnings:
            self.notify(warning, severity="warning", timeout=10)

    def on_context_pane_failed(self, message: Failed) -> None:
        self.notify(message.text, severity="error")

    def _sources_line(self) -> str:
        return visible(f"from {', '.join(self.sources)}") if self.sources else ""
