"""The real `sparring` command in a real terminal (tmux), as a writer runs it."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from fakes import DEFAULT_CHUNKS, FakeOllama, Reply
from helpers import SAMPLE_DRAFT, only_reply
from terminal import TerminalFactory, sparring_command

pytestmark = pytest.mark.model


def test_two_answers_stand_side_by_side_in_a_terminal(terminal: TerminalFactory) -> None:
    screen = terminal(
        sparring_command(
            "headlines", str(SAMPLE_DRAFT), "-m", "local", "--vs", "local", "--count", "3"
        )
    ).wait_for(lambda text: "EXITED" in text)
    assert "EXITED 0" in screen
    panel_tops = [line for line in screen.splitlines() if line.startswith("╭")]
    # One line holds both panels' top borders: the answers are side by side.
    assert len(panel_tops) == 1, screen
    assert panel_tops[0].count("local · on this mach") == 2, screen
    assert screen.count("tok/s") == 2


def test_the_tui_takes_a_piped_draft_runs_the_embedded_model_and_restores_the_terminal(
    terminal: TerminalFactory,
) -> None:
    screen = terminal(f"cat {SAMPLE_DRAFT} | " + sparring_command("-m", "local"))
    opened = screen.wait_for(lambda text: "Draft" in text and "f5 Run" in text)
    # The piped draft is in the context pane; keys come from the terminal.
    assert "Why our city needs ten" in opened
    screen.keys("F5")
    answered = screen.wait_for(lambda text: "tok/s" in text, timeout=300)
    assert "local · on this machine" in answered
    screen.keys("C-q")
    closed = screen.wait_for(lambda text: "EXITED" in text)
    assert "EXITED 0" in closed
    # The embedded model was released before the interpreter's teardown: nothing printed.
    assert "Exception ignored" not in closed and "Traceback" not in closed, closed
    # The alternate screen and mouse reporting are off again: the shell is back.
    assert screen.flags() == {"alternate_on": "0", "mouse_any_flag": "0"}
    assert "f5 Run" not in closed


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_in_the_tui_save_the_session_and_restore_the_terminal(
    terminal: TerminalFactory, sparring_home: Path, signum: int
) -> None:
    with FakeOllama(models=("qwen3:4b",)) as server:
        server.script(Reply(delay=1.0))
        screen = terminal(
            f"cat {SAMPLE_DRAFT} | " + sparring_command("-m", "ollama:qwen3:4b"),
            {"OLLAMA_HOST": server.url},
        )
        screen.wait_for(lambda text: "f5 Run" in text)
        screen.keys("F5")
        screen.wait_for(lambda text: DEFAULT_CHUNKS[0] in text)
        os.kill(screen.child_pid(), signum)
        closed = screen.wait_for(lambda text: "EXITED" in text)
    assert f"EXITED {128 + signum}" in closed
    assert screen.flags() == {"alternate_on": "0", "mouse_any_flag": "0"}
    reply = only_reply(sparring_home)
    assert reply["text"].startswith(DEFAULT_CHUNKS[0])
    assert reply["status"] in ("cancelled", "interrupted")
