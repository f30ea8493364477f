"""The writer's files as the draft: text as it is; Word, OpenDocument, PDF, HTML and
RTF converted to Markdown when they are read, so what the models see, what the
draft pane shows and what the egress preview counts are the same text.

The readers of those kinds are an optional extra (`sparring[documents]`), and
each is imported only when a file of its kind is read: plain text needs none.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from importlib import import_module

from sparring.documents.kinds import Kind, kind_of
from sparring.errors import BadInput, ReaderMissing, SparringError

EXTRA_HINT = "pip install 'sparring[documents]'"


@dataclass(frozen=True)
class Document:
    """A file's text, as the draft, and what the writer should know about it."""

    text: str
    kind: Kind = "text"
    #: Said once, beside the draft (stderr, or a notification): e.g. pages without text.
    warnings: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Reader:
    module: str  # under sparring.documents, with a `read(data, where) -> Document`
    name: str  # as the writer knows the kind
    packages: str  # what it needs from PyPI, as said when it is missing


READERS: dict[Kind, Reader] = {
    "docx": Reader("word", "Word", "python-docx"),
    "odt": Reader("opendocument", "OpenDocument", "odfpy"),
    "pdf": Reader("pdf", "PDF", "pypdf"),
    "html": Reader("web", "HTML", "beautifulsoup4 and markdownify"),
    "rtf": Reader("rtf", "RTF", "striprtf"),
}


def read_document(data: bytes, where: str) -> Document:
    """The draft in `data`, read from `where` (a path, or "stdin").

    Raises BadInput for a file it cannot read (not UTF-8, a kind it does not
    read, damaged, a scan) and ReaderMissing when the reader of its kind is
    not installed.
    """
    kind = kind_of(data, where)
    if kind == "text":
        return Document(decode(data, where))
    reader = READERS[kind]
    try:
        module = import_module(f"sparring.documents.{reader.module}")
    except ModuleNotFoundError as error:
        if (error.name or "").startswith("sparring"):
            raise  # not a missing extra: a broken install of sparring itself
        raise ReaderMissing(
            f"cannot read {where}: the {reader.name} reader ({reader.packages}) is not installed",
            hint=EXTRA_HINT,
        ) from None
    try:
        # Parsers warn about what they repaired; on stderr that would break pipe
        # mode's one line and the TUI's screen, and the writer can do nothing about it.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            document: Document = module.read(data, where)
    except SparringError:
        raise
    except Exception as error:  # a parser meeting a file its authors never saw
        raise BadInput(
            f"cannot read {where}: the {reader.name} reader failed ({said(error)})",
            hint="open it where it was written and save it again",
        ) from error
    return document


def said(error: BaseException, limit: int = 160) -> str:
    """What a library's exception says, on one line and not too long for one."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        source = "" if where == "stdin" else f" {where}"
        raise BadInput(
            f"{where} is not UTF-8 text (byte {error.start} is 0x{data[error.start]:02x})",
            hint=f"convert it first, e.g. iconv -f latin1 -t utf-8{source}",
        ) from None
