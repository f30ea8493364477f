"""Answers side by side in a plain terminal, as they stream (pipe mode into a tty).

Rich (which comes with Textual, but is not Textual) draws the columns; it is
imported only when this view is used. Each column shows the engine's
`LiveReply`: the deltas are read from there, never copied.

While the answers stream, each column shows the tail of its text, cut to
the terminal's height, so the panels (and their headers) always fit on the
screen: a live view taller than the screen cannot be redrawn in place, and
its top would be lost. Once every answer is finished, the live view is
wiped and the whole answers are printed once, side by side, into the
scrollback (a list answer as its folded items, unless `raw`).

Blind (`labels` given), each column is headed by its label alone, with no
figures, and the text is held back until every answer is finished: how fast
words arrive tells a small local model from a flagship as surely as a name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sparring.figures import figures_line, heading, item_summary, live_status, status_note
from sparring.visible import visible

if TYPE_CHECKING:
    from sparring.engine import LiveReply
    from sparring.sessions.model import Reply

FRAME = 0.1  # seconds between redraws, whatever the token rate
#: Rows of a panel that are not its text: the top and bottom borders.
PANEL_ROWS = 2


class SideBySide:
    def __init__(
        self,
        columns: int,
        labels: Sequence[str] | None = None,
        column: Mapping[int, int] | None = None,
        *,
        raw: bool = False,
    ) -> None:
        """`columns` answers; `column` maps a reply's index in its turn to where it is shown."""
        from rich.console import Console
        from rich.live import Live

        self.lives: list[LiveReply | None] = [None] * columns
        self.labels = list(labels) if labels is not None else None
        self.column = dict(column) if column is not None else {i: i for i in range(columns)}
        self.raw = raw
        self.console = Console(highlight=False)
        self.live = Live(
            self._render(tail=True),
            console=self.console,
            auto_refresh=False,
            transient=True,
            vertical_overflow="crop",
        )
        self.dirty = False

    def follow(self, index: int, live: LiveReply) -> None:
        """Show reply `index` of the turn, as it streams into `live`."""
        self.lives[self.column[index]] = live
        self.dirty = True

    def changed(self) -> None:
        self.dirty = True

    async def tick(self) -> None:
        """Redraw at most ten times a second, whatever the token rate; the clocks every frame."""
        while True:
            await asyncio.sleep(FRAME)
            self.dirty = False
            self.live.update(self._render(tail=True), refresh=True)

    def _render(self, *, tail: bool = False) -> Any:
        import time

        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        panels = []
        shown = [live for live in self.lives if live is not None]
        all_finished = all(live.reply.status != "streaming" for live in shown)
        width, height = self.console.size
        count = max(len(self.lives), 1)
        # The grid puts one space between panels; a panel's border and padding take four.
        text_width = max((width - (count - 1)) // count - 4, 10)
        text_rows = max(height - PANEL_ROWS - 1, 3)
        now = time.monotonic()
        for index, live in enumerate(self.lives):
            if live is None:
                continue
            reply = live.reply
            finished = reply.status != "streaming"
            text = visible("".join(live.parts) or reply.text)
            if self.labels is None:
                if finished and reply.items and not self.raw:
                    text = _folded(reply) + item_summary(reply)
                body = Text(text.rstrip("\n"))
                note = status_note(reply)
                title = heading(reply)
                subtitle = figures_line(reply) if finished else live_status(live, now)
            else:
                if all_finished and reply.items and not self.raw:
                    text = _folded(reply)
                body = Text(text.rstrip("\n") if all_finished else "answering…")
                # The status alone: an error message may name the backend.
                note = f"[{reply.status}]" if all_finished and reply.status != "ok" else ""
                title = self.labels[index]
                subtitle = ""
            if note:
                body.append(f"\n{visible(note)}", style="red")
            if tail:
                lines = body.wrap(self.console, text_width)
                if len(lines) > text_rows:
                    body = Text("\n").join(lines[-text_rows:])
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
        self.live.__exit__(kind, value, traceback)  # transient: the live view is wiped
        self.console.print(self._render(tail=False))

    def fits(self) -> bool:
        """The whole answers fit on the screen: nothing of them scrolled away."""
        lines = self.console.render_lines(self._render(tail=False), pad=False)
        return len(lines) < self.console.size.height - 1

    def page(self) -> None:
        """The whole answers again, in a pager (less), to read from the top."""
        with self.console.pager(styles=True):
            self.console.print(self._render(tail=False))


def _folded(reply: Reply) -> str:
    return "".join(
        f"{number}. {visible(item.text)}\n" for number, item in enumerate(reply.items, 1)
    )
