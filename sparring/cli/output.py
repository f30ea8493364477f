"""Printing for the subcommands, on stdout: data as it is, listings with control characters shown.

Data (an answer, an export, the text of a file) goes to a pipe or a file byte for
byte, and into a terminal through `visible`, so an escape sequence in it is
shown, not obeyed. A listing or a report (sessions, tables, stats) holds names
and words from session and config files: it always goes through `visible`, as a
pager (`less -R`) would obey what a terminal would.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from sparring.visible import visible


def show(text: str) -> None:
    """Data on stdout: byte for byte into a pipe or a file; into a terminal, made visible."""
    sys.stdout.write(visible(text) if _terminal() else text)


def show_line(text: str = "") -> None:
    show(text + "\n")


def say(text: str = "") -> None:
    """A line of a listing or a report on stdout, control characters always shown."""
    print(visible(text))


def table(rows: Sequence[tuple[str, ...]]) -> None:
    """Rows as aligned columns on stdout, control characters shown."""
    rows = [tuple(visible(cell) for cell in row) for row in rows]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        print("  ".join(cells).rstrip())


def _terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, OSError, ValueError):
        return False
