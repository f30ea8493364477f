"""RTF to Markdown, with striprtf.

striprtf gives the text a paragraph a line, with list markers as Word
writes them (a bullet or a number, then a tab); those become Markdown list
items. RTF keeps headings as formatting only, so they stay paragraphs.
"""

from __future__ import annotations

import re

from striprtf.striprtf import rtf_to_text

from sparring.documents import Document
from sparring.documents.markdown import MarkdownWriter

BULLET = re.compile(r"[•·▪◦○■□‣⁃–-]\t\s*")
NUMBER = re.compile(r"(\d+)[.)]\t\s*")


def read(data: bytes, where: str) -> Document:
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError:
        # RTF escapes what is not ASCII; raw bytes beyond it are in the Windows code page.
        source = data.decode("cp1252", errors="replace")
    text: str = rtf_to_text(source, errors="replace")  # type: ignore[no-untyped-call]
    out = MarkdownWriter()
    for line in text.splitlines():
        line = line.strip()
        if bullet := BULLET.match(line):
            out.item("-", 0, line[bullet.end() :], list_id="-")
        elif number := NUMBER.match(line):
            out.item(f"{number.group(1)}.", 0, line[number.end() :], list_id="1.")
        else:
            out.paragraph(line)
    return Document(out.text(), kind="rtf")
