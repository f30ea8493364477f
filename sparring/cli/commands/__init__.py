"""One module per subcommand: each parses its arguments and prints; the work is done below."""

from __future__ import annotations

import pkgutil


def subcommand_names() -> set[str]:
    """The subcommands (`sparring sessions`...): one module here each, but `task`.

    A prompt of such a name cannot be run from the command line, which takes the word for
    the subcommand; `sparring prompts` says so.
    """
    return {module.name for module in pkgutil.iter_modules(__path__)} - {"task"}
