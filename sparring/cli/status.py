"""The pipe's live status: one line on stderr, redrawn in place, while the answers come.

A writer who pipes a draft into a local model waits 20 to 100 seconds for the
first word; this line says what is going on meanwhile (`loading the model 3s`,
`waiting 2.1s`, `thinking 6s · ~120 tok`, `writing 9s · ~310 tok`). It is
drawn only when stderr is a terminal, and wiped (never left in the
scrollback) before the answer itself is printed on the same terminal.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import TYPE_CHECKING, TextIO

from sparring.figures import live_status
from sparring.visible import visible

if TYPE_CHECKING:
    from sparring.engine import LiveReply

EVERY = 0.25  # seconds between redraws
DIM, RESET, WIPE = "\x1b[2m", "\x1b[0m", "\r\x1b[K"


class StatusLine:
    """What each reply of a turn is doing, on one line; `blind` names none and times none apart."""

    def __init__(self, names: list[str], stream: TextIO, *, blind: bool = False) -> None:
        self.names = [visible(name) for name in names]
        self.stream = stream
        self.blind = blind
        self.lives: list[LiveReply | None] = [None] * len(names)
        self.started = time.monotonic()
        self.shown = False
        self.paused = False
        self.stopped = False

    def follow(self, index: int, live: LiveReply) -> None:
        self.lives[index] = live

    def text(self, now: float) -> str:
        if self.blind:
            return f"answering {now - self.started:.0f}s"
        parts = []
        for name, live in zip(self.names, self.lives, strict=True):
            said = "starting" if live is None else live_status(live, now)
            if live is not None and live.reply.status not in ("streaming", "cancelled"):
                said = "done"
            parts.append(said if len(self.names) == 1 else f"{name}: {said}")
        return " · ".join(parts)

    def draw(self) -> None:
        if self.paused or self.stopped:
            return
        width = _width(self.stream)
        line = self.text(time.monotonic())
        if len(line) > width - 1:
            line = line[: width - 2] + "…"
        self._write(f"{WIPE}{DIM}{line}{RESET}")
        self.shown = True

    def wipe(self) -> None:
        if self.shown:
            self._write(WIPE)
            self.shown = False

    def pause(self) -> None:
        """Stop drawing for a while (a model's thinking is printed there); `resume` goes on."""
        self.wipe()
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    def stop(self) -> None:
        """Wipe the line for good: the answer starts on this terminal."""
        self.wipe()
        self.stopped = True

    async def tick(self) -> None:
        while not self.stopped:
            self.draw()
            await asyncio.sleep(EVERY)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.stopped = True  # a closed stderr takes nothing


def _width(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError):
        return 80
