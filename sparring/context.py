"""Gathering the writer's context: files named on the command line, or piped stdin."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sparring.errors import BadInput, NoInput


@dataclass
class Gathered:
    text: str = ""
    sources: list[str] = field(default_factory=list)


def read_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NoInput(f"no such file: {path}", hint="check the path") from None
    except IsADirectoryError:
        raise NoInput(f"{path} is a directory", hint="name the files inside it") from None
    except OSError as error:
        raise NoInput(f"cannot read {path}: {error.strerror}") from None
    return decode(data, str(path))


def decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        source = "" if where == "stdin" else f" {where}"
        raise BadInput(
            f"{where} is not UTF-8 text (byte {error.start} is 0x{data[error.start]:02x})",
            hint=f"convert it first, e.g. iconv -f latin1 -t utf-8{source}",
        ) from None


def gather(
    files: list[str], stdin: BinaryIO | None, *, max_chars: int, required: bool = True
) -> Gathered:
    """The context from `files`, else from `stdin` when it is piped.

    Several files are joined, each under a line naming it, so the model can tell
    them apart. Raises NoInput when nothing (or only whitespace) was given.
    """
    gathered = Gathered()
    if files:
        texts = [(name, read_file(Path(name))) for name in files]
        if len(texts) == 1:
            gathered.text = texts[0][1]
        else:
            gathered.text = "\n\n".join(f"--- {name} ---\n{text}" for name, text in texts)
        gathered.sources = list(files)
    elif stdin is not None:
        gathered.text = decode(stdin.read(), "stdin")
        gathered.sources = ["stdin"]
    if required and not gathered.text.strip():
        if gathered.sources == ["stdin"]:
            raise NoInput(
                "stdin was empty", hint="pipe a draft in: cat draft.md | sparring headlines"
            )
        if gathered.sources:
            raise NoInput(
                f"{', '.join(gathered.sources)}: empty", hint="name a file with text in it"
            )
        raise NoInput(
            "no context given", hint="pipe a draft in, or name files: sparring headlines draft.md"
        )
    if len(gathered.text) > max_chars:
        raise BadInput(
            f"the context is {len(gathered.text):,} characters; the limit is {max_chars:,}",
            hint="pass fewer or shorter files, or raise max_context_chars in config.toml",
        )
    return gathered


def piped_stdin() -> BinaryIO | None:
    """stdin's bytes when something is piped in; None for a terminal or no stdin at all."""
    stream = sys.stdin
    if stream is None:
        return None
    try:
        if stream.isatty():
            return None
    except (ValueError, OSError):
        return None
    return stream.buffer
