"""A running turn on screen: each reply's stream, and the listener that posts to the screen.

The worker that runs the engine only posts messages (through `ScreenListener`);
a timer's frame hands each `Stream`'s new deltas to its view. Both are plain
parts the main screen holds.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from sparring.egress import EgressRequest
from sparring.engine import LiveReply, TurnListener
from sparring.figures import thinking_progress
from sparring.sessions.model import Reply
from sparring.tui.widgets.column import AnswerColumn
from sparring.tui.widgets.reply import ReplyView

if TYPE_CHECKING:
    from sparring.tui.screens.main import MainScreen

FRAME = 0.1  # seconds between redraws of the answers while they stream: each costs a layout
# While the embedded model generates (in this process, on the same cores), the
# answers are redrawn less often: each redraw takes CPU and the GIL from it.
FRAME_BESIDE_EMBEDDED = 0.15
TICK = 0.05  # the clock both frame rates are counted on
FIGURES_EVERY = 0.25  # seconds between redraws of the live figures


@dataclass
class Stream:
    """A reply of the running turn, where it is shown, and how much of it is shown."""

    reply: Reply
    column: AnswerColumn
    view: ReplyView
    live: LiveReply | None = None  # the engine's, once the reply began
    shown_parts: int = 0
    shown_thinking: int = 0
    ended: Reply | None = None  # the reply as the engine finished it
    shown_ended: bool = False

    def flush(self, now: float) -> None:
        """Hand the view the deltas (and the thinking) that came since the last frame."""
        live = self.live
        if live is None:
            return
        if len(live.thinking_parts) != self.shown_thinking:
            self.shown_thinking = len(live.thinking_parts)
            text = "".join(live.thinking_parts) if self.view.thinking.expanded else ""
            self.view.thinking.show(thinking_progress(live, now), text)
        if len(live.parts) == self.shown_parts:
            return
        self.view.append("".join(live.parts[self.shown_parts :]))
        self.shown_parts = len(live.parts)


@dataclass
class Began(Message):
    turn_index: int
    reply_index: int
    live: LiveReply


@dataclass
class Ended(Message):
    turn_index: int
    reply_index: int
    reply: Reply


@dataclass
class TurnDone(Message):
    turn_index: int


class Frame(Message):
    """Time to redraw the streams; posted by a timer, handled in turn with the rest."""


@dataclass
class Notice(Message):
    """Something a worker wants the writer to know."""

    text: str
    severity: str = "information"


@dataclass
class AskEgress(Message):
    """The worker waits on `answer` until the writer allows (or refuses) sending."""

    request: EgressRequest
    answer: asyncio.Future[bool]


class ScreenListener(TurnListener):
    """The engine's listener for one turn: it posts messages, and saves at checkpoints."""

    def __init__(self, screen: MainScreen, turn_index: int) -> None:
        self.screen = screen
        self.turn_index = turn_index

    def began(self, index: int, live: LiveReply) -> None:
        self.screen.post_message(Began(self.turn_index, index, live))

    def ended(self, index: int, reply: Reply) -> None:
        self.screen.post_message(Ended(self.turn_index, index, reply))

    def notice(self, text: str) -> None:
        self.screen.post_message(Notice(text, "warning"))

    def checkpoint(self) -> None:
        self.screen.saver.save()
