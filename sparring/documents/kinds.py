"""What kind of file the writer gave: by its content first, then by its name.

Binary formats carry a signature (a zip holding `word/document.xml`, `%PDF-`,
`{\\rtf`), so their content decides whatever the name says. Text decides
between plain text and HTML by the name (`.md` and `.txt` are taken as they
are, even when they hold tags), and, for stdin or an unknown name, by how
the text starts (`<!doctype html`, `<html`).
"""

from __future__ import annotations

import io
import re
from pathlib import PurePath
from typing import Literal

from sparring.errors import BadInput

Kind = Literal["text", "html", "docx", "odt", "pdf", "rtf"]

#: What sparring reads, as said in every refusal of another kind.
SUPPORTED = "text and Markdown, Word (.docx), OpenDocument (.odt), PDF, HTML and RTF"

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md", ".markdown", ".mdown", ".mkd"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
# What a suffix promises, for a file whose content does not keep the promise.
PROMISED = {
    ".docx": "a Word document",
    ".odt": "an OpenDocument text",
    ".pdf": "a PDF",
    ".rtf": "an RTF document",
}

ODF_TEXT = (
    b"application/vnd.oasis.opendocument.text",
    b"application/vnd.oasis.opendocument.text-template",
)
# Other zip-based formats a writer may have at hand, by the member that gives them away.
ZIP_OTHERS = (
    ("xl/", "an Excel spreadsheet"),
    ("ppt/", "a PowerPoint presentation"),
    ("META-INF/container.xml", "an e-book (EPUB)"),
    ("Index/Document.iwa", "an Apple Pages, Numbers or Keynote file"),
)
ODF_OTHERS = {
    b"application/vnd.oasis.opendocument.spreadsheet": "an OpenDocument spreadsheet",
    b"application/vnd.oasis.opendocument.presentation": "an OpenDocument presentation",
    b"application/epub+zip": "an e-book (EPUB)",
}
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"%!PS", "a PostScript file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "a program"),
)
MAX_UNPACKED = 512 * 2**20
# The Office 97-2003 container (.doc, .xls, .ppt): the suffix tells which.
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE_NAMES = {".doc": "an old Word document (.doc)", ".xls": "an old Excel spreadsheet (.xls)"}

HTML_START = re.compile(
    rb"(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>])", re.DOTALL
)


def unsupported(where: str, what: str, hint: str | None = None) -> BadInput:
    return BadInput(
        f"{where} is {what}; sparring reads {SUPPORTED}",
        hint=hint or "save or export it as one of those",
    )


def kind_of(data: bytes, where: str) -> Kind:
    """The kind of document `data` (read from `where`, a path or "stdin") holds.

    Raises BadInput for a kind sparring cannot read, naming the kinds it can.
    """
    suffix = "" if where == "stdin" else PurePath(where).suffix.lower()
    kind = _by_signature(data, where, suffix)
    if kind is not None:
        return kind
    if suffix in PROMISED:
        raise BadInput(
            f"{where} is not {PROMISED[suffix]}, whatever its name says",
            hint="open it where it was written and save it again",
        )
    if b"\x00" in data[:8192]:  # as git decides: text in any 8-bit encoding has no NUL
        raise BadInput(
            f"{where} is binary, not UTF-8 text; sparring reads {SUPPORTED}",
            hint="save or export it as one of those",
        )
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in TEXT_SUFFIXES:
        return "text"
    start = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return "html" if HTML_START.match(start) else "text"


def may_be_document(head: bytes, where: str) -> bool:
    """Whether a file that starts with `head` may be a document sparring converts (PDF,
    RTF, a zip of Word or OpenDocument, HTML), whose bytes may far outnumber its text."""
    if head.lstrip(b" \t\r\n")[:5] == b"%PDF-" or head.startswith((b"{\\rtf", b"PK\x03\x04")):
        return True
    if where != "stdin" and PurePath(where).suffix.lower() in HTML_SUFFIXES:
        return True
    start = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return bool(HTML_START.match(start))


def _by_signature(data: bytes, where: str, suffix: str) -> Kind | None:
    head = data[:16]
    if data.lstrip(b" \t\r\n")[:5] == b"%PDF-":
        return "pdf"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"PK\x03\x04"):
        return _zipped(data, where)
    if head.startswith(OLE):
        what = OLE_NAMES.get(suffix, "an old Microsoft Office file")
        hint = "save it as .docx in Word or LibreOffice" if suffix == ".doc" else None
        raise unsupported(where, what, hint)
    for signature, what in SIGNATURES:
        if head.startswith(signature):
            raise unsupported(where, what)
    if head.startswith(b"RIFF") and data[8:12] == b"WEBP":
        raise unsupported(where, "a WebP image")
    return None


def _zipped(data: bytes, where: str) -> Kind:
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        unpacked = sum(member.file_size for member in archive.infolist())
        mimetype = archive.read("mimetype").strip() if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError):
        raise BadInput(
            f"{where} is a damaged zip file",
            hint="open it where it was written and save it again",
        ) from None
    # The readers unpack the whole file into memory; a zip can claim any size inside.
    if unpacked > MAX_UNPACKED:
        raise BadInput(
            f"{where} unpacks to {unpacked / 2**20:,.0f} MiB; sparring reads documents up to "
            f"{MAX_UNPACKED // 2**20} MiB",
            hint="save the text in a smaller file",
        )
    if "word/document.xml" in names:
        return "docx"
    if mimetype in ODF_TEXT and "content.xml" in names:
        return "odt"
    if mimetype in ODF_OTHERS:
        raise unsupported(where, ODF_OTHERS[mimetype])
    for member, what in ZIP_OTHERS:
        if any(name.startswith(member) for name in names):
            raise unsupported(where, what)
    raise unsupported(where, "a zip archive", hint="unpack it and name the files inside")
