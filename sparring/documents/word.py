"""Word (.docx) to Markdown, with python-docx.

Headings come from the paragraph's style (Title, Heading 1-9, or any style
with an outline level), lists from Word's numbering (bullets or numbers,
counted as Word counts them), tables as Markdown tables. Tracked insertions
are kept and deletions left out, as in the document Word shows; text boxes,
headers, footers, footnotes and comments are left out.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import docx
from docx.oxml.ns import nsmap, qn
from lxml import etree

from sparring.documents import Document, said
from sparring.documents.markdown import MarkdownWriter
from sparring.errors import BadInput

# The runs of a paragraph as Word shows it: hyperlinks, fields and tracked
# insertions included; deleted and moved-away text and text boxes left out.
RUNS = ".//w:r[not(ancestor::w:del or ancestor::w:moveFrom or ancestor::w:txbxContent)]"
HEADING_NAME = re.compile(r"heading (\d)")


@lru_cache(maxsize=64)
def _compiled(path: str) -> Any:
    return etree.XPath(path, namespaces={"w": nsmap["w"]})


def xpath(element: Any, path: str, **variables: str) -> Any:
    """`path` from `element`, with `$name` standing for `variables[name]`.

    Numbering levels are plain lxml elements, without python-docx's `xpath`,
    so every query goes through this one.
    """
    return _compiled(path)(element, **variables)


def read(data: bytes, where: str) -> Document:
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # a damaged package fails in many ways, all alike to the writer
        raise BadInput(
            f"cannot read {where} as a Word document ({said(error)})",
            hint="open it in Word or LibreOffice and save it again",
        ) from error
    reader = WordReader(document.styles.element, document.part.numbering_part.element)
    reader.blocks(document.element.body)
    return Document(reader.out.text(), kind="docx")


@dataclass
class Style:
    name: str
    based_on: str | None
    properties: Any  # its w:pPr, or None


@dataclass
class WordReader:
    styles_element: Any
    numbering: Any
    out: MarkdownWriter = field(default_factory=MarkdownWriter)
    # Per list (numId): the current count at each level.
    counters: dict[str, list[int]] = field(default_factory=dict)
    styles: dict[str, Style] = field(init=False)
    default_style: str | None = field(init=False)

    def __post_init__(self) -> None:
        self.styles = {}
        self.default_style = None
        for element in xpath(self.styles_element, "w:style[@w:type='paragraph']"):
            style_id = element.get(qn("w:styleId"))
            name = xpath(element, "string(w:name/@w:val)")
            based_on = xpath(element, "w:basedOn/@w:val")
            pPr = element.find(qn("w:pPr"))
            self.styles[style_id] = Style(name.lower(), based_on[0] if based_on else None, pPr)
            if element.get(qn("w:default")) in ("1", "true"):
                self.default_style = style_id

    def blocks(self, container: Any) -> None:
        """Every paragraph and table in `container`, in reading order."""
        for child in container:
            if child.tag == qn("w:p"):
                self.paragraph(child)
            elif child.tag == qn("w:tbl"):
                self.table(child)
            elif child.tag == qn("w:sdt"):  # a content control around blocks
                for content in child.findall(qn("w:sdtContent")):
                    self.blocks(content)
            elif child.tag in (qn("w:customXml"), qn("w:ins"), qn("w:moveTo")):
                self.blocks(child)

    def paragraph(self, p: Any) -> None:
        text = paragraph_text(p)
        chain = self.style_chain(p)
        level = heading_level(p, chain)
        if level:
            self.out.heading(level, text)
            return
        numbered = self.numbering_of(p, chain)
        if numbered is None:
            self.out.paragraph(text)
            return
        num_id, depth = numbered
        self.out.item(self.marker(num_id, depth), depth, text, list_id=num_id)

    def table(self, tbl: Any) -> None:
        rows = [
            ["\n".join(paragraph_text(p) for p in xpath(tc, ".//w:p")) for tc in xpath(tr, "w:tc")]
            for tr in xpath(tbl, "w:tr")
        ]
        self.out.table(rows)

    def style_chain(self, p: Any) -> list[Style]:
        """The paragraph's style and the styles it is based on, nearest first."""
        style_id = xpath(p, "string(w:pPr/w:pStyle/@w:val)") or self.default_style
        chain: list[Style] = []
        while style_id in self.styles and len(chain) < 20:
            style = self.styles[style_id]
            chain.append(style)
            style_id = style.based_on
        return chain

    def numbering_of(self, p: Any, chain: list[Style]) -> tuple[str, int] | None:
        """(numId, level) of a list paragraph, from itself or its style; None for others."""
        num_ids = xpath(p, "w:pPr/w:numPr/w:numId/@w:val")
        levels = xpath(p, "w:pPr/w:numPr/w:ilvl/@w:val")
        for style in chain:
            if num_ids and levels:
                break
            if style.properties is not None:
                num_ids = num_ids or xpath(style.properties, "w:numPr/w:numId/@w:val")
                levels = levels or xpath(style.properties, "w:numPr/w:ilvl/@w:val")
        if not num_ids or num_ids[0] == "0":  # numId 0 switches numbering off
            return None
        return num_ids[0], _int(levels[0] if levels else "0")

    def marker(self, num_id: str, depth: int) -> str:
        """ "-" for a bullet; the item's number as Word counts it for the rest."""
        level = self._level(num_id, depth)
        if level is None or xpath(level, "string(w:numFmt/@w:val)") in ("bullet", "none", ""):
            return "-"
        counts = self.counters.setdefault(num_id, [])
        counts[depth + 1 :] = []  # a shallower item restarts the deeper levels
        counts.extend([0] * (depth + 1 - len(counts)))
        start = _int(xpath(level, "string(w:start/@w:val)") or "1")
        counts[depth] = start if counts[depth] == 0 else counts[depth] + 1
        return f"{counts[depth]}."

    def _level(self, num_id: str, depth: int) -> Any:
        abstract_ids = xpath(
            self.numbering, "w:num[@w:numId=$num]/w:abstractNumId/@w:val", num=num_id
        )
        if not abstract_ids:
            return None
        levels = xpath(
            self.numbering,
            "w:abstractNum[@w:abstractNumId=$abstract]/w:lvl[@w:ilvl=$depth]",
            abstract=abstract_ids[0],
            depth=str(depth),
        )
        return levels[0] if levels else None


def paragraph_text(p: Any) -> str:
    return "".join(run.text for run in xpath(p, RUNS))


def heading_level(p: Any, chain: list[Style]) -> int:
    """1-6 for a heading (by its style or outline level), 0 for body text."""
    own = xpath(p, "string(w:pPr/w:outlineLvl/@w:val)")
    if own:
        return _outline(own)
    for style in chain:
        if style.name == "title":
            return 1
        match = HEADING_NAME.fullmatch(style.name)
        if match:
            return int(match.group(1))
        if style.properties is not None:
            level = xpath(style.properties, "string(w:outlineLvl/@w:val)")
            if level:
                return _outline(level)
    return 0


def _outline(value: str) -> int:
    level = _int(value)
    return level + 1 if 0 <= level < 9 else 0  # 9 is "body text"


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0
