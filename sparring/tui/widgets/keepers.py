"""The keepers list: the ideas the writer starred, to copy out or export."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from sparring.session import Keeper


class KeepersPane(Vertical):
    BINDINGS = [
        Binding("c", "screen.copy_keepers", "Copy all"),
        Binding("e", "screen.export_keepers", "Export"),
        Binding("delete,backspace", "screen.remove_keeper", "Remove"),
    ]

    def __init__(self) -> None:
        super().__init__(id="keepers")
        self.border_title = "Keepers"

    def compose(self) -> ComposeResult:
        yield OptionList(compact=True)

    @property
    def option_list(self) -> OptionList:
        return self.query_one(OptionList)

    @property
    def highlighted(self) -> int | None:
        return self.option_list.highlighted

    def show(self, keepers: list[Keeper]) -> None:
        self.border_title = f"Keepers ({len(keepers)})" if keepers else "Keepers"
        self.option_list.set_options(
            Option(
                Content.assemble("★ ", " ".join(keeper.text.split()), (f"  {keeper.model}", "dim"))
            )
            for keeper in keepers
        )
