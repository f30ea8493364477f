"""A new writer's first hour, in a real terminal (tmux), at 120x36 and at 80x24.

The real `sparring` command with no config but an endpoint: open a draft, pick
the models from the picker, run, follow up, star an idea, a blind vote, the
stats, the session browser, export the keepers, quit. The models are fake
servers speaking Ollama's and OpenAI's protocols (tests/fakes): no model, no
network, no key.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes import FakeOllama, FakeOpenAI, Reply
from helpers import SAMPLE_DRAFT, saved_sessions, write_config
from sparring.sessions import store
from terminal import Terminal, TerminalFactory, sparring_command

LOCAL_LIST = ("1. Rooftop forests cool the city\n", "2. Shade is a public good\n")
CLOUD_LIST = ("1. The cheapest air conditioner is a tree\n", "2. Every street a canopy\n")


@pytest.fixture
def servers(sparring_home: Path) -> Iterator[dict[str, str]]:
    """Ollama with one local model, and an OpenAI-compatible endpoint `lab` in the cloud."""
    with FakeOllama(models=("llama3.2:1b",), cloud_models=()) as ollama, FakeOpenAI() as lab:
        ollama.script(
            Reply(chunks=LOCAL_LIST), Reply(chunks=("Shade pays.",)), Reply(chunks=LOCAL_LIST)
        )
        lab.script(
            Reply(chunks=CLOUD_LIST), Reply(chunks=("Trees pay.",)), Reply(chunks=CLOUD_LIST)
        )
        write_config(
            sparring_home,
            f'[endpoints.lab]\nbase_url = "{lab.base_url}"\nlocation = "cloud"\n'
            # Lists as the model writes them: one call an answer, as scripted here.
            '[models."ollama:llama3.2:1b"]\nexact_count = false\n',
        )
        yield {"OLLAMA_HOST": ollama.url}


def pick(screen: Terminal, key: str, typed: str, picked: str) -> None:
    """Open the picker with `key`, filter by `typed`, take the highlighted model."""
    screen.keys(key)
    screen.wait_for(lambda text: "type to filter" in text or "Compare one more" in text)
    # The servers are asked as the picker opens; their models come a moment later.
    screen.wait_for(lambda text: "Escape cancels" in text and "asking" not in text)
    screen.keys(typed)
    screen.wait_for(lambda text: picked in text)
    screen.keys("Enter")
    screen.wait_for(lambda text: "type to filter" not in text)


@pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=["120x36", "80x24"])
def test_a_new_writers_first_hour(
    terminal: TerminalFactory,
    servers: dict[str, str],
    sparring_home: Path,
    tmp_path: Path,
    size: tuple[int, int],
) -> None:
    draft = tmp_path / "trees.md"
    draft.write_text(SAMPLE_DRAFT.read_text(encoding="utf-8"), encoding="utf-8")
    width, height = size
    screen = terminal(f"cd {tmp_path} && " + sparring_command(), servers, width, height)
    first = screen.wait_for(lambda text: "f5 Run" in text)
    assert "^q Quit" in first and "f7 Model" in first  # the footer keeps them, at any width

    # Open a draft.
    screen.keys("C-o")
    screen.wait_for(lambda text: "Open a file into the draft" in text)
    screen.keys(str(draft), "Enter")
    screen.wait_for(lambda text: "from " in text and "trees.md" in text)

    # The embedded model is the first column; pick an Ollama model instead, add the cloud one.
    pick(screen, "F7", "llama", "ollama:llama3.2:1b")
    screen.wait_for(lambda text: "ollama:llama3.2:1b" in text)
    pick(screen, "F2", "gpt-4o", "lab:gpt-4o-mini")
    screen.wait_for(lambda text: "lab:gpt-4o-mini" in text)

    # Run: the draft may leave the machine only once the writer says so, before anything streams.
    screen.keys("F5")
    asked = screen.wait_for(lambda text: "about to leave this machine" in text)
    assert "streaming" not in asked
    screen.keys("y")
    # Both answers, their figures, and the footer back to Run: the turn is done.
    screen.wait_for(
        lambda text: (
            "Rooftop forests" in text
            and "air conditioner" in text
            and "tok/s" in text
            and "f5 Run" in text
        )
    )

    # Follow up from the follow-up line (ctrl+f); both answers come into view.
    screen.keys("C-f")
    screen.wait_for(lambda text: "Type the follow-up" in text)
    screen.keys("in one line?")
    screen.wait_for(lambda text: "in one line?" in text)
    screen.keys("Enter")
    screen.wait_for(lambda text: "Shade pays." in text and "Trees pay." in text)

    # Star an idea: back to the last column (shift+tab), into its items, Enter.
    screen.keys("BTab", "End", "Enter")
    screen.wait_for(lambda text: "▸☆ The cheapest air conditioner" in text)  # the highlighted idea
    screen.keys("Enter")
    screen.wait_for(lambda text: "▸★ The cheapest air conditioner" in text)

    # A blind round: A and B, then the vote is asked on screen; a key casts it.
    screen.keys("F8")
    screen.wait_for(lambda text: "Blind on" in text)
    screen.keys("F5")
    # The question, and the vote keys in the footer (the footer is redrawn a moment later).
    vote = screen.wait_for(lambda text: "Which is better?" in text and "a A better" in text)
    assert "n Both bad" in vote and "f5 Run" not in vote
    screen.keys("a")
    screen.wait_for(lambda text: "A was" in text)

    # The stats, then the session browser (one Down and Enter open the newest session).
    screen.keys("F9")
    screen.wait_for(lambda text: "Stats: this session" in text)
    screen.keys("Escape")
    screen.wait_for(lambda text: "Stats: this session" not in text)
    screen.keys("C-r")
    screen.wait_for(lambda text: "filter (fuzzy)" in text and "headlines" in text)
    screen.keys("Down", "Enter")
    screen.wait_for(lambda text: "read-only" in text)
    screen.keys("Escape")
    screen.wait_for(lambda text: "f5 Run" in text and "read-only" not in text, timeout=30)

    # Export the keepers from the palette: they go beside the draft.
    screen.keys("C-p")
    screen.wait_for(lambda text: "Search for commands" in text)
    screen.keys("Export keepers")
    screen.wait_for(lambda text: "Write the keepers" in text)
    screen.keys("Enter")
    screen.wait_for(lambda text: "Export the keepers as Markdown to" in text)
    screen.keys("Enter")
    exported = tmp_path / "trees-keepers.md"
    screen.wait_for(lambda text: exported.exists())
    assert "The cheapest air conditioner is a tree" in exported.read_text(encoding="utf-8")

    # Quit: the shell is back, nothing printed on the way out.
    screen.keys("C-q")
    done = screen.wait_for(lambda text: "EXITED" in text)
    assert "EXITED 0" in done
    assert "Traceback" not in done and "Exception ignored" not in done
    [path] = saved_sessions(sparring_home)
    session = store.open_session(str(path))
    assert [turn.task for turn in session.turns] == ["headlines", "follow-up", "headlines"]
    assert session.votes[0].choice == "A" and session.keepers
    assert session.context.sources == [str(draft)]
