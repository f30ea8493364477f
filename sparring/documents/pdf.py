"""PDF to Markdown, with pypdf.

A PDF holds positioned lines, not paragraphs, so the structure is read back
from where the lines stand: a line further below the one before it than the
text's line spacing starts a paragraph, a line in a larger font than the body
text is a heading (the larger, the higher), a line starting with a bullet or
a number is a list item. Wrapped lines are joined, also across a page break
when a sentence runs on; a page number alone at the top or foot of a page is
left out. A PDF with no text at all (a scan) is refused with a hint; pages
without text in a PDF that has some are named in a warning.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from math import hypot

from pypdf import PageObject, PasswordType, PdfReader

from sparring.documents import Document, said
from sparring.documents.markdown import MarkdownWriter
from sparring.errors import BadInput

# pypdf reports what it repaired through logging; a writer can do nothing with
# it, and on stderr it would break pipe mode's one line (or the TUI's screen).
_pypdf_log = logging.getLogger("pypdf")
_pypdf_log.addHandler(logging.NullHandler())
_pypdf_log.propagate = False

BULLET = re.compile(r"[•·▪◦○●■□‣⁃➢►✓-]\s+")
NUMBER = re.compile(r"(\d{1,3})[.)]\s+")
PAGE_NUMBER = re.compile(
    r"[-–]?\s*(?:(?:page|sida|seite|side|p\.)\s*)?"
    r"(?:\d{1,4}(?:\s*(?:/|of|av|von|af)\s*\d{1,4})?|[ivxlc]{1,7})\s*[-–]?",
    re.IGNORECASE,
)
DIGITS = re.compile(r"\d+")
SENTENCE_END = tuple('.!?:;"”’»)')
HEADING_RATIO = 1.15  # a font this much larger than the body text is a heading's
PARAGRAPH_GAP = 1.35  # a line this many line spacings below the last starts a paragraph


@dataclass
class Line:
    text: str
    y: float | None  # the baseline, from the bottom of the page; None when pypdf gave none
    size: float  # the font size as drawn


@dataclass
class Block:
    lines: list[Line]
    size: float
    marker: str = ""  # "-" or "3." for a list item
    marker_length: int = 0  # of the marker as printed, at the start of the first line

    @property
    def text(self) -> str:
        return join_lines([line.text for line in self.lines])


@dataclass
class PageReader:
    """Collects a page's lines from pypdf's text visitor."""

    lines: list[Line] = field(default_factory=list)
    _open: Line | None = None

    def visit(
        self, text: str, cm: list[float], tm: list[float], font: object, font_size: float
    ) -> None:
        pieces = text.split("\n")
        for index, piece in enumerate(pieces):
            if index > 0:
                self._open = None  # pypdf ended the line here
            if not piece:
                continue
            if self._open is None:
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                scale = hypot(tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])
                known = any(tm[4:6]) or any(cm[4:6])
                self._open = Line("", y if known else None, abs(font_size * scale))
                self.lines.append(self._open)
            self._open.text += piece

    def finished(self) -> list[Line]:
        lines = [Line(" ".join(line.text.split()), line.y, line.size) for line in self.lines]
        lines = [line for line in lines if line.text]
        # A page number alone at the top or foot of the page is not the writer's text.
        while lines and PAGE_NUMBER.fullmatch(lines[-1].text):
            lines.pop()
        while lines and PAGE_NUMBER.fullmatch(lines[0].text):
            lines.pop(0)
        return lines


def read(data: bytes, where: str) -> Document:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise BadInput(
                f"{where} is protected by a password",
                hint="save an unprotected copy first, e.g. qpdf --decrypt --password=... in out",
            )
        pages = [_page_lines(page) for page in reader.pages]
    except BadInput:
        raise
    except Exception as error:  # a damaged file fails in many ways, all alike to the writer
        raise BadInput(
            f"cannot read {where} as a PDF ({said(error)})",
            hint="open it in a PDF viewer and print or export it to a new PDF",
        ) from error
    unreadable = [number for number, lines in enumerate(pages, 1) if lines is None]
    empty = [number for number, lines in enumerate(pages, 1) if lines == []]
    read_pages = [lines for lines in pages if lines]
    if not read_pages and empty:
        raise BadInput(
            f"{where} has no text layer (a scan?), so there is no text to send",
            hint="run OCR on it first, e.g. ocrmypdf in.pdf out.pdf, or paste the text",
        )
    if not read_pages:
        raise BadInput(
            f"cannot read {where}: no page of it could be read",
            hint="open it in a PDF viewer and print or export it to a new PDF",
        )
    warnings: list[str] = []
    if empty:
        warnings.append(
            f"{where}: {_pages(empty)} no text layer (scanned?); "
            f"{'its' if len(empty) == 1 else 'their'} text is missing "
            "(run OCR on the PDF first, e.g. ocrmypdf)"
        )
    if unreadable:
        warnings.append(f"{where}: {_pages(unreadable)} text that could not be read; it is missing")
    return Document(markdown(read_pages), kind="pdf", warnings=tuple(warnings))


def _page_lines(page: PageObject) -> list[Line] | None:
    """The page's lines; None when pypdf cannot read the page (the others may be fine)."""
    collector = PageReader()
    try:
        page.extract_text(visitor_text=collector.visit)
    except Exception:  # a damaged page: said in a warning, the other pages still count
        return None
    return collector.finished()


def _pages(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"page {numbers[0]} has"
    listed = ", ".join(str(number) for number in numbers[:10])
    more = f" and {len(numbers) - 10} more" if len(numbers) > 10 else ""
    return f"pages {listed}{more} have"


def markdown(pages: list[list[Line]]) -> str:
    """The pages' lines as Markdown: paragraphs, headings and list items."""
    pages = without_running_lines(pages)
    all_lines = [line for lines in pages for line in lines]
    body = body_size(all_lines)
    pitch = line_pitch(pages, body)
    blocks: list[Block] = []
    for lines in pages:
        page_blocks = paragraphs(lines, body, pitch)
        if page_blocks and blocks and runs_on(blocks[-1], page_blocks[0], body):
            blocks[-1].lines.extend(page_blocks.pop(0).lines)
        blocks.extend(page_blocks)
    levels = heading_levels(blocks, body)
    out = MarkdownWriter()
    for block in blocks:
        text = block.text
        if block.size in levels and len(text) <= 200:  # "1. Introduction" is a heading too
            out.heading(levels[block.size], text)
        elif block.marker:
            list_id = "-" if block.marker == "-" else "1."
            out.item(block.marker, 0, text[block.marker_length :], list_id=list_id)
        else:
            out.paragraph(text)
    return out.text()


def without_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """The pages without running heads and feet: a first or last line that recurs
    (numbers aside) at the top or foot of many pages is the document's, not the text's.
    The first page keeps its lines: its title is often the running head too."""
    if len(pages) < 3:
        return pages
    seen: Counter[str] = Counter()
    for lines in pages:
        seen.update({_running(lines[0]), _running(lines[-1])})
    running = {text for text, count in seen.items() if count >= max(3, len(pages) * 0.3)}
    return [pages[0]] + [
        [
            line
            for index, line in enumerate(lines)
            if index not in (0, len(lines) - 1) or _running(line) not in running
        ]
        for lines in pages[1:]
    ]


def _running(line: Line) -> str:
    return DIGITS.sub("#", line.text.lower())


def body_size(lines: list[Line]) -> float:
    """The font size of most of the text."""
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def line_pitch(pages: list[list[Line]], body: float) -> float:
    """The usual distance between two lines of body text."""
    gaps = [
        above.y - below.y
        for lines in pages
        for above, below in zip(lines, lines[1:], strict=False)
        if above.y is not None
        and below.y is not None
        and _same_size(above.size, body)
        and _same_size(below.size, body)
        and above.y > below.y
    ]
    return statistics.median(gaps) if gaps else body * 1.2


def paragraphs(lines: list[Line], body: float, pitch: float) -> list[Block]:
    blocks: list[Block] = []
    previous: Line | None = None
    for line in lines:
        marker, length = list_marker(line.text)
        if previous is None or marker or starts_block(previous, line, pitch):
            blocks.append(Block([line], round(line.size, 1), marker, length))
        else:
            blocks[-1].lines.append(line)
        previous = line
    return blocks


def starts_block(previous: Line, line: Line, pitch: float) -> bool:
    if not _same_size(previous.size, line.size):
        return True
    if previous.y is None or line.y is None:
        return False
    gap = previous.y - line.y
    # Upwards is a new column or a text box; further down than the spacing, a new paragraph.
    return gap <= 0 or gap > pitch * PARAGRAPH_GAP * max(line.size, 1) / max(previous.size, 1)


def list_marker(text: str) -> tuple[str, int]:
    """("-" or "3.", the length of the marker as printed) for a list item's first line;
    ("", 0) for other lines."""
    if match := BULLET.match(text):
        return "-", match.end()
    if match := NUMBER.match(text):
        return f"{match.group(1)}.", match.end()
    return "", 0


def runs_on(last: Block, first: Block, body: float) -> bool:
    """Whether a page's first block continues the last one of the page before."""
    text = first.text
    return (
        not first.marker
        and _same_size(last.size, body)
        and _same_size(first.size, body)
        and not last.text.endswith(SENTENCE_END)
        and text[:1].islower()
    )


def heading_levels(blocks: list[Block], body: float) -> dict[float, int]:
    """Heading level (1-6) by font size: each size larger than the body text's, largest first."""
    sizes = {block.size for block in blocks if block.size >= body * HEADING_RATIO}
    return {size: min(level, 6) for level, size in enumerate(sorted(sizes, reverse=True), 1)}


def join_lines(texts: list[str]) -> str:
    """Wrapped lines as one: a soft hyphen at a line's end is dropped, a hard one kept."""
    joined = ""
    for text in texts:
        if joined.endswith("\u00ad"):
            joined = joined[:-1] + text
        elif joined.endswith("-") and joined[-2:-1].isalpha() and text[:1].islower():
            joined += text
        else:
            joined = f"{joined} {text}" if joined else text
    return joined


def _same_size(a: float, b: float) -> bool:
    return abs(a - b) <= max(a, b) * 0.05
