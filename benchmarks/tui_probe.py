"""Watching a headless Textual app: frames drawn, event-loop stalls, waiting for conditions.

Frames: every screen update Textual hands to `App._display` is a frame.
Headless, Textual builds each update but skips turning it into terminal
text; the counter does that part too (into nothing), so the CPU a real
terminal would cost is counted.

Stalls: a ticker task sleeps 10 ms at a time in the app's own loop and
records how late each wake-up is; the longest lateness is the longest
time the loop could not run anything else.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from textual.app import App

TICK = 0.01


class Frames:
    def __init__(self) -> None:
        self.times: list[float] = []

    def count(self, start: float, end: float) -> int:
        return sum(start <= moment <= end for moment in self.times)


@contextmanager
def counting_frames() -> Iterator[Frames]:
    frames = Frames()
    display = App._display

    def counted(self: App[Any], screen: Any, renderable: Any) -> None:
        display(self, screen, renderable)
        if renderable is None or self._batch_count or screen is not self.screen:
            return
        if hasattr(renderable, "render_segments"):
            renderable.render_segments(self.console)
        frames.times.append(time.perf_counter())

    App._display = counted  # type: ignore[method-assign]
    try:
        yield frames
    finally:
        App._display = display  # type: ignore[method-assign]


class Stalls:
    """The lateness of 10 ms wake-ups in the running loop, while started."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.worst_at = 0.0  # perf_counter when the longest stall began
        self.samples = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.worst, self.worst_at, self.samples = 0.0, 0.0, 0
        self._task = asyncio.get_running_loop().create_task(self._tick())

    async def stop(self) -> float:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
        return self.worst

    async def _tick(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(TICK)
            late = time.perf_counter() - before - TICK
            if late > self.worst:
                self.worst, self.worst_at = late, before + TICK
            self.samples += 1


async def until(condition: Callable[[], object], timeout: float, what: str) -> None:
    """Let the app run until `condition()` holds, looking every 10 ms."""
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(TICK)
