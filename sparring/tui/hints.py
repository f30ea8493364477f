"""The command line's hints, said the TUI's way: a key to press, not a flag to pass.

Errors carry one hint, written for the command line (`--think low`, `-m local`)
because most of them are raised deep in the engine and the backends, which
know nothing of views. What the TUI shows of an error passes through `said`
first, so a writer in the app is told what to do in the app.
"""

from __future__ import annotations

#: Command-line advice -> what to do in the TUI. The longest phrases come first.
PHRASES = (
    ("pass --yes to allow it, or pick a local model", "answer yes when asked, or press F7"),
    (
        "pick a local model, e.g. -m local, or drop --local-only",
        "press F7 for a model on this machine (this session is local-only)",
    ),
    (
        "pick a local model, or drop --local-only",
        "press F7 for a model on this machine (this session is local-only)",
    ),
    ("pick a local model, e.g. -m local", "press F7 for a model on this machine"),
    ("let it think less: --think low, or --think off", "let it think less: F6"),
    ("let it think less: --think low", "let it think less: F6"),
    ("see `sparring models`, or write PROVIDER:MODEL", "F7 lists the models you can use"),
    ("see `sparring models` for the names it serves", "F7 lists the models it serves"),
    (
        "run it section by section: --sections",
        "run it section by section: F5 offers it when it knows the model's window",
    ),
)


def said(text: str) -> str:
    """`text` (an error's one line) with its command-line advice put the TUI's way."""
    for cli, tui in PHRASES:
        text = text.replace(cli, tui)
    return text
