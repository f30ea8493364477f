"""Writers' files, made by the libraries that make them: a draft with a heading,
paragraphs, lists, a table and Swedish åäö, as Word, OpenDocument, PDF, HTML
and RTF, and the Markdown each must come out as."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

TITLE = "Träd i staden"
INTRO = "Skuggan sänker temperaturen på en gata med flera grader."
SECTION = "Varför det lönar sig"
BODY = "Träden binder vatten när det regnar, och gatan blir trivsammare för alla."
BULLETS = ["Björk", "Ek", "Lönn"]
STEPS = ["Plantera", "Vattna"]
TABLE = [["Art", "Höjd"], ["Björk", "20 m"]]

EXPECTED = f"""# {TITLE}

{INTRO}

## {SECTION}

{BODY}

- Björk
- Ek
- Lönn

1. Plantera
2. Vattna

| Art | Höjd |
| --- | --- |
| Björk | 20 m |
"""

# A PDF paragraph long enough to be wrapped over several lines.
LONG = " ".join(
    [
        "Träden binder vatten när det regnar, och gatan blir trivsammare för alla som bor där.",
        "Kommunen räknar med att en stor ek tar hand om flera tusen liter regnvatten om året.",
        "Det är vatten som annars hade runnit rakt ner i avloppen och ställt till det i källarna.",
    ]
)
EXPECTED_PDF = f"""# {TITLE}

{INTRO}

## {SECTION}

{LONG}

- Björk
- Ek
- Lönn

1. Plantera
2. Vattna
"""


def write_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(TITLE, level=1)
    document.add_paragraph(INTRO)
    document.add_heading(SECTION, level=2)
    document.add_paragraph(BODY)
    for bullet in BULLETS:
        document.add_paragraph(bullet, style="List Bullet")
    for step in STEPS:
        document.add_paragraph(step, style="List Number")
    table = document.add_table(rows=len(TABLE), cols=len(TABLE[0]))
    for row, cells in enumerate(TABLE):
        for column, text in enumerate(cells):
            table.cell(row, column).text = text
    document.save(str(path))
    return path


def write_odt(path: Path) -> Path:
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, List, ListItem, ListLevelStyleBullet, ListLevelStyleNumber, ListStyle, P

    document = OpenDocumentText()
    bullets = ListStyle(name="Bullets")
    bullets.addElement(ListLevelStyleBullet(level=1, bulletchar="•"))
    numbers = ListStyle(name="Numbers")
    numbers.addElement(ListLevelStyleNumber(level=1, numformat="1", numsuffix="."))
    document.automaticstyles.addElement(bullets)
    document.automaticstyles.addElement(numbers)
    document.text.addElement(H(outlinelevel=1, text=TITLE))
    document.text.addElement(P(text=INTRO))
    document.text.addElement(H(outlinelevel=2, text=SECTION))
    document.text.addElement(P(text=BODY))
    for style, items in (("Bullets", BULLETS), ("Numbers", STEPS)):
        odf_list = List(stylename=style)
        for text in items:
            item = ListItem()
            item.addElement(P(text=text))
            odf_list.addElement(item)
        document.text.addElement(odf_list)
    table = Table()
    table.addElement(TableColumn(numbercolumnsrepeated=len(TABLE[0])))
    for cells in TABLE:
        row = TableRow()
        for text in cells:
            cell = TableCell()
            cell.addElement(P(text=text))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    document.save(str(path))
    return path


def new_pdf() -> Any:
    from fpdf import FPDF

    pdf = FPDF()
    # Helvetica in the Windows code page: åäö and the bullet, with no font file needed.
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_auto_page_break(True, margin=20)
    return pdf


def line(pdf: Any, text: str, size: float = 11, bold: bool = False, space: float = 0) -> None:
    """A paragraph (wrapped to the page), then `space` mm of room below it."""
    pdf.set_font("Helvetica", "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
    if space:
        pdf.ln(space)


def write_pdf(path: Path) -> Path:
    pdf = new_pdf()
    pdf.add_page()
    line(pdf, TITLE, size=20, bold=True, space=4)
    line(pdf, INTRO, space=4)
    line(pdf, SECTION, size=15, bold=True, space=3)
    line(pdf, LONG, space=4)
    for bullet in BULLETS:
        line(pdf, f"\u2022 {bullet}")
    pdf.ln(4)
    for number, step in enumerate(STEPS, 1):
        line(pdf, f"{number}. {step}")
    pdf.output(str(path))
    return path


def write_scanned_pdf(path: Path, text_pages: int = 0, scanned_pages: int = 2) -> Path:
    """Pages that are only a picture, as a scanner makes them; after `text_pages` with text."""
    from PIL import Image, ImageDraw

    pdf = new_pdf()
    for _ in range(text_pages):
        pdf.add_page()
        line(pdf, INTRO)
    for _ in range(scanned_pages):
        scan = Image.new("L", (400, 560), 255)
        ImageDraw.Draw(scan).rectangle((40, 40, 360, 60), fill=0)  # a "line of text"
        pdf.add_page()
        pdf.image(scan, x=0, y=0, w=210)
    pdf.output(str(path))
    return path


HTML_PAGE = f"""<!DOCTYPE html>
<html lang="sv">
<head><meta charset="utf-8"><title>{TITLE} | Stadsbladet</title>
<style>body {{ font-family: serif }}</style>
<script>document.write("<p>reklam</p>")</script></head>
<body>
<header><a href="/">Stadsbladet</a>
<nav><ul><li><a href="/">Hem</a></li><li>Nyheter</li></ul></nav></header>
<main>
<article>
<h1>{TITLE}</h1>
<p>{INTRO}</p>
<h2>{SECTION}</h2>
<p>{BODY}</p>
<ul>{"".join(f"<li>{bullet}</li>" for bullet in BULLETS)}</ul>
<ol>{"".join(f"<li>{step}</li>" for step in STEPS)}</ol>
<table><tr><th>Art</th><th>Höjd</th></tr><tr><td>Björk</td><td>20 m</td></tr></table>
<div hidden>Dold text</div>
</article>
<aside>Läs också: parkerna</aside>
</main>
<footer>© Stadsbladet</footer>
</body>
</html>
"""


def write_html(path: Path) -> Path:
    path.write_text(HTML_PAGE, encoding="utf-8")
    return path


def rtf_escape(text: str) -> str:
    return "".join(c if ord(c) < 128 else f"\\'{c.encode('cp1252')[0]:02x}" for c in text)


def write_rtf(path: Path) -> Path:
    """As WordPad writes one: list markers in \\listtext, åäö as code page escapes."""
    lines = [
        r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}",
        rf"\pard\b\fs32 {rtf_escape(TITLE)}\b0\fs22\par",
        rf"\pard {rtf_escape(INTRO)}\par",
        *(rf"{{\listtext \bullet\tab}}{rtf_escape(bullet)}\par" for bullet in BULLETS),
        *(rf"{{\listtext {n}.\tab}}{rtf_escape(step)}\par" for n, step in enumerate(STEPS, 1)),
        "}",
    ]
    path.write_bytes("\n".join(lines).encode("ascii"))
    return path


EXPECTED_RTF = f"""{TITLE}

{INTRO}

- Björk
- Ek
- Lönn

1. Plantera
2. Vattna
"""


def png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    """The members that make a zip an Excel workbook (enough to be recognised)."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


#: Each kind of document the tests make: how to write one, and the Markdown it reads as.
WRITERS = {
    "docx": (write_docx, EXPECTED),
    "odt": (write_odt, EXPECTED),
    "pdf": (write_pdf, EXPECTED_PDF),
    "html": (write_html, EXPECTED),
    "rtf": (write_rtf, EXPECTED_RTF),
}
