"""A web page (.html) to Markdown, with Beautiful Soup and markdownify.

Scripts, styles, forms and hidden elements go; so do navigation, banners,
sidebars and footers, where the page marks them (`<nav>`, `<aside>`, ARIA
roles). When the page has one `<main>` or one `<article>`, only that is
read. Headings, paragraphs, lists and tables keep their Markdown shape;
links and images keep their text only.
"""

from __future__ import annotations

import re
from typing import Any

from bs4 import BeautifulSoup, Tag
from markdownify import ATX, MarkdownConverter

from sparring.documents import Document
from sparring.documents.markdown import clean

NEVER_TEXT = [
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "form", "button", "input", "select", "textarea", "dialog", "head",
]  # fmt: skip
BOILERPLATE = ["nav", "aside", "menu"]
BOILERPLATE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu"}
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
BLANK_LINES = re.compile(r"\n{3,}")


def read(data: bytes, where: str) -> Document:
    # From bytes, so Beautiful Soup honours the page's own <meta charset>.
    soup = BeautifulSoup(data, "html.parser")
    _strip(soup)
    root = _article(soup)
    converter = MarkdownConverter(
        heading_style=ATX,
        bullets="-",
        strip=["a", "img"],
        escape_asterisks=False,
        escape_underscores=False,
        escape_misc=False,
        table_infer_header=True,
    )
    markdown: str = converter.convert_soup(root)
    lines = [line.rstrip() for line in markdown.splitlines()]
    return Document(clean(BLANK_LINES.sub("\n\n", "\n".join(lines))), kind="html")


def _strip(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(NEVER_TEXT):
        tag.decompose()
    doomed: list[Tag] = []
    for tag in soup.find_all(True):
        if _boilerplate(tag) or _hidden(tag):
            doomed.append(tag)
    for tag in doomed:
        if not tag.decomposed:  # an ancestor may have taken it already
            tag.decompose()


def _boilerplate(tag: Tag) -> bool:
    if tag.name in BOILERPLATE or _attribute(tag, "role") in BOILERPLATE_ROLES:
        return True
    # A page's header and footer, not those of an article or section within it.
    return tag.name in ("header", "footer") and tag.find_parent(["article", "main"]) is None


def _hidden(tag: Tag) -> bool:
    return (
        tag.has_attr("hidden")
        or _attribute(tag, "aria-hidden") == "true"
        or bool(HIDDEN_STYLE.search(_attribute(tag, "style")))
    )


def _attribute(tag: Tag, name: str) -> str:
    value: Any = tag.get(name)
    if isinstance(value, list):
        return " ".join(value).lower()
    return str(value or "").strip().lower()


def _article(soup: BeautifulSoup) -> Tag:
    """The page's one <main> or <article>, when it has one; else its body, or all of it."""
    for name in ("main", "article"):
        found = soup.find_all(name)
        if len(found) == 1:
            return found[0]
    body = soup.find("body")
    return body if isinstance(body, Tag) else soup
