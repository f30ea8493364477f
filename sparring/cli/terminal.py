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
from collections.abc import Callable, Iterator
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


#: The key that shows both blind answers again, whole, in a pager, before the vote.
READ_AGAIN = "r"


def ask_vote(read_again: Callable[[], None] | None = None) -> str | None:
    """Ask for a blind vote, one key (no Enter): a choice, "" to skip, None without a terminal.

    With `read_again`, the key r calls it (a pager with both answers) and asks again.
    """
    question = blind.QUESTION
    if read_again is not None:
        question = question.replace("[s] skip", "[r] read again  [s] skip")
    with _tty() as terminal:
        if terminal is None:
            return None
        terminal.write(question.encode())
        pending: list[str] = []
        for _attempt in range(8):
            key = read_key(terminal, pending)
            if key is None:  # end of input: nobody is there to answer
                terminal.write(b"\n")
                return ""
            if len(key) > 1 and key.startswith("\x1b"):
                continue  # an arrow or a function key: not an answer
            answer = key.strip().lower()
            if not answer:
                continue  # Enter or a space: keep waiting for the choice
            if answer in blind.SKIP or key == "\x1b":
                terminal.write(b"skip\n")
                return ""
            if answer == READ_AGAIN and read_again is not None:
                terminal.write(b"\n")
                read_again()
                terminal.write(question.encode())
                continue
            choice = blind.parse_choice(answer)
            if choice is not None:
                terminal.write(f"{answer}\n".encode())
                return choice
            terminal.write(b"\nType a, b, t, n or s. ")
        terminal.write(b"\n")
    return ""


def read_key(terminal: BinaryIO, pending: list[str]) -> str | None:
    """The next key from the terminal, without waiting for Enter; None at the end of input.

    Keys typed together arrive in one read: the ones not returned yet wait in
    `pending` for the next call. The terminal is put in cbreak mode (no echo,
    no line editing; Ctrl-C still interrupts) for each read, and restored
    after. Where that cannot be done (not a real terminal), a line is read.
    """
    if not pending:
        data = _read_raw(terminal)
        if not data:
            return None
        pending.extend(split_keys(data.decode(errors="replace")))
    return pending.pop(0)


def _read_raw(terminal: BinaryIO) -> bytes:
    import termios
    import tty

    descriptor = terminal.fileno()
    try:
        before = termios.tcgetattr(descriptor)
    except termios.error:
        return terminal.readline()
    try:
        tty.setcbreak(descriptor)
        return os.read(descriptor, 64)
    finally:
        termios.tcsetattr(descriptor, termios.TCSADRAIN, before)


def split_keys(text: str) -> list[str]:
    """`text` as keys: an escape sequence (an arrow, a function key) whole, else a character."""
    keys: list[str] = []
    start = 0
    while start < len(text):
        end = start + 1
        if text[start] == "\x1b" and end < len(text) and text[end] in "[O":
            end += 1
            while end < len(text) and not (text[end].isalpha() or text[end] == "~"):
                end += 1
            end += 1
        keys.append(text[start:end])
        start = end
    return keys


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
