"""`sparring pull NAME`: pull an Ollama model, with a progress bar on stderr."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from sparring.cli.parsing import command_parser


def run(argv: list[str]) -> int:
    parser = command_parser("sparring pull", "Pull an Ollama model, with a progress bar.")
    parser.add_argument("name")
    options = parser.parse_args(argv)
    return asyncio.run(_pull(options.name.removeprefix("ollama:")))


async def _pull(name: str) -> int:
    from sparring.providers.ollama import OllamaBackend

    backend = OllamaBackend(name)
    bar = ProgressBar(sys.stderr)
    try:
        async for status, completed, total in backend.pull(name):
            bar.show(status, completed, total)
    finally:
        bar.close()
        await backend.aclose()
    print(f"pulled {name}; use it with -m ollama:{name}", file=sys.stderr)
    return 0


class ProgressBar:
    """One line on stderr, redrawn in place when it is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.interactive = stream.isatty()
        self.last_status = ""

    def show(self, status: str, completed: int | None, total: int | None) -> None:
        if total:
            share = (completed or 0) / total
            filled = int(share * 30)
            line = f"{status[:40]:40} [{'#' * filled}{'.' * (30 - filled)}] {share:4.0%}"
            line += f" {_size(completed or 0)}/{_size(total)}"
        else:
            line = status
        if self.interactive:
            self.stream.write("\r" + line.ljust(100)[:100])
            self.stream.flush()
        elif status != self.last_status or (total and completed == total):
            # Into a log, a line per step and one when a layer is complete.
            self.stream.write(line + "\n")
        self.last_status = status

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\n")
        self.stream.flush()


def _size(count: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024  # type: ignore[assignment]
    return str(count)
