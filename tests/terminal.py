"""A real terminal for tests: tmux runs a command; capture-pane reads its screen."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


class Terminal:
    """A tmux session running one command; its screen read with capture-pane."""

    def __init__(self, command: str, env: dict[str, str], width: int = 140, height: int = 40):
        self.name = f"sparring-{uuid.uuid4().hex[:8]}"
        # A server of its own: no other tmux user's options or sizes leak in.
        self.tmux = ["tmux", "-L", self.name, "-f", "/dev/null"]
        exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
        # COLUMNS and LINES from the test process would override the real tty size.
        script = f"unset COLUMNS LINES; export {exports}; {command}; echo EXITED $?; sleep 600"
        subprocess.run(
            [
                *self.tmux,
                "new-session",
                "-d",
                "-s",
                self.name,
                "-x",
                str(width),
                "-y",
                str(height),
                "bash",
                "-c",
                script,
            ],
            check=True,
        )

    def screen(self) -> str:
        done = subprocess.run(
            [*self.tmux, "capture-pane", "-p", "-t", self.name],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def wait_for(self, condition: Callable[[str], bool], timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if condition(screen):
                return screen
            if "EXITED" in screen:
                pytest.fail(f"the command ended before the screen showed it:\n{screen}")
            if time.monotonic() > deadline:
                pytest.fail(f"the screen never showed what was expected:\n{screen}")
            time.sleep(0.2)

    def child_pid(self) -> int:
        """The pid of the command the pane's shell is running (the shell's one child)."""
        shell = subprocess.run(
            [*self.tmux, "display", "-p", "-t", self.name, "#{pane_pid}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        children = subprocess.run(
            ["pgrep", "-P", shell, "-f", "sparring"], capture_output=True, text=True, check=True
        ).stdout.split()
        return int(children[-1])

    def flags(self) -> dict[str, str]:
        """Whether the pane is in the alternate screen and reports the mouse."""
        names = ("alternate_on", "mouse_any_flag")
        done = subprocess.run(
            [*self.tmux, "display", "-p", "-t", self.name, " ".join(f"#{{{n}}}" for n in names)],
            capture_output=True,
            text=True,
            check=True,
        )
        return dict(zip(names, done.stdout.split(), strict=True))

    def keys(self, *keys: str) -> None:
        subprocess.run([*self.tmux, "send-keys", "-t", self.name, *keys], check=True)

    def close(self) -> None:
        subprocess.run([*self.tmux, "kill-server"], check=False)


TerminalFactory = Callable[..., "Terminal"]


@pytest.fixture
def terminal(sparring_home: Path) -> Iterator[TerminalFactory]:
    if shutil.which("tmux") is None:
        pytest.fail("these tests need tmux: apt-get install tmux", pytrace=False)
    opened: list[Terminal] = []
    env = {key: os.environ[key] for key in ("SPARRING_HOME", "PATH", "HOME") if key in os.environ}
    env["TERM"] = "xterm-256color"

    def open_terminal(
        command: str, extra_env: dict[str, str] | None = None, width: int = 140, height: int = 40
    ) -> Terminal:
        terminal = Terminal(command, {**env, **(extra_env or {})}, width, height)
        opened.append(terminal)
        return terminal

    yield open_terminal
    for terminal in opened:
        terminal.close()


def sparring_command(*args: str) -> str:
    return " ".join(shlex.quote(part) for part in (sys.executable, "-m", "sparring", *args))
