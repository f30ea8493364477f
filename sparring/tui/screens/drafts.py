"""Drafts and sessions: opening a file into the draft, a new session for a new draft, and
the session browser (ctrl+r).

One session holds one draft: a file opened mid-session, or a draft edited
since the session's answers, starts a new session with the same columns and
task, and the old one stays as it was (saved, never sent as history with the
new draft). A plain helper the main screen holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sparring.sessions.model import Session

if TYPE_CHECKING:
    from sparring.tui.screens.main import MainScreen


class Drafts:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def open_file(self) -> None:
        from sparring.tui.dialogs.open_file import OpenFileScreen

        screen = self.screen

        def opened(path: Path | None) -> None:
            if path is None:
                return
            if screen.session.turns:
                self.new_session("", [], open_path=path)
            else:
                screen.context_pane.read(path)

        screen.app.push_screen(OpenFileScreen(), opened)

    def new_session(
        self,
        text: str,
        sources: list[str],
        *,
        open_path: Path | None = None,
        run: bool = False,
    ) -> None:
        """A new session with the same columns and task; this one is saved as it is."""
        from sparring.tui.screens.main import MainScreen

        screen = self.screen
        fresh = MainScreen(
            screen.options,
            context=text,
            sources=sources,
            models=screen.answer_columns.models,
            task=str(screen.task_picker.select.value),
            open_path=open_path,
            run_at_once=run,
        )
        screen.app.switch_screen(fresh)
        why = "another file" if open_path is not None else "a changed draft"
        screen.app.notify(
            f"A new session for {why}: the last one is saved as it was (ctrl+r reopens it)."
        )

    def browse(self) -> None:
        from sparring.tui.dialogs.browser import SessionBrowser  # the catalog: on demand
        from sparring.tui.screens.main import MainScreen

        screen = self.screen

        def chosen(session: Session | None) -> None:
            if session is not None:
                screen.app.push_screen(
                    MainScreen(screen.options, session=session, read_only=True, closable=True)
                )

        screen.app.push_screen(SessionBrowser(), chosen)
