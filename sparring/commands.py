"""The subcommands: models, prompts, pull, config, sessions, replay."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from sparring.errors import ProviderUnavailable


def _parser(name: str, description: str) -> argparse.ArgumentParser:
    from sparring.cli import command_parser

    return command_parser(f"sparring {name}", description)


# --- models ---------------------------------------------------------------


def cmd_models(argv: list[str]) -> int:
    from sparring import config as config_module
    from sparring.providers import ollama_host
    from sparring.providers.local import default_model_path, llama_cpp_installed

    _parser("models", "List the models that can be used now.").parse_args(argv)
    config = config_module.load()
    rows: list[tuple[str, str, str]] = []
    path = default_model_path()
    if path and llama_cpp_installed():
        rows.append(("local", "local", f"embedded {path.stem}, ready"))
    elif path:
        rows.append(("local", "local", "llama-cpp-python missing: pip install 'sparring[local]'"))
    else:
        rows.append(("local", "local", "not installed: pip install 'sparring[local]'"))

    ollama_rows, ollama_problem = asyncio.run(_ollama_models())
    rows.extend(ollama_rows)
    if ollama_problem:
        rows.append(("ollama:*", "-", ollama_problem))
    elif not ollama_rows:
        rows.append(
            ("ollama:*", "local", f"no models pulled at {ollama_host()}: sparring pull NAME")
        )

    rows.append(("openai:MODEL", _openai_location(), _key_state("OPENAI_API_KEY")))
    rows.append(("anthropic:MODEL", "cloud", _key_state("ANTHROPIC_API_KEY")))
    for name, endpoint in config.endpoints.items():
        if endpoint.api_key_command:
            state = "key from a command"
        elif endpoint.api_key_env:
            state = _key_state(endpoint.api_key_env)
        else:
            state = "no key needed"
        rows.append((f"{name}:MODEL", endpoint.location, f"{endpoint.base_url}, {state}"))
    for alias, target in config.aliases.items():
        rows.append((alias, "-", f"alias for {target}"))
    _table(rows)
    return 0


async def _ollama_models() -> tuple[list[tuple[str, str, str]], str | None]:
    from sparring.providers.ollama import OllamaBackend

    backend = OllamaBackend("", stall_timeout=5.0)
    try:
        names = await backend.list_models()
        details = await asyncio.gather(*(backend.show(name) for name in names))
    except ProviderUnavailable as error:
        return [], f"Ollama: {error.one_line()}"
    finally:
        await backend.aclose()
    rows = []
    for name, info in zip(names, details, strict=True):
        remote = info.get("remote_host")
        where = "cloud" if remote or backend.location == "cloud" else "local"
        rows.append((f"ollama:{name}", where, f"runs at {remote}" if remote else "pulled"))
    return rows, None


def _openai_location() -> str:
    from sparring.providers import is_loopback_url

    base_url = os.environ.get("OPENAI_BASE_URL", "")
    return "local" if base_url and is_loopback_url(base_url) else "cloud"


def _key_state(variable: str) -> str:
    return f"{variable} set" if os.environ.get(variable, "").strip() else f"{variable} not set"


def _table(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=True)]
        print("  ".join(cells).rstrip())


# --- prompts --------------------------------------------------------------


def cmd_prompts(argv: list[str]) -> int:
    from sparring import paths, prompts

    parser = _parser("prompts", "List the prompts, or show one.")
    parser.add_argument("name", nargs="?")
    options = parser.parse_args(argv)
    available = prompts.load_all()
    if options.name:
        prompt = prompts.get(options.name, available)
        if prompt.source is not None:
            print(f"# {prompt.source}", file=sys.stderr)
            sys.stdout.write(prompt.source.read_text(encoding="utf-8"))
        else:
            print(f"system: {prompt.system}\ntemplate: {prompt.template}")
        return 0
    user_dir = paths.user_prompts_dir()
    rows = []
    for name, prompt in sorted(available.items()):
        origin = "yours" if prompt.source and prompt.source.parent == user_dir else "built-in"
        rows.append((name, prompt.output, origin, prompt.description))
    rows.append((prompts.FREE_TEXT, "text", "built-in", 'a one-off instruction: --ask "..."'))
    _table(rows)
    return 0


# --- pull -----------------------------------------------------------------


def cmd_pull(argv: list[str]) -> int:
    parser = _parser("pull", "Pull an Ollama model, with a progress bar.")
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

    def __init__(self, stream) -> None:  # type: ignore[no-untyped-def]
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


# --- config ---------------------------------------------------------------


def cmd_config(argv: list[str]) -> int:
    from sparring import config as config_module
    from sparring import paths

    parser = _parser("config", "Write, locate or show the config file.")
    parser.add_argument("action", choices=["init", "path", "show"])
    parser.add_argument("--force", action="store_true", help="replace an existing file (init)")
    options = parser.parse_args(argv)
    if options.action == "path":
        print(paths.config_file())
    elif options.action == "init":
        path = config_module.write_starter(force=options.force)
        print(f"wrote {path}", file=sys.stderr)
    else:
        config_module.load()  # refuses a broken file with file, line and key
        path = paths.config_file()
        if path.exists():
            sys.stdout.write(path.read_text(encoding="utf-8"))
        else:
            print(f"no config file at {path}; the defaults apply", file=sys.stderr)
    return 0
