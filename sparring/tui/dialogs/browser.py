"""The session browser: saved sessions, newest first, with a fuzzy filter."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from sparring import paths
from sparring.errors import SparringError
from sparring.sessions import catalog, store
from sparring.sessions.catalog import Entry
from sparring.sessions.model import Session
from sparring.visible import visible

# An option list of ten thousand rows takes a second to build; nobody scrolls that far.
MOST_SHOWN = 300


def fuzzy_filter(entries: list[Entry], query: str) -> list[Entry]:
    """The entries matching `query` (catalog.search), newest first, at most MOST_SHOWN."""
    return catalog.search(entries, query, limit=MOST_SHOWN)


def entry_label(entry: Entry) -> Content:
    if not entry.readable:
        return Content.assemble(
            ("⚠ ", "$warning"), visible(entry.file), (f"  {visible(entry.error)}", "dim")
        )
    when = visible(entry.created[:16].replace("T", " "))
    models = visible(", ".join(entry.models))
    return Content.assemble(
        (when, "dim"), "  ", visible(entry.title) or "(untitled)", (f"  {models}", "dim")
    )


class SessionBrowser(ModalScreen[Session | None]):
    """Dismissed with the chosen session, or None."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("down", "focus_list", "List", show=False),
    ]

    @dataclass
    class Loaded(Message):
        entries: list[Entry]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[Entry] = []
        self.shown: list[Entry] = []
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Sessions", classes="title")
            yield Input(placeholder="filter (fuzzy): title, task, model, date")
            yield OptionList()
            yield Static("Enter opens read-only · Escape closes", classes="hint")

    def on_mount(self) -> None:
        self.load_entries()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load_entries(self) -> None:
        # The cached index: fast with ten thousand sessions (see catalog.py).
        self.post_message(self.Loaded(catalog.entries()))

    @property
    def option_list(self) -> OptionList:
        return self.query_one(OptionList)

    def on_session_browser_loaded(self, message: Loaded) -> None:
        self.entries = message.entries
        # The browser may have been closed before the sessions were read.
        with contextlib.suppress(NoMatches):
            self.show(self.filter_text)

    def show(self, filter_text: str) -> None:
        self.filter_text = filter_text
        self.shown = fuzzy_filter(self.entries, filter_text)
        self.option_list.set_options(
            Option(entry_label(entry), disabled=not entry.readable) for entry in self.shown
        )
        if not self.entries:
            self.option_list.add_option(Option("No saved sessions yet", disabled=True))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        highlighted = self.option_list.highlighted
        self.open(highlighted if highlighted is not None else 0)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.open(event.option_index)

    def open(self, index: int) -> None:
        if index >= len(self.shown) or not self.shown[index].readable:
            return
        try:
            session = store.open_session(str(paths.sessions_dir() / self.shown[index].file))
        except SparringError as error:
            self.notify(error.one_line(), severity="error", markup=False)
            return
        self.dismiss(session)

    def action_focus_list(self) -> None:
        """Down from the filter goes to the first session: Enter then opens it."""
        self.option_list.focus()
        if self.option_list.highlighted is None and self.option_list.option_count:
            self.option_list.highlighted = 0
