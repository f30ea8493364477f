"""The real `sparring` command in a real terminal (tmux), as a writer runs it."""

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

from conftest import SAMPLE_DRAFT

pytestmark = pytest.mark.model

if shutil.which("tmux") is None:  # pragma: no cover - tmux is part of the dev setup
    pytest.fail("these tests need tmux: apt-get install tmux", pytrace=False)


class Terminal:
    """A tmux session running one command; its screen read with capture-pane."""

    def __init__(self, command: str, env: dict[str, str], width: int = 140, height: int = 40):
        self.name = f"sparring-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{key}={shlex.quote(value)}" for key, value in env.items())
        script = f"export {exports}; {command}; echo EXITED $?; sleep 600"
        subprocess.run(
            [
                "tmux",
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
            ["tmux", "capture-pane", "-p", "-t", self.name],
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
            if time.monotonic() > deadline:
                pytest.fail(f"the screen never showed what was expected:\n{screen}")
            time.sleep(0.2)

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False)


@pytest.fixture
def terminal(sparring_home: Path) -> Iterator[Callable[[str], Terminal]]:
    opened: list[Terminal] = []
    env = {key: os.environ[key] for key in ("SPARRING_HOME", "PATH", "HOME") if key in os.environ}
    env["TERM"] = "xterm-256color"

    def open_terminal(command: str) -> Terminal:
        terminal = Terminal(command, env)
        opened.append(terminal)
        return terminal

    yield open_terminal
    for terminal in opened:
        terminal.close()


def sparring_command(*args: str) -> str:
    return " ".join(shlex.quote(part) for part in (sys.executable, "-m", "sparring", *args))


def test_two_answers_stand_side_by_side_in_a_terminal(terminal) -> None:  # type: ignore[no-untyped-def]
    screen = terminal(
        sparring_command(
            "headlines", str(SAMPLE_DRAFT), "-m", "local", "--vs", "local", "--count", "3"
        )
    ).wait_for(lambda text: "EXITED" in text)
    assert "EXITED 0" in screen
    panel_tops = [line for line in screen.splitlines() if line.startswith("╭")]
    # One line holds both panels' top borders: the answers are side by side.
    assert len(panel_tops) == 1
    assert panel_tops[0].count("local, on this machin") == 2
    assert screen.count("tok/s") == 2
