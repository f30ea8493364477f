"""`sparring pull NAME`: pull an Ollama model; `sparring pull hf:OWNER/REPO[:FILE]`: a GGUF
file from the Hugging Face hub into sparring's models dir. Progress on stderr."""

from __future__ import annotations

import asyncio
import sys
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, TextIO

from sparring.cli.parsing import command_parser
from sparring.cli.terminal import ask_yes_no
from sparring.errors import DownloadDeclined, Interrupted
from sparring.figures import byte_size
from sparring.visible import visible

if TYPE_CHECKING:
    from sparring.gguf.hub import Choice

#: A download at least this big is asked about first (a writer on a metered or slow
#: line, or a small disk, should not find out afterwards).
CONFIRM_ABOVE = 1_000_000_000

EPILOG = """\
examples:
  sparring pull qwen3:4b                      an Ollama model
  sparring pull hf:Qwen/Qwen3-4B-GGUF         the repo's Q4_K_M (or the next best) GGUF file
  sparring pull hf:Qwen/Qwen3-4B-GGUF:Q8_0    a quantisation by name
  sparring pull hf:Qwen/Qwen3-4B-GGUF:Qwen3-4B-Q5_K_M.gguf
then: sparring headlines draft.md -m local:Qwen3-4B-Q4_K_M
"""


def run(argv: list[str]) -> int:
    import argparse

    parser = command_parser(
        "sparring pull",
        "Pull an Ollama model, or a GGUF file from the Hugging Face hub (hf:OWNER/REPO[:FILE]) "
        "into sparring's models dir, with a progress bar.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", help="an Ollama model, or hf:OWNER/REPO[:FILE or :QUANT]")
    parser.add_argument(
        "-y", "--yes", action="store_true", help="download a multi-GB file without asking first"
    )
    options = parser.parse_args(argv)
    if options.name.startswith("hf:"):
        return _pull_hf(options.name.removeprefix("hf:"), yes=options.yes)
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
    _say(f"pulled {name}; use it with -m ollama:{name}")
    return 0


def _pull_hf(spec: str, *, yes: bool) -> int:
    from sparring import paths
    from sparring.gguf import hub

    repo_id, wanted = hub.parse(spec)
    choice = hub.choose(hub.list_repo(repo_id), wanted)
    models_dir = paths.models_dir()
    use = f"use it with -m local:{choice.stem}"
    if hub.pulled(choice, models_dir):
        _say(f"{choice.stem} is already pulled; {use}")
        return 0
    if choice.picked:
        names = " + ".join(PurePosixPath(file.path).name for file in choice.files)
        details = ", ".join(filter(None, [choice.quant, byte_size(choice.size)]))
        _say(f"picked {names} ({details}); name another with hf:{repo_id}:FILE or :QUANT")
    _confirm_size(choice, choice.size - hub.bytes_here(choice, models_dir), yes=yes)
    bar = ProgressBar(sys.stderr)
    try:
        path = hub.download(choice, models_dir, bar.show)
    except KeyboardInterrupt:
        bar.close()
        raise Interrupted(
            f"interrupted; the part of {choice.stem} downloaded so far is kept",
            hint="run the same command again to resume",
        ) from None
    bar.close()
    _say(f"pulled {choice.stem} into {path.parent}; {use}")
    return 0


def _say(line: str) -> None:
    print(visible(line), file=sys.stderr)


def _confirm_size(choice: Choice, to_download: int, *, yes: bool) -> None:
    """Ask before a multi-GB download; refuse one nobody can be asked about."""
    if yes or to_download < CONFIRM_ABOVE:
        return
    size = byte_size(to_download)
    answer = ask_yes_no(f"Download {choice.stem} ({size}) from {choice.repo_id}? [y/N] ")
    if answer is None:
        raise DownloadDeclined(
            f"not downloading {size} without confirmation, and there is no terminal to ask on",
            hint="pass --yes to download it",
        )
    if not answer:
        raise DownloadDeclined(
            "nothing was downloaded",
            hint=f"name a smaller quantisation: sparring pull hf:{choice.repo_id}:Q4_0",
        )


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
            line += f" {byte_size(completed or 0)}/{byte_size(total)}"
        else:
            line = status
        line = visible(line)
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
