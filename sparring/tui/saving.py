"""Saving the session as it goes, without ever stopping the app when it cannot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sparring import store
from sparring.errors import CannotSave
from sparring.session import NewerFormat, Session


class SessionSaver:
    """Saves one session; reports a failure once, then keeps trying quietly.

    A full disk or a read-only sessions dir must not cost the writer the
    session in memory: the app goes on, and the next save may succeed.
    """

    def __init__(self, session: Session, on_failure: Callable[[str], None]) -> None:
        self.session = session
        self.on_failure = on_failure
        self.path: Path | None = None
        self.failing = False

    def save(self) -> bool:
        try:
            self.path = store.save(self.session)
        except CannotSave as error:
            self._failed(f"Not saved: {error.one_line()}. The session stays in memory.")
            return False
        except NewerFormat as error:
            self._failed(f"Not saved: {error}")
            return False
        self.failing = False
        return True

    def _failed(self, message: str) -> None:
        if not self.failing:
            self.failing = True
            self.on_failure(message)
