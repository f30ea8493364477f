"""Ask before the draft first leaves this machine: what, where, and at what cost."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from sparring.egress import EgressRequest
from sparring.visible import visible


class ConfirmEgressScreen(ModalScreen[bool]):
    """Dismissed with True to send, False to keep the draft here."""

    BINDINGS = [
        Binding("y", "answer(True)", "Send"),
        Binding("n,escape", "answer(False)", "Don't send"),
    ]

    def __init__(self, request: EgressRequest) -> None:
        super().__init__()
        self.request = request

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog short"):
            yield Static("The draft is about to leave this machine", classes="title")
            yield Static(visible("\n".join(self.request.describe())), markup=False)
            yield Static("Asked once per session.", classes="hint")
            with Horizontal(classes="buttons"):
                yield Button("Send (y)", variant="warning", id="send")
                yield Button("Don't send (n)", variant="primary", id="keep")

    def on_mount(self) -> None:
        self.query_one("#keep", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "send")

    def action_answer(self, send: bool) -> None:
        self.dismiss(send)
