"""Saving a session as it goes, without ever stopping the run when it cannot."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sparring.errors import CannotSave, NewerFormat
from sparring.sessions import store
from sparring.sessions.model import Session


class Saver:
    """Saves one session; reports a failure once, then keeps trying quietly.

    A full disk or a read-only sessions dir must not cost the writer the
    session in memory: the run goes on, and the next save may succeed.
    `failure` is the last save's error, None once a save succeeds again.
    """

    def __init__(
        self,
        session: Session,
        on_failure: Callable[[CannotSave | NewerFormat], None],
        *,
        enabled: bool = True,
    ) -> None:
        self.session = session
        self.on_failure = on_failure
        self.enabled = enabled
        self.path: Path | None = None
        self.failure: CannotSave | NewerFormat | None = None

    def __call__(self) -> bool:
        return self.save()

    def save(self) -> bool:
        if not self.enabled:
            return False
        try:
            self.path = store.save(self.session)
        except (CannotSave, NewerFormat) as error:
            if self.failure is None:
                self.on_failure(error)
            self.failure = error
            return False
        self.failure = None
        return True
