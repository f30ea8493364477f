"""The model picker (F7, F2, a click on a column's name): what can be used now, to filter.

Filled from available.py, as `sparring models` is: what is on this machine at
once, then what Ollama and the configured endpoints serve as they answer (in a
thread: asking them imports their SDKs). Each model says where it runs; one
that cannot run yet says what to set, and cannot be picked. Typing filters
(every word must appear); Enter picks the highlighted model, or the name
typed when nothing matches (a model not listed, such as one to pull).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
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

from sparring import available
from sparring.available import Choice
from sparring.config import Config, Privacy
from sparring.tui.widgets.visible_text import VISIBLE
from sparring.visible import visible

ASKING = "Enter picks · Escape cancels · asking Ollama and the servers…"
ASKED = "Enter picks (or takes the name typed) · Escape cancels"


def matches(choice: Choice, words: list[str]) -> bool:
    text = f"{choice.name} {choice.location} {choice.detail} {choice.group}".casefold()
    return all(word in text for word in words)


#: The longest a name is padded to, so the places and details line up.
NAME_WIDTH = 30


def choice_label(choice: Choice, width: int, shown: bool, room: int | None = None) -> Content:
    """One line: the name, where it runs, a word about it; cut to `room` columns if given."""
    name = visible(choice.name)
    if len(name) > width:
        name = name[: width - 1] + "…"
    where = choice.location or "alias"
    detail = visible(choice.detail) + (" · in a column" if shown else "")
    if room is not None:
        left = room - width - len(where) - 4
        if len(detail) > left:
            detail = detail[: max(left - 1, 0)] + "…"
    return Content.assemble(
        name.ljust(width),
        "  ",
        (where.ljust(5), "bold" if choice.usable else "dim"),
        (f"  {detail}", "dim"),
    )


class ModelPicker(ModalScreen[str | None]):
    """Dismissed with the model's name, or None."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("down", "focus_list", "List", show=False),
    ]

    @dataclass
    class Served(Message):
        choices: list[Choice]

    def __init__(
        self, config: Config, privacy: Privacy, title: str, shown: Sequence[str] = ()
    ) -> None:
        super().__init__()
        self.config = config
        self.privacy = privacy
        self.title_text = title
        self.shown_models = set(shown)
        self.choices: list[Choice] = []
        self.listed: list[Choice] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            yield Static(self.title_text, markup=False, classes="title")
            yield Input(
                placeholder="type to filter, or a model name (e.g. ollama:qwen3:4b)",
                highlighter=VISIBLE,
            )
            yield OptionList()
            yield Static(ASKING, classes="hint")

    def on_mount(self) -> None:
        self.choices = available.on_this_machine(self.config, self.privacy)
        self.call_after_refresh(self.show)  # once laid out: the lines are cut to its width
        self.ask_servers()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def ask_servers(self) -> None:
        self.post_message(self.Served(asyncio.run(available.served(self.config, self.privacy))))

    def on_model_picker_served(self, message: Served) -> None:
        self.choices = [*self.choices, *message.choices]
        # The picker may have been closed before the servers answered.
        try:
            self.show(keep_highlight=True)
            self.query_one(".hint", Static).update(ASKED)
        except NoMatches:
            pass

    @property
    def option_list(self) -> OptionList:
        return self.query_one(OptionList)

    @property
    def filter_text(self) -> str:
        return self.query_one(Input).value

    def show(self, *, keep_highlight: bool = False) -> None:
        """List the choices the filter matches; the first that can be picked is highlighted."""
        words = self.filter_text.casefold().split()
        self.listed = [choice for choice in self.choices if matches(choice, words)]
        width = min(max((len(choice.name) for choice in self.listed), default=10), NAME_WIDTH)
        room = self.option_list.scrollable_content_region.width - 1 or None
        highlighted = self.option_list.highlighted
        self.option_list.set_options(
            Option(
                choice_label(choice, width, choice.name in self.shown_models, room),
                disabled=not choice.usable,
            )
            for choice in self.listed
        )
        first = next((i for i, choice in enumerate(self.listed) if choice.usable), None)
        keep = keep_highlight and highlighted is not None and highlighted < len(self.listed)
        self.option_list.highlighted = highlighted if keep else first

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.show()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        highlighted = self.option_list.highlighted
        if highlighted is not None and self.listed[highlighted].usable:
            self.dismiss(self.listed[highlighted].name)
        elif event.value.strip():
            self.dismiss(event.value.strip())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.listed[event.option_index].name)

    def action_focus_list(self) -> None:
        self.option_list.focus()
