"""The real `sparring` command in a real terminal (tmux), as a writer runs it."""

from __future__ import annotations

import pytest
from terminal import TerminalFactory, sparring_command

from conftest import SAMPLE_DRAFT

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
    assert panel_tops[0].count("local, on this machin") == 2, screen
    assert screen.count("tok/s") == 2
