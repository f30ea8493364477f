"""Gathering the writer's context: files named on the command line, or piped stdin.

Each file (and stdin) is read as the kind of document it is (see
sparring.documents): text as it is, Word, OpenDocument, PDF, HTML and RTF as
Markdown, so the context is the text that will be sent.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sparring.documents import Document, read_document
from sparring.documents.kinds import may_be_document
from sparring.errors import BadInput, NoInput


@dataclass
class Gathered:
    text: str = ""
    sources: list[str] = field(default_factory=list)
    #: What the writer should be told about the files (e.g. PDF pages without text).
    warnings: list[str] = field(default_factory=list)


#: How much of a file is read to tell its kind before the rest.
HEAD_BYTES = 64 * 1024
#: A document (Word, PDF, HTML...) can hold far more bytes than text: read up to this much.
MAX_DOCUMENT_BYTES = 512 * 2**20


def read_file(path: Path, *, max_chars: int = 400_000) -> Document:
    """The draft in the file at `path`, converted to Markdown if it is a document.

    Read with a bound (see `read_bounded`), so `/dev/zero` or an endless pipe ends in
    one line; any bytes work as a file name.
    """
    where = path_text(path)
    try:
        with open(path, "rb") as source:
            data = read_bounded(source, where, max_chars)
    except FileNotFoundError:
        raise NoInput(f"no such file: {where}", hint="check the path") from None
    except IsADirectoryError:
        raise NoInput(f"{where} is a directory", hint="name the files inside it") from None
    except OSError as error:
        raise NoInput(f"cannot read {where}: {error.strerror}") from None
    return read_document(data, where)


def read_bounded(source: BinaryIO, where: str, max_chars: int) -> bytes:
    """What `source` holds, read no further than `max_chars` characters of text could take
    (four bytes each in UTF-8), or a document could (MAX_DOCUMENT_BYTES); more is refused
    with the usual one line, before the rest is read."""
    head = source.read(HEAD_BYTES)
    limit = MAX_DOCUMENT_BYTES if may_be_document(head, where) else 4 * max_chars + 3
    data = head + source.read(max(limit + 1 - len(head), 0))
    if len(data) > limit:
        raise too_long(f"more than {max_chars:,}", max_chars, where)
    return data


def too_long(characters: str, max_chars: int, where: str = "") -> BadInput:
    source = f" ({where})" if where and where != "stdin" else ""
    return BadInput(
        f"the context{source} is {characters} characters; the limit is {max_chars:,}",
        hint="pass fewer or shorter files, or raise max_context_chars in config.toml",
    )


def path_text(path: str | Path) -> str:
    """A path as text to show and save: a name that is not UTF-8 (any bytes are a
    name) keeps its other bytes as \\xff escapes instead of failing the first save."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def gather(
    files: list[str], stdin: BinaryIO | None, *, max_chars: int, required: bool = True
) -> Gathered:
    """The context from `files`, else from `stdin` when it is piped.

    Several files are joined, each under a line naming it, so the model can tell
    them apart. Raises NoInput when nothing (or only whitespace) was given.
    """
    gathered = Gathered()
    if files:
        documents = [
            (path_text(name), read_file(Path(name), max_chars=max_chars)) for name in files
        ]
        if len(documents) == 1:
            gathered.text = documents[0][1].text
        else:
            gathered.text = "\n\n".join(
                f"--- {name} ---\n{document.text}" for name, document in documents
            )
        gathered.sources = [name for name, _ in documents]
        gathered.warnings = [warning for _, document in documents for warning in document.warnings]
    elif stdin is not None:
        document = read_document(read_bounded(stdin, "stdin", max_chars), "stdin")
        gathered.text = document.text
        gathered.sources = ["stdin"]
        gathered.warnings = list(document.warnings)
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
        raise too_long(f"{len(gathered.text):,}", max_chars)
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
