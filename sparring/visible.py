"""Text from a draft, a model, a file name or a server, made safe to show in a terminal.

A model (or a file name, an error body, a session file) can hold escape
sequences: clear the screen, move the cursor, set the window title, write the
clipboard (OSC 52). Shown raw, they would act instead of being read. Every
control character but newline and tab is shown as a visible character of its
own: C0 controls as their Unicode control pictures (ESC as ␛, so `␛[2J` reads
as what it is), DEL as ␡, C1 controls (which some terminals obey as 8-bit
escapes) as `\\x9b`. A C0 control takes one cell before and after, so a view
that lays text out by cells (the TUI's draft pane) keeps its columns.

This is the one sanitizer: the command line, pipe mode into a terminal and
every TUI widget that shows such text go through `visible`.
"""

from __future__ import annotations

_KEEP = {"\n", "\t"}
_TABLE: dict[int, str] = {
    code: chr(0x2400 + code) for code in range(0x00, 0x20) if chr(code) not in _KEEP
}
_TABLE[0x7F] = "\u2421"  # ␡
_TABLE.update({code: f"\\x{code:02x}" for code in range(0x80, 0xA0)})


def visible(text: str) -> str:
    """`text` with every control character but newline and tab shown, not obeyed.

    A CRLF line end stays a line end: it moves nothing a newline would not.
    """
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_TABLE)


_JSON_TABLE = {code: f"\\u{code:04x}" for code in range(0x7F, 0xA0)}


def json_visible(text: str) -> str:
    """JSON text (from json.dumps, which escapes C0 itself) with DEL and C1 escaped too
    (`\\u009b`): the same document, with nothing in it that a terminal would obey."""
    return text.translate(_JSON_TABLE)


def encodable(text: str) -> str:
    """`text` with lone surrogates (from a JSON `\\ud800`, or an undecodable byte in a
    command-line argument) replaced by U+FFFD, so that it can be written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in text)
    return text
