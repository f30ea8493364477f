"""The Textual app: `sparring` with no task opens it; `sparring replay` opens it read-only."""

from __future__ import annotations

import asyncio
import gc
import signal
import sys
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.screen import Screen

from sparring.config import Config, Privacy
from sparring.engine import BackendFactory
from sparring.prompts import Prompt, load_all
from sparring.providers import open_backend
from sparring.sessions.model import Session
from sparring.tui.options import AppOptions
from sparring.tui.screens.main import MainScreen
from sparring.visible import visible

#: The main screen's actions in the command palette: title, help, action.
PALETTE = (
    ("Run task", "Send the task to every column (F5)", "run"),
    ("Stop", "Cancel the answers in flight; what came stays (Escape)", "stop"),
    ("Follow up", "Go to the follow-up line (ctrl+f)", "follow_up"),
    ("Pick a model", "Which model answers in the focused column (F7)", "pick_model"),
    ("Add column", "Compare one more model: pick it (F2)", "add_column"),
    ("Remove column", "Drop the focused column (F3)", "remove_column"),
    ("Keep", "Keep the item or passage in focus (F4)", "keep"),
    ("Passage", "From an item to the passage it quotes in the draft, and back (ctrl+g)", "passage"),
    ("Think", "How much reasoning models think in the next run (F6)", "cycle_think"),
    ("Blind", "Show the next run's two answers as A and B, then vote (F8)", "toggle_blind"),
    ("Vote: A is better", "Judge the blind answers (a)", "vote('a')"),
    ("Vote: B is better", "Judge the blind answers (b)", "vote('b')"),
    ("Vote: tie", "Judge the blind answers (t)", "vote('t')"),
    ("Vote: both bad", "Judge the blind answers (n)", "vote('n')"),
    ("Stats", "This session's figures and the task's recommendation (F9)", "toggle_stats"),
    ("Draft panel", "Fold the draft away for the answers, or show it (ctrl+b)", "toggle_draft"),
    ("Open file", "Load a file into the draft; mid-session, a new session (ctrl+o)", "open_file"),
    ("Sessions", "Browse saved sessions (ctrl+r)", "sessions"),
    ("Keepers", "Go to the keepers (c copies, e exports, Delete removes)", "focus_keepers"),
    ("Copy keepers", "Copy the keepers as Markdown", "copy_keepers"),
    ("Export keepers", "Write the keepers to a .md file", "export_keepers"),
)


class SparringApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "sparring"
    # Textual's own ctrl+q, shown in the footer.
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def __init__(
        self,
        *,
        config: Config,
        context: str = "",
        sources: Sequence[str] = (),
        models: Sequence[str] = (),
        task: str | None = None,
        privacy: Privacy | None = None,
        session: Session | None = None,
        read_only: bool = False,
        backend_factory: BackendFactory = open_backend,
        prompts: dict[str, Prompt] | None = None,
    ) -> None:
        """A broken prompt file is left out of the task picker (see prompts.load_all)."""
        super().__init__()
        self.options = AppOptions(
            config=config,
            prompts=load_all() if prompts is None else prompts,
            privacy=privacy or Privacy.resolve(config),
            backend_factory=backend_factory,
        )
        self.initial_session = session
        self.initial_context = context
        self.initial_sources = list(sources)
        self.initial_models = list(models)
        self.initial_task = task
        self.read_only = read_only

    def on_mount(self) -> None:
        if not self.is_headless:
            # SIGTERM and SIGHUP (a closed terminal window) end the app as ctrl+q
            # does: the session is saved and the terminal restored.
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(signum, self._stop_on_signal, signum)
        self.push_screen(
            MainScreen(
                self.options,
                session=self.initial_session,
                context=self.initial_context,
                sources=self.initial_sources,
                models=self.initial_models,
                task=self.initial_task,
                read_only=self.read_only,
            )
        )
        self.call_after_refresh(self._warm_up)

    @work(thread=True, exit_on_error=False)
    def _warm_up(self) -> None:
        """Once the first frame is out, import what the first answer will need.

        Rich's Markdown renderer (with Pygments) takes ~30 ms to import: on the UI
        thread at the first answer's first block, that delayed its text and took
        the GIL from a local model generating it.
        """
        import sparring.tui.rich_markdown  # noqa: F401

        # What exists now (imports, widgets, styles: some 100,000 objects) lives as
        # long as the app. Frozen, it is left out of the cycle collector's full
        # passes, which otherwise took 60-140 ms each and were the longest stalls
        # while answers streamed (issue 7).
        self.call_from_thread(gc.freeze)

    def on_unmount(self) -> None:
        gc.unfreeze()  # the app is gone: what it kept may be collected again

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """Quit, once no embedded model is loading: while one loads, the process's stdout
        points at /dev/null (see providers/local.py LOADING), and the terminal would be
        left showing the app. No model starts loading after this (a headless app, as in
        the tests, has no terminal to restore, and its process goes on)."""
        local = sys.modules.get("sparring.providers.local")
        if local is not None and not self.is_headless:
            local.wait_for_loads()
        super().exit(*args, **kwargs)

    def _stop_on_signal(self, signum: int) -> None:
        self.exit(return_code=128 + signum)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification (widgets' and screens' `notify` come here) drawn as text: a
        file name, an error body or a model name can hold escape sequences and brackets."""
        super().notify(
            visible(message), title=visible(title), severity=severity, timeout=timeout, markup=False
        )

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, MainScreen):
            for title, help_text, action in PALETTE:
                if screen.check_action(action.split("(")[0], ()):
                    yield SystemCommand(title, help_text, partial(screen.run_action, action))


def run_tui(
    *,
    config: Config,
    context: str = "",
    sources: Sequence[str] = (),
    models: Sequence[str] = (),
    task: str | None = None,
    privacy: Privacy | None = None,
    session: Session | None = None,
    read_only: bool = False,
    prompts: dict[str, Prompt] | None = None,
) -> int:
    """Run the app until the writer quits; the exit code (0, or 1 if the app crashed)."""
    app = SparringApp(
        config=config,
        context=context,
        sources=sources,
        models=models,
        task=task,
        privacy=privacy,
        session=session,
        read_only=read_only,
        prompts=prompts,
    )
    app.run()
    return app.return_code or 0
