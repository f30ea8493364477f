"""The command line's shared parts: a parser whose mistakes are one-line errors, and the
flags several commands take."""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from sparring.config import Config
from sparring.errors import UsageError


def command_parser(prog: str, description: str, **kwargs: Any) -> argparse.ArgumentParser:
    """An argparse parser whose mistakes are sparring's one-line usage errors (exit 2)."""
    parser = argparse.ArgumentParser(prog=prog, description=description, **kwargs)

    def fail(message: str) -> None:
        raise UsageError(message, hint=f"see `{prog} --help`")

    parser.error = fail  # type: ignore[method-assign, assignment]
    return parser


def add_privacy_flags(parser: argparse.ArgumentParser) -> None:
    """--yes and --local-only, as every command that sends the context takes them."""
    parser.add_argument(
        "-y",
        "--yes",
        action="store_true",
        help="send the context to cloud models without asking first",
    )
    parser.add_argument(
        "--local-only", action="store_true", help="refuse every model that is not on this machine"
    )


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def add_session_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session", help="an ID, a unique prefix of one, or a path")


def field_values(pairs: list[str]) -> dict[str, str]:
    """`--set NAME=VALUE` pairs as a dict."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise UsageError(f"--set takes FIELD=VALUE, not '{pair}'")
        values[name.strip()] = value
    return values


def add_run_flags(parser: argparse.ArgumentParser) -> None:
    """--temperature, --max-tokens and --seed: this run's sampling, over the config's."""
    parser.add_argument(
        "--temperature", type=float, metavar="T", help="sampling temperature for this run"
    )
    parser.add_argument(
        "--max-tokens", type=int, metavar="N", help="the answer's token budget for this run"
    )
    parser.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help="the sampler's seed (a new one each run; the session records it, so a run can "
        "be repeated where the model honours seeds)",
    )


def run_config(config: Config, options: argparse.Namespace) -> Config:
    """The config with this run's --temperature and --max-tokens in it."""
    if options.temperature is not None and not 0 <= options.temperature <= 2:
        raise UsageError(f"--temperature must be between 0 and 2, not {options.temperature}")
    if options.max_tokens is not None and options.max_tokens < 1:
        raise UsageError(f"--max-tokens must be at least 1, not {options.max_tokens}")
    if options.seed is not None and options.seed < 0:
        raise UsageError(f"--seed must not be negative, not {options.seed}")
    changes: dict[str, Any] = {}
    if options.temperature is not None:
        changes["temperature"] = options.temperature
    if options.max_tokens is not None:
        changes["max_tokens"] = options.max_tokens
        # The embedded model's own cap would otherwise keep the lower of the two.
        changes["local"] = dataclasses.replace(config.local, max_tokens=options.max_tokens)
    return dataclasses.replace(config, **changes) if changes else config
