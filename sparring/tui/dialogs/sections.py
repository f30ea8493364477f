"""Offer to run a draft too long for a column's model section by section."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from sparring.visible import visible


def offer(prompt_tokens: int, model: str, room: int, parts: int) -> str:
    """`The draft is ~9,000 tokens; small takes ~3,000. Run it section by section (4 parts)?`"""
    return (
        f"The draft is ~{prompt_tokens:,} tokens; {model} takes ~{room:,}. "
        f"Run it section by section ({parts} parts)?"
    )


class SectionsScreen(ModalScreen[bool]):
    """Dismissed with True to run the parts, False to run nothing."""

    BINDINGS = [
        Binding("s", "answer(True)", "Sections"),
        Binding("c,escape", "answer(False)", "Cancel"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog short"):
            yield Static("The draft does not fit", classes="title")
            yield Static(visible(self.question), markup=False, classes="question")
            yield Static(
                "Each part is a turn of its own; its items say which section they are "
                "about. Escape stops between parts.",
                classes="hint",
            )
            with Horizontal(classes="buttons"):
                yield Button("Sections (s)", variant="primary", id="sections")
                yield Button("Cancel (c)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#sections", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "sections")

    def action_answer(self, run: bool) -> None:
        self.dismiss(run)
