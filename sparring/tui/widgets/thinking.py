"""A reasoning model's thinking, above its answer: one line while it thinks, to open and read.

Hidden for answers without thinking. The line says how long and how much the
model has thought (`thinking · 14 s · ~820 tokens`); Enter or a click opens it.
The text is sanitized like the answer's: shown, never obeyed.
"""

from __future__ import annotations

from textual.widgets import Collapsible, Static

from sparring.visible import visible

#: Thinking shown at most, from its end: a looping small model writes a lot.
MOST_SHOWN = 20_000


class ThinkingView(Collapsible):
    DEFAULT_CSS = """
    ThinkingView {
        display: none;
        height: auto;
        border: none;
        padding: 0;
        margin: 0;
        background: transparent;
    }
    ThinkingView.shown {
        display: block;
    }
    ThinkingView CollapsibleTitle {
        padding: 0;
        color: $text-muted;
    }
    ThinkingView Contents {
        height: auto;
        padding: 0 0 0 2;
    }
    ThinkingView .thought {
        color: $text-muted;
        height: auto;
    }
    """

    def __init__(self) -> None:
        super().__init__(
            Static("", markup=False, classes="thought"), title="thinking", collapsed=True
        )
        self.summary = ""
        self.text = ""

    @property
    def expanded(self) -> bool:
        return not self.collapsed

    def show(self, summary: str, text: str) -> None:
        """Show that the model thinks (or thought), and what, if the line is open."""
        self.add_class("shown")
        if summary != self.summary:
            self.summary = summary
            self.title = summary
        self.text = text
        if self.expanded:
            self._fill()

    def on_collapsible_expanded(self, event: Collapsible.Expanded) -> None:
        event.stop()
        self._fill()

    def on_collapsible_collapsed(self, event: Collapsible.Collapsed) -> None:
        event.stop()

    def _fill(self) -> None:
        text = self.text[-MOST_SHOWN:]
        cut = "…" if len(self.text) > MOST_SHOWN else ""
        self.query_one(".thought", Static).update(cut + visible(text))
