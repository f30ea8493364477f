"""Driving the app in tests: building it, waiting for it, looking at it."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.pilot import Pilot

from sparring.config import Config
from sparring.sessions import store
from sparring.sessions.model import Reply, Session
from sparring.tui.app import SparringApp
from sparring.tui.screens.main import MainScreen
from sparring.tui.widgets.reply import ReplyView

from . import fakes
from .fakes import HEADLINES_FLAGSHIP, HEADLINES_SMALL, FakeBackends, Script, chunks

DRAFT = (
    "Why our city needs more trees.\n\nShade lowers the temperature of a street by several degrees."
)
SIZE = (120, 36)


def make_app(
    backends: FakeBackends, *, config: Config | None = None, **arguments: object
) -> SparringApp:
    arguments.setdefault("context", DRAFT)
    arguments.setdefault("task", "headlines")
    return SparringApp(
        config=config or fakes.config(),
        backend_factory=backends,
        **arguments,  # type: ignore[arg-type]
    )


def two_models(
    small: Script | list[Script] | None = None, flagship: Script | list[Script] | None = None
) -> FakeBackends:
    return FakeBackends(
        {
            "small": small or Script(chunks(HEADLINES_SMALL)),
            "flagship": flagship or Script(chunks(HEADLINES_FLAGSHIP), location="cloud"),
        }
    )


async def until(pilot: Pilot, condition: Callable[[], object], timeout: float = 15.0) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause()


def main(app: SparringApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


def view(app: SparringApp, column: int, turn: int = -1) -> ReplyView:
    return main(app).columns[column].replies[turn]


def answered(app: SparringApp, column: int, turn: int = -1) -> Reply:
    """The reply a column shows as ended (it must have ended)."""
    reply = view(app, column, turn).reply
    assert reply is not None, "that reply has not ended yet"
    return reply


def idle(app: SparringApp) -> Callable[[], bool]:
    def turn_done() -> bool:
        screen = app.screen
        return (
            isinstance(screen, MainScreen)
            and bool(screen.session.turns)
            and (screen.running_turn is None)
        )

    return turn_done


async def run_task(pilot: Pilot, app: SparringApp) -> None:
    turns = len(main(app).session.turns)
    await pilot.press("f5")
    await until(pilot, lambda: len(main(app).session.turns) > turns and idle(app)())


async def follow_up(pilot: Pilot, app: SparringApp, text: str, to: str = "") -> None:
    screen = main(app)
    turns = len(screen.session.turns)
    screen.follow_up.target.value = to
    screen.follow_up.input.focus()
    await pilot.press(*text, "enter")
    await until(pilot, lambda: len(screen.session.turns) > turns and idle(app)())


def saved_sessions() -> list[Session]:
    return [entry for entry in store.iter_sessions() if isinstance(entry, Session)]


def item_texts(reply_view: ReplyView) -> list[str]:
    """Each item as drawn, without the cursor column (▸ marks the highlighted one)."""
    return [
        str(reply_view.item_list.get_option_at_index(i).prompt)[1:]
        for i in range(reply_view.item_list.option_count)
    ]
