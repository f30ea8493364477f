"""Answers side by side in a plain terminal, as they stream (pipe mode into a tty).

Rich (which comes with Textual, but is not Textual) draws the columns; it is
imported only when this view is used. Each column shows the engine's
`LiveReply`: the deltas are read from there, never copied.

Blind (`labels` given), each column is headed by its label alone, with no
figures, and the text is held back until every answer is finished: how fast
words arrive tells a small local model from a flagship as surely as a name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sparring.figures import figures_line, heading, status_note
from sparring.visible import visible

if TYPE_CHECKING:
    from sparring.engine import LiveReply

FRAME = 0.1  # seconds between redraws, whatever the token rate


class SideBySide:
    def __init__(
        self,
        columns: int,
        labels: Sequence[str] | None = None,
        column: Mapping[int, int] | None = None,
    ) -> None:
        """`columns` answers; `column` maps a reply's index in its turn to where it is shown."""
        from rich.console import Console
        from rich.live import Live

        self.lives: list[LiveReply | None] = [None] * columns
        self.labels = list(labels) if labels is not None else None
        self.column = dict(column) if column is not None else {i: i for i in range(columns)}
        self.console = Console(highlight=False)
        self.live = Live(
            self._render(), console=self.console, auto_refresh=False, vertical_overflow="visible"
        )
        self.dirty = False

    def follow(self, index: int, live: LiveReply) -> None:
        """Show reply `index` of the turn, as it streams into `live`."""
        self.lives[self.column[index]] = live
        self.dirty = True

    def changed(self) -> None:
        self.dirty = True

    async def tick(self) -> None:
        """Redraw at most ten times a second, whatever the token rate."""
        while True:
            await asyncio.sleep(FRAME)
            if self.dirty:
                self.dirty = False
                self.live.update(self._render(), refresh=True)

    def _render(self) -> Any:
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        panels = []
        shown = [live for live in self.lives if live is not None]
        all_finished = all(live.reply.status != "streaming" for live in shown)
        for index, live in enumerate(self.lives):
            if live is None:
                continue
            reply = live.reply
            finished = reply.status != "streaming"
            text = visible("".join(live.parts) or reply.text)
            if self.labels is None:
                body = Text(text)
                note = status_note(reply)
                title = heading(reply)
                subtitle = figures_line(reply) if finished else _progress(live)
            else:
                body = Text(text if all_finished else "answering…")
                # The status alone: an error message may name the backend.
                note = f"[{reply.status}]" if all_finished and reply.status != "ok" else ""
                title = self.labels[index]
                subtitle = ""
            if note:
                body.append(f"\n{visible(note)}", style="red")
            panels.append(
                Panel(
                    body,
                    title=Text(visible(title)),
                    subtitle=Text(subtitle) if subtitle else None,
                    expand=True,
                )
            )
        grid = Table.grid(expand=True, padding=(0, 1))
        for _ in panels:
            grid.add_column(ratio=1)
        grid.add_row(*panels)
        return grid

    def __enter__(self) -> SideBySide:
        self.live.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.live.update(self._render(), refresh=True)
        self.live.__exit__(kind, value, traceback)


def _progress(live: LiveReply) -> str:
    return "thinking…" if live.thinking else "streaming…"
