"""`sparring models`: the models that can be used now, and where each runs.

What is on this machine (the embedded model, GGUF files with their size and
context length, read from each file's header without llama.cpp), the
aliases, the cloud providers (their models once the key is set, else what
to set), and what every server serves: Ollama's pulled models and each
configured endpoint's list (see available.py; the TUI's picker shows the same).
"""

from __future__ import annotations

import asyncio

from sparring.cli.output import table
from sparring.cli.parsing import add_privacy_flags, command_parser


def run(argv: list[str]) -> int:
    from sparring import available
    from sparring import config as config_module
    from sparring.config import Privacy

    parser = command_parser(
        "sparring models",
        "List the models that can be used now: on this machine, at Ollama, at every "
        "configured endpoint, and in the cloud.",
    )
    add_privacy_flags(parser)
    options = parser.parse_args(argv)
    config = config_module.load()
    privacy = Privacy.resolve(config, local_only=options.local_only, yes=options.yes)
    choices = asyncio.run(available.everything(config, privacy))
    # `table` shows control characters (names and details come from servers too).
    table([(choice.name, choice.location or "-", choice.detail) for choice in choices])
    return 0
