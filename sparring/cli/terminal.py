"""The one place the command line talks to the writer's terminal (/dev/tty).

Questions are asked on /dev/tty rather than stdin and stdout, so a piped
draft and an answer going into a file do not matter: the writer still sees
the question and answers it. Everything written here passes `visible`, so a
file name or a model name cannot send an escape sequence to the terminal.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO, TextIO

from sparring.egress import EgressRequest
from sparring.errors import EgressRefused
from sparring.judging import blind
from sparring.visible import visible


def is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):
        return False


@contextmanager
def _tty() -> Iterator[BinaryIO | None]:
    try:
        # Unbuffered bytes: a text wrapper opened "r+" on a tty fails (it is not seekable).
        terminal = open("/dev/tty", "rb+", buffering=0)  # noqa: SIM115
    except OSError:
        yield None
        return
    with terminal:
        yield terminal


def ask_line(text: str) -> str | None:
    """Show `text` on the terminal and read a line; None when there is no terminal."""
    with _tty() as terminal:
        if terminal is None:
            return None
        terminal.write(visible(text).encode())
        return terminal.readline().decode(errors="replace")


def ask_yes_no(question: str) -> bool | None:
    """Ask a [y/N] question: True for y or yes; None when there is no terminal to ask on."""
    answer = ask_line(question)
    if answer is None:
        return None
    return answer.strip().lower() in ("y", "yes")


def confirm_egress(request: EgressRequest) -> bool | None:
    """Show what would leave the machine and ask; None when there is no terminal to ask on."""
    lines = ["sparring: the context is about to leave this machine"]
    lines += [f"  {line}" for line in request.describe()]
    return ask_yes_no("\n".join(lines) + "\nSend it? [y/N] ")


async def terminal_confirm(request: EgressRequest) -> bool:
    """The egress gate's question, asked on the terminal; refused when there is none."""
    answer = await asyncio.to_thread(confirm_egress, request)
    if answer is None:
        raise EgressRefused(
            f"not sending the context to {', '.join(request.destinations)} without confirmation, "
            "and there is no terminal to ask on",
            hint="pass --yes to allow it, or pick a local model",
        )
    return answer


def ask_vote() -> str | None:
    """Ask for a blind vote: a choice, "" to skip, or None when there is no terminal."""
    with _tty() as terminal:
        if terminal is None:
            return None
        for _attempt in range(3):
            terminal.write(blind.QUESTION.encode())
            line = terminal.readline()
            if not line:  # end of input: nobody is there to answer
                return ""
            answer = line.decode(errors="replace").strip().lower()
            if answer in blind.SKIP:
                return ""
            choice = blind.parse_choice(answer)
            if choice is not None:
                return choice
            terminal.write(b"Type a, b, t, n or s, then Enter.\n")
    return ""


def attach_keyboard(stdin_was_piped: bool) -> bool:
    """True when a full-screen app can draw and read keys; re-opens a piped stdin from /dev/tty."""
    if not is_terminal(sys.stdout):
        return False
    if stdin_was_piped or not is_terminal(sys.stdin):
        try:
            terminal = os.open("/dev/tty", os.O_RDWR)
        except OSError:
            return False
        os.dup2(terminal, 0)
        os.close(terminal)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    return True
