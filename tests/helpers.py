"""What the test modules share: the canary keys, the sample draft, running `sparring`
as a user would, and reading what it saved.

Fixtures and hooks stay in conftest.py; everything a test imports by name is here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

CANARY_OPENAI = "sk-canary-openai-7f3e9b2d41c8"
CANARY_ANTHROPIC = "sk-ant-canary-5a1d0c6e92f4"
CANARY_GROQ = "gsk-canary-groq-83b2e71c"
#: Sent by ollama-python as a bearer token when set (BaseClient.__init__).
CANARY_OLLAMA = "ollama-canary-2c9d4f70e1"
CANARIES = (CANARY_OPENAI, CANARY_ANTHROPIC, CANARY_GROQ, CANARY_OLLAMA)
REPO = Path(__file__).resolve().parent.parent
SAMPLE_DRAFT = REPO / "tests" / "data" / "draft.md"
DRAFT = b"Our city should plant ten thousand trees by 2030."

# Every output of every `sparring` run in the suite, searched for the canary keys at the end.
OUTPUTS: list[str] = []


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


Runner = Callable[..., Result]


def run_sparring(
    *args: str,
    input: bytes | str | None = b"",
    env: dict[str, str] | None = None,
    timeout: float = 300,
    stdin: IO[bytes] | None = None,
) -> Result:
    """Run the real `sparring` command in a subprocess, as a user would; keep its output.

    `stdin` (a file, with `input=None`) is read instead of `input`: /dev/zero, say.
    """
    data = input.encode("utf-8") if isinstance(input, str) else input
    done = subprocess.run(
        [sys.executable, "-m", "sparring", *args],
        input=data,
        stdin=stdin,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
        # No controlling terminal: sparring must never wait for a key here.
        start_new_session=True,
    )
    result = Result(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )
    OUTPUTS.append(result.output)
    return result


def headlines(sparring: Runner, model: str, *flags: str, **env: str) -> Result:
    """`sparring headlines -m MODEL --free [FLAGS]` on DRAFT, with `env` added to the environment.

    --free: the answer as the server streams it, in one call, as the transport tests
    want (a local model's list is otherwise filled to the count, see tests/test_lists.py).
    """
    return sparring("headlines", "-m", model, "--free", *flags, input=DRAFT, env=env)


def read_exactly(stream: IO[bytes], size: int) -> bytes:
    """`size` bytes from a child's stdout, read from its file descriptor: a buffered
    `stream.read(size)` may take more from the pipe than it returns, and
    `communicate()`, which reads the descriptor, would then never see them."""
    data = b""
    while len(data) < size:
        piece = os.read(stream.fileno(), size - len(data))
        if not piece:
            break
        data += piece
    return data


def write_config(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def saved_sessions(home: Path) -> list[Path]:
    return sorted((home / "sessions").glob("*.toml"))


def only_reply(home: Path) -> dict[str, Any]:
    """The one reply of the one session saved under `home`, as written on disk."""
    [path] = saved_sessions(home)
    [reply] = tomllib.loads(path.read_text())["turns"][0]["replies"]
    return reply


def canary_leaks(folder: Path, outputs: list[str]) -> list[str]:
    """Where a canary key shows up: any file under `folder`, or any recorded output."""
    leaks = [
        f"output #{index}"
        for index, text in enumerate(outputs)
        if any(canary in text for canary in CANARIES)
    ]
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            if any(canary.encode() in data for canary in CANARIES):
                leaks.append(str(path))
    return leaks
