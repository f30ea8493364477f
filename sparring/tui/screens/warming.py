"""Each column's model loaded before the first run (a warm-up; see sparring/warmup.py).

A plain helper the main screen holds. At start, and whenever a column gets a
model, a model on this machine is loaded by a worker, and its column says
"loading…", then "ready" with the load time, or why it cannot load, before
F5. Nothing is sent to a model that is not on this machine. The worker only
posts `Warmed`; the screen's handler shows it on the column only while that
column still waits for that model's load: a load of a model the writer has
since replaced, or one a run has since begun on, is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from sparring.errors import SparringError
from sparring.secret import redact
from sparring.tui.hints import said
from sparring.tui.widgets.column import AnswerColumn
from sparring.warmup import warm, warmable

if TYPE_CHECKING:
    from sparring.tui.screens.main import MainScreen

LOADING = "loading…"
#: A load this short was a model loaded already.
ALREADY = 0.05


@dataclass
class Warmed(Message):
    """A column's model has loaded (`seconds`, None: nothing was loaded), or could not."""

    column: AnswerColumn
    model: str
    seconds: float | None = None
    error: str = ""


def ready(seconds: float, width: int | None = None) -> str:
    """What a column says once its model is loaded, in `width` characters if it can."""
    if seconds < ALREADY:
        return "ready"
    said = f"ready · loaded in {seconds:.1f} s"
    return said if width is None or len(said) <= width else f"ready · {seconds:.1f} s"


def cannot_load(error: str) -> str:
    """What a column says when its model cannot load (`error`: the error's one line)."""
    return error if error.startswith("cannot load") else f"cannot load: {error}"


class Warming:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def start(self, column: AnswerColumn) -> None:
        """Load `column`'s model in a worker, if it is on this machine; not while a turn
        runs (the run loads it) nor in a read-only session."""
        screen = self.screen
        options = screen.options
        model = column.model
        if screen.read_only or screen.running_turn is not None:
            return
        if warmable(model, options.config) is None:
            column.forget_load()
            return
        column.show_load(model, LOADING)
        characters = len(screen.context_pane.text)
        screen.run_worker(self._load(column, model, characters), group="warm", exit_on_error=False)

    async def _load(self, column: AnswerColumn, model: str, characters: int) -> None:
        options = self.screen.options
        try:
            seconds = await warm(
                model,
                options.config,
                characters=characters,
                backend_factory=options.backend_factory,
            )
        except SparringError as error:
            self.screen.post_message(Warmed(column, model, error=said(error.one_line())))
        except Exception as error:  # a backend's bug: said in its column, not a crash
            failure = redact(f"unexpected {type(error).__name__}: {error}")
            self.screen.post_message(Warmed(column, model, error=failure))
        else:
            self.screen.post_message(Warmed(column, model, seconds))

    def show(self, message: Warmed) -> None:
        column = message.column
        if not column.is_attached or column.load_of != message.model:
            return
        if message.error:
            column.show_load(message.model, cannot_load(message.error), failed=True)
        elif message.seconds is None:
            column.forget_load()
        else:
            column.show_load(message.model, ready(message.seconds, column.figures_width))
