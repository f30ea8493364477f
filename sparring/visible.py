"""Text from a draft or a model, made safe to show in a terminal.

A model can write escape sequences (clear the screen, move the cursor, set
the window title); shown raw, they would act instead of being read. Every
control character but newline and tab is shown as a visible escape.
"""

from __future__ import annotations

_KEEP = {"\n", "\t"}
_TABLE = {
    code: f"\\x{code:02x}"
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]
    if chr(code) not in _KEEP
}
_TABLE[0x1B] = "␛"


def visible(text: str) -> str:
    return text.translate(_TABLE)
