"""In a real terminal (tmux), nothing sparring prints or draws obeys an escape sequence.

Each case fills one source with sequences that set the window title (OSC 0),
write the clipboard (OSC 52) and clear the screen (CSI 2J), then checks the
terminal afterwards: the pane's title is what it was, tmux holds no paste
buffer (with `set-clipboard on`, an OSC 52 would make one), and the line
printed before the command is still on the screen. The sequences must be
there, shown (␛]0;…), so the case can see what it is looking for.
tests/tui/test_hostile_text.py checks every cell the TUI draws, under Textual's pilot.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fakes import FakeOllama, FakeOpenAI, Reply
from helpers import write_config
from sparring.items import Item
from sparring.sessions import store
from sparring.sessions.model import Context, Keeper, Session, Turn, Vote
from sparring.sessions.model import Reply as SavedReply
from terminal import Terminal, sparring_command

TITLE = "\x1b]0;PWNED\x07"
CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"
CLEAR = "\x1b[2J\x1b[H"
HOSTILE = f"{TITLE}{CLIPBOARD}{CLEAR}\x9b31m"
#: How the title sequence looks, shown.
SHOWN = "␛]0;PWNED␇"
BEFORE = "LINE-PRINTED-BEFORE"


class Watched:
    """A command in tmux, started only once the clipboard is watched and the title noted."""

    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            [*self.terminal.tmux, *args], capture_output=True, text=True, check=True
        ).stdout

    def start(self) -> None:
        self.tmux("set-option", "-g", "set-clipboard", "on")
        self.title = self.tmux("display", "-p", "#{pane_title}")
        self.tmux("wait-for", "-S", "go")

    def assert_nothing_obeyed(self, screen: str) -> None:
        assert self.tmux("display", "-p", "#{pane_title}") == self.title
        assert self.tmux("list-buffers") == ""
        assert BEFORE in self.terminal.screen()
        assert "PWNED" not in self.title


Run = Callable[..., tuple[Watched, str]]


@pytest.fixture
def watched(sparring_home: Path) -> Iterator[Run]:
    opened: list[Terminal] = []
    base = {key: os.environ[key] for key in ("SPARRING_HOME", "PATH", "HOME")}
    base["TERM"] = "xterm-256color"

    def run(
        command: str, env: dict[str, str] | None = None, until: str = "EXITED", keys: str = ""
    ) -> tuple[Watched, str]:
        # The pane waits for the go-ahead, so nothing it prints comes before the watch.
        held = f"tmux wait-for go; echo {BEFORE}; {command}"
        # Tall enough that no output scrolls the line printed before off the screen: tmux
        # moves a cleared screen into its history, so only the screen tells a clear.
        opened.append(Terminal(held, {**base, **(env or {})}, height=200))
        screen = Watched(opened[-1])
        screen.start()
        shown = screen.terminal.wait_for(lambda text: until in text)
        if keys:
            screen.terminal.keys(*keys.split(" "))
            shown = screen.terminal.wait_for(lambda text: "EXITED" in text)
        return screen, shown

    yield run
    for terminal in opened:
        terminal.close()


def hostile_session() -> Session:
    turn = Turn(
        task="headlines",
        user="Here is my text",
        output="list",
        replies=[
            SavedReply(
                model=f"local{HOSTILE}",
                backend=f"local:{HOSTILE}",
                status="ok",
                text=f"1. one {HOSTILE}\n2. two\n",
                items=[Item(f"one {HOSTILE}")],
            ),
            SavedReply(
                model="ollama:qwen3:4b", backend="ollama:qwen3:4b", status="ok", text="1. three\n"
            ),
        ],
    )
    failed = Turn(
        task="counter",
        user="Again",
        replies=[
            SavedReply(
                model="ollama:qwen3:4b",
                backend="ollama:qwen3:4b",
                status="error",
                error=f"boom {HOSTILE}",
            )
        ],
    )
    return Session(
        id="0badc0de",
        title=f"headlines: {HOSTILE}",
        context=Context(f"My draft {HOSTILE}", [f"draft{HOSTILE}.md"]),
        turns=[turn, failed],
        keepers=[Keeper(f"kept {HOSTILE}", f"local{HOSTILE}")],
        votes=[Vote(turn=0, order=[f"local{HOSTILE}", "ollama:qwen3:4b"])],
    )


@pytest.fixture
def saved(sparring_home: Path) -> Session:
    session = hostile_session()
    store.save(session)
    return session


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama(models=("qwen3:4b", "llama3.2:1b")) as server:
        yield server


class TestTheCommandLine:
    def test_an_answer_streamed_into_the_terminal(self, watched: Run, ollama: FakeOllama) -> None:
        ollama.script(Reply(chunks=[f"one {HOSTILE}", " two\n"]))
        screen, shown = watched(
            f"echo draft | {sparring_command('headlines', '-m', 'ollama:qwen3:4b', '--raw')}",
            {"OLLAMA_HOST": ollama.url},
        )
        assert SHOWN in shown and "EXITED 0" in shown
        screen.assert_nothing_obeyed(shown)

    def test_two_answers_side_by_side(self, watched: Run, ollama: FakeOllama) -> None:
        ollama.script(Reply(chunks=[f"1. one {HOSTILE}\n"]), Reply(chunks=[f"1. two {HOSTILE}\n"]))
        command = sparring_command(
            "headlines", "-m", "ollama:qwen3:4b", "--vs", "ollama:llama3.2:1b"
        )
        screen, shown = watched(f"echo draft | {command}", {"OLLAMA_HOST": ollama.url})
        assert SHOWN in shown
        screen.assert_nothing_obeyed(shown)

    def test_the_retry_notice_and_the_error_line_from_a_server(
        self, watched: Run, ollama: FakeOllama
    ) -> None:
        ollama.script(
            Reply(status=429, error_message=f"slow down {HOSTILE}"),
            Reply(status=400, error_message=f"no {HOSTILE}"),
        )
        screen, shown = watched(
            f"echo draft | {sparring_command('headlines', '-m', 'ollama:qwen3:4b')}",
            {"OLLAMA_HOST": ollama.url},
        )
        assert "retrying" in shown and shown.count(SHOWN) >= 2
        screen.assert_nothing_obeyed(shown)

    @pytest.mark.parametrize(
        "args",
        [
            ("replay", "0bad", "--print"),
            ("export", "0bad"),
            ("export", "0bad", "--format", "json"),
            ("sessions",),
            ("stats",),
            ("vote", "0bad", "a"),
        ],
        ids=lambda args: " ".join(args),
    )
    def test_a_session_file_printed(self, watched: Run, saved: Session, args: tuple[str]) -> None:
        screen, shown = watched(sparring_command(*args))
        assert "EXITED 0" in shown
        if args[0] != "export" or "json" not in args:
            assert "␛]0;PWNED" in shown or "␛]" in shown
        screen.assert_nothing_obeyed(shown)

    def test_a_rerun_prints_the_new_answers(
        self, watched: Run, saved: Session, ollama: FakeOllama
    ) -> None:
        ollama.script(Reply(chunks=[f"1. new {HOSTILE}\n"]))
        screen, shown = watched(
            sparring_command("rerun", "0bad", "-m", "ollama:qwen3:4b"),
            {"OLLAMA_HOST": ollama.url},
        )
        assert SHOWN in shown
        screen.assert_nothing_obeyed(shown)

    def test_the_egress_question_names_a_file(
        self, watched: Run, sparring_home: Path, tmp_path: Path
    ) -> None:
        with FakeOpenAI() as server:
            write_config(
                sparring_home,
                f'[endpoints.groq]\nbase_url = "{server.base_url}"\napi_key_env = "GROQ_API_KEY"\n',
            )
            draft = tmp_path / f"draft{TITLE}{CLIPBOARD}.md"
            draft.write_text("Our city should plant trees.\n")
            screen, shown = watched(
                sparring_command("headlines", str(draft), "-m", "groq:llama"),
                {"GROQ_API_KEY": "gsk-test-key-123"},
                until="Send it?",
                keys="n Enter",
            )
            assert server.chat_requests == []
        assert "EXITED 2" in shown and SHOWN in shown
        screen.assert_nothing_obeyed(shown)


class TestTheTUI:
    def test_a_draft_and_its_file_name(
        self, watched: Run, sparring_home: Path, tmp_path: Path
    ) -> None:
        draft = tmp_path / f"draft{TITLE}.md"
        draft.write_text(f"My draft {HOSTILE}\nsecond line\n")
        screen, shown = watched(
            sparring_command(str(draft), "-m", "local"), until="f5 Run", keys="C-q"
        )
        assert "EXITED 0" in shown
        screen.assert_nothing_obeyed(shown)

    def test_a_replayed_session(self, watched: Run, saved: Session) -> None:
        screen, shown = watched(sparring_command("replay", "0bad"), until="^q Quit", keys="C-q")
        assert "EXITED 0" in shown
        screen.assert_nothing_obeyed(shown)
