"""OpenDocument text (.odt) to Markdown, with odfpy.

Headings come from `text:h` and its outline level (and the Title style),
lists from `text:list` and its list style (bullets, or numbers counted from
the style's start value), tables as Markdown tables. Footnotes, comments,
frames, tracked deletions and tables of contents are left out.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from odf.element import Node
from odf.namespaces import STYLENS, TABLENS, TEXTNS
from odf.opendocument import load

from sparring.documents import Document, said
from sparring.documents.markdown import MarkdownWriter
from sparring.errors import BadInput

# Inline elements whose content is not part of the running text.
SKIPPED_INLINE = {
    (TEXTNS, "note"),
    (TEXTNS, "change"),
    ("urn:oasis:names:tc:opendocument:xmlns:office:1.0", "annotation"),
    ("urn:oasis:names:tc:opendocument:xmlns:drawing:1.0", "frame"),
}
ROW_GROUPS = {"table-header-rows", "table-rows", "table-row-group"}


def read(data: bytes, where: str) -> Document:
    try:
        document = load(io.BytesIO(data))
    except Exception as error:  # a damaged package fails in many ways, all alike to the writer
        raise BadInput(
            f"cannot read {where} as an OpenDocument text ({said(error)})",
            hint="open it in LibreOffice and save it again",
        ) from error
    reader = OdfReader(document)
    reader.blocks(document.text)
    return Document(reader.out.text(), kind="odt")


@dataclass
class ListLevel:
    numbered: bool
    start: int


@dataclass
class OdfReader:
    document: Any
    out: MarkdownWriter = field(default_factory=MarkdownWriter)
    # Paragraph style name -> (parent style name, default outline level).
    paragraph_styles: dict[str, tuple[str, str]] = field(default_factory=dict)
    # List style name -> level (1-based) -> how it is marked.
    list_styles: dict[str, dict[int, ListLevel]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for styles in (self.document.styles, self.document.automaticstyles):
            for style in elements(styles):
                name = style.getAttrNS(STYLENS, "name") or ""
                if style.qname == (STYLENS, "style"):
                    self.paragraph_styles[name] = (
                        style.getAttrNS(STYLENS, "parent-style-name") or "",
                        style.getAttrNS(STYLENS, "default-outline-level") or "",
                    )
                elif style.qname == (TEXTNS, "list-style"):
                    self.list_styles[name] = {
                        _int(level.getAttrNS(TEXTNS, "level"), 1): ListLevel(
                            numbered=level.qname[1] == "list-level-style-number"
                            and bool(level.getAttrNS(STYLENS, "num-format")),
                            start=_int(level.getAttrNS(TEXTNS, "start-value"), 1),
                        )
                        for level in elements(style)
                    }

    def blocks(self, container: Any) -> None:
        for element in elements(container):
            kind = element.qname
            if kind == (TEXTNS, "h"):
                level = _int(element.getAttrNS(TEXTNS, "outline-level"), 1)
                self.out.heading(level, inline_text(element))
            elif kind == (TEXTNS, "p"):
                self.paragraph(element)
            elif kind == (TEXTNS, "list"):
                self.list_block(
                    element, element.getAttrNS(TEXTNS, "style-name") or "", 0, str(id(element))
                )
            elif kind == (TABLENS, "table"):
                self.out.table(table_rows(element))
            elif kind == (TEXTNS, "section"):
                self.blocks(element)

    def paragraph(self, p: Any) -> None:
        level = self.outline_level(p.getAttrNS(TEXTNS, "style-name") or "")
        if level:
            self.out.heading(level, inline_text(p))
        else:
            self.out.paragraph(inline_text(p))

    def outline_level(self, style_name: str) -> int:
        """1 for the Title style (or one based on it), else the style's outline level, else 0."""
        seen: set[str] = set()
        while style_name and style_name not in seen:
            seen.add(style_name)
            if style_name == "Title":
                return 1
            parent, level = self.paragraph_styles.get(style_name, ("", ""))
            if level:
                return _int(level, 0)
            style_name = parent
        return 0

    def list_block(self, element: Any, style_name: str, depth: int, list_id: str) -> None:
        style_name = element.getAttrNS(TEXTNS, "style-name") or style_name
        level = self.list_styles.get(style_name, {}).get(depth + 1, ListLevel(False, 1))
        number = level.start
        for item in elements(element):
            if item.qname not in ((TEXTNS, "list-item"), (TEXTNS, "list-header")):
                continue
            marker = f"{number}." if level.numbered else "-"
            texts: list[str] = []
            for child in elements(item):
                if child.qname in ((TEXTNS, "p"), (TEXTNS, "h")):
                    texts.append(inline_text(child))
                elif child.qname == (TEXTNS, "list"):
                    self._flush_item(marker, depth, texts, list_id)
                    self.list_block(child, style_name, depth + 1, list_id)
            self._flush_item(marker, depth, texts, list_id)
            number += 1

    def _flush_item(self, marker: str, depth: int, texts: list[str], list_id: str) -> None:
        if texts:
            self.out.item(marker, depth, " ".join(texts), list_id=list_id)
            texts.clear()


def elements(parent: Any) -> list[Any]:
    return [node for node in parent.childNodes if node.nodeType == Node.ELEMENT_NODE]


def inline_text(element: Any) -> str:
    """The running text of a paragraph, with ODF's spaces, tabs and line breaks."""
    parts: list[str] = []
    for node in element.childNodes:
        if node.nodeType == Node.TEXT_NODE:
            parts.append(node.data)
        elif node.nodeType != Node.ELEMENT_NODE or node.qname in SKIPPED_INLINE:
            continue
        elif node.qname == (TEXTNS, "s"):
            parts.append(" " * _int(node.getAttrNS(TEXTNS, "c"), 1))
        elif node.qname == (TEXTNS, "tab"):
            parts.append("\t")
        elif node.qname == (TEXTNS, "line-break"):
            parts.append("\n")
        else:
            parts.append(inline_text(node))
    return "".join(parts)


def table_rows(table: Any) -> list[list[str]]:
    rows: list[list[str]] = []
    for child in elements(table):
        if child.qname == (TABLENS, "table-row"):
            rows.append(
                [
                    "\n".join(inline_text(p) for p in elements(cell) if p.qname[0] == TEXTNS)
                    for cell in elements(child)
                    if cell.qname == (TABLENS, "table-cell")
                ]
            )
        elif child.qname[0] == TABLENS and child.qname[1] in ROW_GROUPS:
            rows.extend(table_rows(child))
    return rows


def _int(value: str | None, default: int) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default
