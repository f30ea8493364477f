"""The prompt line: a follow-up to every column, or to one of them."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Select

EVERY_COLUMN = ""
PLACEHOLDER = "Follow up… (Enter sends; ctrl+f comes here)"


class FollowUpLine(Horizontal):
    @dataclass
    class Submitted(Message):
        """A follow-up; `to` is a model name, or empty for every column."""

        text: str
        to: str

    def __init__(self, *, read_only: bool = False) -> None:
        super().__init__(id="follow-up")
        self.read_only = read_only
        self.targets: list[str] = [EVERY_COLUMN]

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder=PLACEHOLDER,
            id="follow-up-text",
            disabled=self.read_only,
            compact=True,
        )
        yield Select(
            [("to all columns", EVERY_COLUMN)],
            value=EVERY_COLUMN,
            allow_blank=False,
            disabled=self.read_only,
            compact=True,
        )

    @property
    def target(self) -> Select[str]:
        return self.query_one(Select)

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    def on_descendant_focus(self) -> None:
        # Said where the cursor is, so the writer knows where the keys go.
        self.input.placeholder = "Type the follow-up; Enter sends it"

    def on_descendant_blur(self) -> None:
        self.input.placeholder = PLACEHOLDER

    def set_targets(self, models: list[str]) -> None:
        """Offer every column's model; keep the current choice if it is still there."""
        targets = [EVERY_COLUMN, *(model for model in dict.fromkeys(models) if model)]
        if targets == self.targets:
            return
        self.targets = targets
        current = self.target.value
        # Model names are shown as they are: Text, so a bracket is never read as markup.
        options = [
            (Text(f"only to {model}" if model else "to all columns"), model) for model in targets
        ]
        with self.prevent(Select.Changed):
            self.target.set_options(options)
            self.target.value = current if current in targets else EVERY_COLUMN

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if text:
            self.post_message(self.Submitted(text, str(self.target.value)))
