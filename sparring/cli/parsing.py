"""The command line's shared parts: a parser whose mistakes are one-line errors, and the
flags several commands take."""

from __future__ import annotations

import argparse
from typing import Any

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
