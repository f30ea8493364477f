"""The footer: Textual's, leaving out some keys when the screen is narrow.

At 80 columns the footer cannot hold every key; the screen names the ones
that give way (they stay in the palette), so the most important ones, and
Quit, are never cut off at the right edge.
"""

from __future__ import annotations

from textual import widgets
from textual.app import ComposeResult
from textual.widgets._footer import FooterKey


class Footer(widgets.Footer):
    def __init__(self, *, compact: bool = False) -> None:
        super().__init__(compact=compact)
        self._hidden_actions: set[str] = set()
        self.wide = True

    @property
    def hidden_actions(self) -> set[str]:
        """Actions whose keys are not shown (the palette still has them)."""
        return self._hidden_actions

    @hidden_actions.setter
    def hidden_actions(self, actions: set[str]) -> None:
        if actions != self._hidden_actions:
            self._hidden_actions = set(actions)
            if self.is_mounted:
                # The footer recomposes itself, in its own context, when the bindings change.
                self.screen.refresh_bindings()

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.action in self._hidden_actions:
                continue
            yield widget
