"""Gathering the writer's context: files named on the command line, or piped stdin.

Each file (and stdin) is read as the kind of document it is (see
sparring.documents): text as it is, Word, OpenDocument, PDF, HTML and RTF as
Markdown, so the context is the text that will be sent.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from sparring.documents import Document, read_document
from sparring.errors import BadInput, NoInput


@dataclass
class Gathered:
    text: str = ""
    sources: list[str] = field(default_factory=list)
    #: What the writer should be told about the files (e.g. PDF pages without text).
    warnings: list[str] = field(default_factory=list)


def read_file(path: Path) -> Document:
    """The draft in the file at `path`, converted to Markdown if it is a document."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NoInput(f"no such file: {path}", hint="check the path") from None
    except IsADirectoryError:
        raise NoInput(f"{path} is a directory", hint="name the files inside it") from None
    except OSError as error:
        raise NoInput(f"cannot read {path}: {error.strerror}") from None
    return read_document(data, str(path))


def gather(
    files: list[str], stdin: BinaryIO | None, *, max_chars: int, required: bool = True
) -> Gathered:
    """The context from `files`, else from `stdin` when it is piped.

    Several files are joined, each under a line naming it, so the model can tell
    them apart. Raises NoInput when nothing (or only whitespace) was given.
    """
    gathered = Gathered()
    if files:
        documents = [(name, read_file(Path(name))) for name in files]
        if len(documents) == 1:
            gathered.text = documents[0][1].text
        else:
            gathered.text = "\n\n".join(
                f"--- {name} ---\n{document.text}" for name, document in documents
            )
        gathered.sources = list(files)
        gathered.warnings = [warning for _, document in documents for warning in document.warnings]
    elif stdin is not None:
        document = read_document(stdin.read(), "stdin")
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
