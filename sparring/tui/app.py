"""The Textual app: `sparring` with no task opens it; `sparring replay` opens it read-only."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.app import App, SystemCommand
from textual.screen import Screen

from sparring.config import Config
from sparring.engine import BackendFactory
from sparring.prompts import Prompt, load_all
from sparring.providers import open_backend
from sparring.session import Session
from sparring.tui.options import AppOptions
from sparring.tui.screens.main import MainScreen


class SparringApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "sparring"

    def __init__(
        self,
        *,
        config: Config,
        context: str = "",
        sources: Sequence[str] = (),
        models: Sequence[str] = (),
        task: str | None = None,
        local_only: bool = False,
        session: Session | None = None,
        read_only: bool = False,
        backend_factory: BackendFactory = open_backend,
        prompts: dict[str, Prompt] | None = None,
    ) -> None:
        """Raises PromptError (before anything is drawn) if a prompt file is broken."""
        super().__init__()
        self.options = AppOptions(
            config=config,
            prompts=load_all() if prompts is None else prompts,
            local_only=local_only,
            backend_factory=backend_factory,
        )
        self.start = {
            "session": session,
            "context": context,
            "sources": list(sources),
            "models": list(models),
            "task": task,
            "read_only": read_only,
        }

    def on_mount(self) -> None:
        self.push_screen(MainScreen(self.options, **self.start))  # type: ignore[arg-type]

    @property
    def main_screen(self) -> MainScreen:
        """The screen the app opened with (others may be on top of it)."""
        return next(screen for screen in self.screen_stack if isinstance(screen, MainScreen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, MainScreen):
            yield from screen.palette_commands()


def run_tui(
    *,
    config: Config,
    context: str = "",
    sources: Sequence[str] = (),
    models: Sequence[str] = (),
    task: str | None = None,
    local_only: bool = False,
    session: Session | None = None,
    read_only: bool = False,
) -> int:
    """Run the app until the writer quits; the exit code (0, or 1 if the app crashed)."""
    app = SparringApp(
        config=config,
        context=context,
        sources=sources,
        models=models,
        task=task,
        local_only=local_only,
        session=session,
        read_only=read_only,
    )
    app.run()
    return app.return_code or 0
