"""Files are data, checked at the door: a bad session file or index stops nothing.

A session file of the wrong shape (a hand edit, a broken disk, another tool)
is refused when it is read, in one line naming the file and the field; the
listings (`sessions`, `stats`, the TUI's browser) skip it and list the good
ones; `replay` and `export` of it end in that one line and exit 65. The
sessions index is only a cache: of the wrong shape, it is rebuilt.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fakes import FakeOllama
from helpers import Runner, write_config
from sparring.cli import main
from sparring.sessions import catalog, store
from sparring.sessions.model import Reply, Session, Turn

GOOD = "20260102T030405-900d900d.toml"

#: A session file that is fine but for one field; `{}` holds what is changed.
VALID = """format = 2
id = "{id}"
created = "2026-01-01T10:00:00+00:00"
title = "headlines: trees"
egress = []
{top}
[context]
text = "Our city should plant trees."
sources = ["draft.md"]

[[turns]]
task = "headlines"
user = "Here is my text"
{turn}
[[turns.replies]]
model = "local"
status = "ok"
text = {text}
{reply}
"""

DEEP = "[" * 100_000 + "]" * 100_000

#: (name, what is wrong, the field the one line names)
MALFORMED = [
    ("writer-text", {"top": 'writer = "abc"'}, "writer must be a whole number"),
    ("input-tokens", {"reply": "input_tokens = 5\n"}, None),  # valid: the control case
    ("text-number", {"text": "12345"}, "turns[0].replies[0].text must be text, not the number"),
    ("reply-text-number", {"reply": "ttft = 1.5\nseconds = 2\noutput_tokens = 3"}, None),
    (
        "ttft-text",
        {"reply": 'ttft = "fast"'},
        'turns[0].replies[0].ttft must be a number, not the text "fast"',
    ),
    (
        "tokens-text",
        {"reply": 'input_tokens = "212"'},
        "turns[0].replies[0].input_tokens must be a whole number",
    ),
    (
        "status-unknown",
        {"reply": 'exit_code = "x"'},
        "turns[0].replies[0].exit_code must be a whole number",
    ),
    (
        "items-text",
        {"reply": "items = [{ text = 12345 }]"},
        "turns[0].replies[0].items[0].text must be text",
    ),
    ("deep-array", {"reply": f"cost = {DEEP}"}, "nested too deeply"),
    ("turn-not-table", {"turn": 'think = ["a"]'}, "turns[0].think must be text"),
    (
        "vote-no-turn",
        {"top": 'votes = [{ turn = 7, order = ["a", "b"] }]'},
        "votes[0].turn names no turn",
    ),
    ("cost-nan", {"reply": "cost = nan"}, "turns[0].replies[0].cost must be a finite number"),
]
BAD = [case for case in MALFORMED if case[2] is not None]


def session_text(session_id: str, **parts: str) -> str:
    return VALID.format(
        id=session_id,
        top=parts.get("top", ""),
        turn=parts.get("turn", ""),
        reply=parts.get("reply", ""),
        text=parts.get("text", '"1. Trees"'),
    )


def write_sessions(home: Path) -> Path:
    """The good session, and one file per malformed case."""
    folder = home / "sessions"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / GOOD).write_text(session_text("900d900d"))
    for index, (name, parts, _) in enumerate(MALFORMED):
        (folder / f"20260101T00000{index % 10}-{name}.toml").write_text(
            session_text(f"{index:08x}", **parts)
        )
    return folder


class TestABadSessionFile:
    def test_the_listings_skip_it_in_one_line_and_list_the_good_ones(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        write_sessions(sparring_home)
        (sparring_home / "sessions" / "20260101T000000-not-toml.toml").write_bytes(b"\xff\x00 [[")
        listing = sparring("sessions")
        assert listing.code == 0, listing.stderr
        assert "900d900d" in listing.stdout
        assert "Traceback" not in listing.stderr
        skipped = listing.stderr.splitlines()
        for name, _, said in BAD:
            [line] = [line for line in skipped if f"-{name}.toml" in line]
            assert said in line, line
        stats = sparring("stats")
        assert stats.code == 0, stats.stderr
        assert "headlines" in stats.stdout and "local" in stats.stdout
        assert "Traceback" not in stats.stderr

    @pytest.mark.parametrize(("name", "parts", "said"), BAD, ids=[case[0] for case in BAD])
    @pytest.mark.parametrize(
        "command", [["replay", "--print"], ["export"], ["export", "--format", "json"]]
    )
    def test_replay_and_export_of_it_say_so_in_one_line(
        self,
        sparring_home: Path,
        capsys: pytest.CaptureFixture[str],
        name: str,
        parts: dict[str, str],
        said: str,
        command: list[str],
    ) -> None:
        path = sparring_home / "bad.toml"
        sparring_home.mkdir(parents=True, exist_ok=True)
        path.write_text(session_text("0badf11e", **parts))
        code = main([command[0], str(path), *command[1:]])
        out, err = capsys.readouterr()
        assert code == 65
        assert out == ""
        [line] = err.splitlines()
        assert line.startswith(f"sparring: error: {path}: not a readable session: ")
        assert said in line

    def test_a_dir_or_a_dangling_symlink_named_like_a_session_is_not_one(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        folder = write_sessions(sparring_home)
        (folder / "20260103T000000-d1d1d1d1.toml").mkdir()
        (folder / "20260104T000000-5e5e5e5e.toml").symlink_to(folder / "gone.toml")
        listing = sparring("sessions")
        assert listing.code == 0 and "900d900d" in listing.stdout
        assert "d1d1d1d1" not in listing.output and "5e5e5e5e" not in listing.output
        replay = sparring("replay", "d1d1", "--print")
        assert replay.code == 2 and "no session with ID 'd1d1'" in replay.stderr
        assert "Traceback" not in replay.stderr


class TestTheIndex:
    @pytest.mark.parametrize(
        "index",
        [
            [],
            {"version": 3, "files": []},
            {"version": 3, "files": {GOOD: 5}},
            {"version": 3, "files": {GOOD: {"stamp": "STAMP", "entry": {"id": 5}}}},
            {
                "version": 3,
                "files": {GOOD: {"stamp": "STAMP", "entry": {"id": "x", "replies": [{"turn": 0}]}}},
            },
            "[" * 100_000,
            "not json",
        ],
        ids=[
            "list",
            "files-list",
            "record-number",
            "entry-id-number",
            "replies-wrong",
            "deep",
            "text",
        ],
    )
    def test_of_the_wrong_shape_it_is_rebuilt(self, sparring_home: Path, index: object) -> None:
        folder = sparring_home / "sessions"
        folder.mkdir(parents=True)
        (folder / GOOD).write_text(session_text("900d900d"))
        status = (folder / GOOD).stat()
        stamp = json.dumps([status.st_mtime_ns, status.st_size])
        text = index if isinstance(index, str) else json.dumps(index)
        (folder / catalog.INDEX_NAME).write_text(text.replace('"STAMP"', stamp))
        [entry] = catalog.entries()
        assert entry.id == "900d900d" and entry.readable
        # Rebuilt: the next listing reads it back whole.
        rebuilt = json.loads((folder / catalog.INDEX_NAME).read_text())
        assert rebuilt["files"][GOOD]["entry"]["id"] == "900d900d"
        assert catalog.entries() == [entry]


class TestWhatIsSavedIsReadBack:
    def test_a_session_sparring_wrote_passes_the_door(self, sparring_home: Path) -> None:
        session = Session(
            turns=[Turn(task="t", user="u", replies=[Reply(model="m", status="ok", ttft=0.5)])]
        )
        path = store.save(session)
        assert store.open_session(str(path)) == session
        assert os.stat(path).st_mode & 0o777 == 0o600


class TestTheConfig:
    @pytest.mark.parametrize(
        ("text", "line", "said"),
        [
            ("temperature = nan\n", 1, "'temperature' must be from 0 to 2, not nan"),
            ("temperature = 7\n", 1, "'temperature' must be from 0 to 2, not 7.0"),
            ('default_model = "local"\nstall_timeout = 0\n', 2, "'stall_timeout' must be from"),
            ("max_tokens = -5\n", 1, "'max_tokens' must be from 1 to 1e+06, not -5"),
            ("thinking_budget = -1\n", 1, "'thinking_budget' must be from 0"),
            ("max_context_chars = 0\n", 1, "'max_context_chars' must be from 1"),
            ("[local]\nn_ctx = 0\n", 2, "'local.n_ctx' must be from 16"),
            ("[local]\nthreads = -2\n", 2, "'local.threads' must be from 1"),
            (
                '[pricing."x"]\ninput_per_million = -1.0\noutput_per_million = 1.0\n',
                2,
                "'pricing.x.input_per_million' must be from 0",
            ),
        ],
    )
    def test_a_number_out_of_range_names_the_file_the_line_and_the_key(
        self, sparring: Runner, sparring_home: Path, text: str, line: int, said: str
    ) -> None:
        path = write_config(sparring_home, text)
        result = sparring("headlines", input="draft")
        assert result.code == 2
        [error] = result.stderr.splitlines()
        assert error.startswith(f"sparring: error: {path}, line {line}: ")
        assert said in error

    def test_an_array_nested_too_deeply_is_one_line(
        self, sparring_home: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        path = write_config(sparring_home, "compare = " + "[" * 50_000 + "]" * 50_000 + "\n")
        assert main(["models"]) == 2
        [error] = capsys.readouterr().err.splitlines()
        assert error.startswith(f"sparring: error: {path}: not valid TOML (nested too deeply")


class TestPromptFiles:
    def test_a_broken_user_prompt_stops_only_its_own_task(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        folder = sparring_home / "prompts"
        folder.mkdir(parents=True)
        (folder / "broken.toml").write_text('system = "s"\ntemplate = "{{context}}"\n')
        (folder / "dir.toml").mkdir()
        listing = sparring("prompts")
        assert listing.code == 0, listing.stderr
        [row] = [line for line in listing.stdout.splitlines() if line.startswith("broken ")]
        assert "never uses {context}" in row
        assert "dir" not in listing.stdout.split()
        with FakeOllama(models=("qwen3:4b",)) as server:
            works = sparring(
                "headlines", "-m", "ollama:qwen3:4b", input="draft", env={"OLLAMA_HOST": server.url}
            )
        assert works.code == 0, works.stderr
        refused = sparring("broken", "-m", "local", input="draft")
        assert refused.code == 2
        [error] = refused.stderr.splitlines()
        assert str(folder / "broken.toml") in error and "never uses {context}" in error

    def test_a_prompt_named_like_a_command_says_how_to_use_it(
        self, sparring_home: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        folder = sparring_home / "prompts"
        folder.mkdir(parents=True)
        (folder / "sessions.toml").write_text('system = "s"\ntemplate = "{context}"\n')
        assert main(["prompts"]) == 0
        [row] = [
            line for line in capsys.readouterr().out.splitlines() if line.startswith("sessions")
        ]
        assert "named like `sparring sessions`: run it in the TUI, or rename the file" in row


class TestInputIsReadWithABound:
    @pytest.mark.parametrize("how", ["file", "stdin"])
    def test_dev_zero_ends_in_the_usual_line(self, sparring: Runner, how: str) -> None:
        if how == "file":
            result = sparring("headlines", "/dev/zero", "-m", "local")
        else:
            with open("/dev/zero", "rb") as zeros:
                result = sparring("headlines", "-m", "local", input=None, stdin=zeros)
        assert result.code == 65, result.stderr
        [line] = result.stderr.splitlines()
        assert "is more than 400,000 characters; the limit is 400,000" in line

    def test_an_endless_pipe_of_text_too(self, sparring_home: Path) -> None:
        endless = subprocess.Popen(["yes", "a line of a draft"], stdout=subprocess.PIPE)
        assert endless.stdout is not None
        try:
            done = subprocess.run(
                [sys.executable, "-m", "sparring", "headlines", "-m", "local"],
                stdin=endless.stdout,
                capture_output=True,
                timeout=60,
                check=False,
            )
        finally:
            endless.kill()
            endless.wait()
        assert done.returncode == 65
        assert b"more than 400,000 characters" in done.stderr and b"Traceback" not in done.stderr


class TestFileNamesArePaths:
    def test_a_name_that_is_not_utf8_works_and_is_saved(
        self, sparring: Runner, sparring_home: Path, tmp_path: Path
    ) -> None:
        name = os.fsdecode(tmp_path / os.fsdecode(b"draft\xff.md"))
        Path(name).write_text("Our city should plant trees.\n")
        with FakeOllama(models=("qwen3:4b",)) as server:
            result = sparring(
                "headlines", name, "-m", "ollama:qwen3:4b", env={"OLLAMA_HOST": server.url}
            )
        assert result.code == 0, result.stderr
        [session] = store.iter_sessions()
        assert isinstance(session, Session)
        assert session.context.sources == [str(tmp_path / "draft\\xff.md")]
        # No temp file left behind by a failed save.
        assert list((sparring_home / "sessions").glob(".*.tmp")) == []

    def test_an_instruction_that_is_not_utf8_is_saved(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        with FakeOllama(models=("qwen3:4b",)) as server:
            result = sparring(
                "--ask",
                os.fsdecode(b"why \xff?"),
                "-m",
                "ollama:qwen3:4b",
                input="Our city should plant trees.",
                env={"OLLAMA_HOST": server.url},
            )
            [request] = server.chat_requests
        assert result.code == 0, result.stderr
        [session] = store.iter_sessions()
        assert isinstance(session, Session)
        assert session.turns[0].instruction == "why \ufffd?"
        assert "why \ufffd?" in request.body["messages"][-1]["content"]
        assert list((sparring_home / "sessions").glob(".*.tmp")) == []
