"""Answers side by side in a plain terminal, as they stream (pipe mode into a tty).

Rich (which comes with Textual, but is not Textual) draws the columns; it is
imported only when this view is used.

Blind (`labels` given), each column is headed by its label alone, with no
figures, and the text is held back until every answer is finished: how fast
words arrive tells a small local model from a flagship as surely as a name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from types import TracebackType

from sparring.render import figures, heading, status_note
from sparring.session import Reply
from sparring.visible import visible


class SideBySide:
    def __init__(self, replies: list[Reply], labels: Sequence[str] | None = None) -> None:
        from rich.console import Console
        from rich.live import Live

        self.replies = replies
        self.labels = list(labels) if labels is not None else None
        self.parts: list[list[str]] = [[] for _ in replies]
        self.console = Console(highlight=False)
        self.live = Live(
            self._render(), console=self.console, auto_refresh=False, vertical_overflow="visible"
        )
        self.dirty = False

    def delta(self, index: int, text: str) -> None:
        self.parts[index].append(text)
        self.dirty = True

    async def tick(self) -> None:
        """Redraw at most ten times a second, whatever the token rate."""
        while True:
            await asyncio.sleep(0.1)
            if self.dirty:
                self.dirty = False
                self.live.update(self._render(), refresh=True)

    def _render(self):  # type: ignore[no-untyped-def]
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        panels = []
        all_finished = all(reply.status != "streaming" for reply in self.replies)
        for index, (reply, parts) in enumerate(zip(self.replies, self.parts, strict=True)):
            finished = reply.status != "streaming"
            if self.labels is None:
                body = Text(visible("".join(parts) or reply.text))
                note = status_note(reply)
                title = heading(reply)
                subtitle = figures(reply) if finished else "streaming…"
            else:
                text = visible("".join(parts) or reply.text)
                body = Text(text if all_finished else "answering…")
                # The status alone: an error message may name the backend.
                note = f"[{reply.status}]" if all_finished and reply.status != "ok" else ""
                title = self.labels[index]
                subtitle = ""
            if note:
                body.append(f"\n{note}", style="red")
            panels.append(
                Panel(
                    body,
                    title=Text(title),
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
