"""Start an app headless and report when its first frame is drawn, then quit.

    python probe_first_frame.py STARTED FD minimal
    python probe_first_frame.py STARTED FD same-widgets
    python probe_first_frame.py STARTED FD SCRIPT      # the real `sparring` command
    python probe_first_frame.py STARTED FD -m sparring

STARTED is the parent's time.monotonic() just before it started this
process (the clock is the system's, so it holds across processes); the
seconds from then to the first frame are written to file descriptor FD.

The first frame is the first screen update of a screen with widgets on it
(sparring's app opens on an empty default screen and pushes its own). A
headless Textual app builds each update but skips turning it into terminal
text; this probe does that part too, as a real terminal would need it.
`App.run` is made headless here, so the command runs exactly as typed,
from its own entry point, and decides by itself to open the TUI (the
parent gives it a pseudo-terminal for that).
"""

from __future__ import annotations

import os
import runpy
import sys
import time
from typing import Any

from textual.app import App


def install(started: float, fd: int) -> None:
    display = App._display
    run = App.run

    def timed_display(self: App[Any], screen: Any, renderable: Any) -> None:
        display(self, screen, renderable)
        if renderable is None or getattr(self, "_probe_done", False) or not screen.children:
            return
        if hasattr(renderable, "render_segments"):
            renderable.render_segments(self.console)
        self._probe_done = True  # type: ignore[attr-defined]
        os.write(fd, f"{time.monotonic() - started:.6f}\n".encode())
        self.exit()

    def headless_run(self: App[Any], *args: Any, **kwargs: Any) -> Any:
        kwargs["headless"] = True
        kwargs.setdefault("size", (120, 36))
        return run(self, *args, **kwargs)

    App._display = timed_display  # type: ignore[method-assign]
    App.run = headless_run  # type: ignore[method-assign]


def minimal() -> None:
    from textual.widgets import Static

    class Minimal(App[None]):
        def compose(self) -> Any:
            yield Static("a minimal Textual app")

    Minimal().run()


def same_widgets() -> None:
    """The Textual widgets sparring's main screen shows, laid out alike, with no sparring code.

    What Textual itself needs to draw that screen: sparring's first frame is
    compared with this too, to tell its own cost from Textual's. Keep it in
    step with `MainScreen.compose`.
    """
    from pathlib import Path

    from textual.containers import Horizontal, Vertical, VerticalScroll
    from textual.widgets import Footer, Input, OptionList, Select, Static, TextArea

    draft = (Path(__file__).parent.parent / "tests" / "data" / "draft.md").read_text("utf-8")
    tasks = [(name, name) for name in ("headlines", "counter", "questions", "ask")]

    class SameWidgets(App[None]):
        BINDINGS = [(f"f{key}", "bell", f"Key {key}") for key in range(1, 10)]

        def compose(self) -> Any:
            with Horizontal():
                with Vertical():
                    yield TextArea(draft)
                    yield Static("from draft.md")
                    yield Select(tasks, value="headlines")
                    yield Input(placeholder="instruction")
                    yield OptionList()
                with Vertical():
                    yield Input("local")
                    yield Static("local · on this machine")
                    yield VerticalScroll()
                    yield Static("")
            with Horizontal():
                yield Select([("all columns", "")], value="")
                yield Input(placeholder="Follow up…")
            yield Footer()

    SameWidgets().run()


def main() -> None:
    started, fd, target, *rest = sys.argv[1:]
    install(float(started), int(fd))
    if target == "minimal":
        minimal()
    elif target == "same-widgets":
        same_widgets()
    elif target == "-m":
        sys.argv = [rest[0], *rest[1:]]
        runpy.run_module(rest[0], run_name="__main__", alter_sys=True)
    else:
        sys.argv = [target, *rest]
        runpy.run_path(target, run_name="__main__")


if __name__ == "__main__":
    main()
