"""The `sparring` command: argument parsing, pipe mode, and the subcommands.

    sparring [TASK] [FILE ...] [-m MODEL ...]   a task in pipe mode, answer on stdout
    sparring [FILE ...] [-m MODEL ...]          the TUI (no task)
    sparring models | prompts [NAME] | pull NAME | config init|path|show
    sparring sessions [QUERY] | replay ID | rerun ID | export ID
    sparring vote ID a|b|tie|bad | stats [--task T] [--json]

The TUI is imported only to launch it, and each backend's SDK only when one
of its models runs, so `sparring --help` starts fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from sparring import __version__
from sparring.errors import SparringError, UsageError

# Each subcommand is `cmd_NAME(argv) -> int` in the module named here, imported on use.
COMMANDS = {
    "models": "sparring.commands",
    "prompts": "sparring.commands",
    "pull": "sparring.commands",
    "config": "sparring.commands",
    "sessions": "sparring.sessions_list",
    "replay": "sparring.replay",
    "rerun": "sparring.rerun",
    "export": "sparring.export",
    "vote": "sparring.vote",
    "stats": "sparring.stats_report",
}

EPILOG = """\
examples:
  cat draft.md | sparring headlines             ten headlines from the embedded model
  sparring counter notes.md plan.md -m flagship counter-arguments from a cloud model
  sparring questions draft.md -m local --vs ollama:qwen3:4b
  sparring draft.md                             open the TUI on a draft
  sparring models | prompts | pull NAME | config init
  sparring sessions [QUERY] | replay ID | rerun ID -m MODEL | export ID --format md
  sparring headlines draft.md -m local --vs flagship --blind    answers as A and B, then vote
  sparring vote ID a|b|tie|bad | stats [--task T] [--json]      is the small model good enough?

exit codes: 0 ok, 2 usage or config, 65 bad input, 66 no input, 69 backend or
model missing, 73 cannot save, 75 temporary failure or cut stream,
77 authentication, 130 interrupted
"""


def build_parser() -> argparse.ArgumentParser:
    parser = command_parser(
        "sparring",
        "Feed your draft to a model and let it push back: headlines, "
        "counter-arguments, questions. Small local and flagship models, side by side.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("args", nargs="*", metavar="[TASK] [FILE]", help="a task, then files")
    parser.add_argument(
        "-m",
        "--model",
        action="append",
        default=[],
        metavar="MODEL",
        help="model to ask (repeat to compare): local, ollama:NAME, openai:NAME, "
        "anthropic:NAME, ENDPOINT:NAME or an alias",
    )
    parser.add_argument(
        "--vs",
        action="append",
        default=[],
        metavar="MODEL",
        help="a model to compare with the first",
    )
    parser.add_argument("--count", type=int, metavar="N", help="how many items to ask for")
    parser.add_argument("--ask", metavar="TEXT", default="", help="a one-off instruction")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        dest="fields",
        help="fill a prompt field, e.g. --set audience=teachers",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--print",
        action="store_true",
        dest="print_mode",
        help="never open the TUI; print the answer",
    )
    parser.add_argument(
        "--blind",
        action="store_true",
        help="with two models: show the answers as A and B, in a random order and without "
        "names or figures, then vote; the names are revealed after the vote",
    )
    parser.add_argument("--no-save", action="store_true", help="do not save a session")
    parser.add_argument(
        "-y",
        "--yes",
        action="store_true",
        help="send the context to cloud models without asking first",
    )
    parser.add_argument(
        "--local-only", action="store_true", help="refuse every model that is not on this machine"
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("--version", action="version", version=f"sparring {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    # Called with no arguments, this is the `sparring` process itself, which pipe
    # mode may end at once when it is done; called with some, it must return.
    whole_process = argv is None
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    try:
        if argv and argv[0] in COMMANDS:
            from importlib import import_module

            module = import_module(COMMANDS[argv[0]])
            handler: Callable[[list[str]], int] = getattr(module, f"cmd_{argv[0]}")
            return handler([arg for arg in argv[1:] if arg != "--debug"])
        return run(argv, whole_process=whole_process)
    except SparringError as error:
        if debug:
            raise
        report(error)
        return error.exit_code
    except KeyboardInterrupt:
        print("sparring: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def report(error: SparringError) -> None:
    from sparring.visible import visible

    print(f"sparring: error: {visible(error.one_line())}", file=sys.stderr)


def command_parser(prog: str, description: str, **kwargs: object) -> argparse.ArgumentParser:
    """An argparse parser whose mistakes are sparring's one-line usage errors (exit 2)."""
    parser = argparse.ArgumentParser(prog=prog, description=description, **kwargs)  # type: ignore[arg-type]

    def fail(message: str) -> None:
        raise UsageError(message, hint=f"see `{prog} --help`")

    parser.error = fail  # type: ignore[method-assign]
    return parser


def run(argv: list[str], *, whole_process: bool = False) -> int:
    options = build_parser().parse_intermixed_args(argv)  # --help ends here, before imports

    from sparring import config as config_module
    from sparring import prompts
    from sparring.context import gather, piped_stdin

    config = config_module.load()
    local_only = options.local_only or config.privacy == "local-only"
    models = [*options.model, *options.vs] or [config.default_model]
    if options.vs and not options.model:
        models = [config.default_model, *options.vs]
    if options.blind:
        _check_blind(models, options)
    if options.count is not None and options.count < 1:
        raise UsageError(f"--count must be at least 1, not {options.count}")
    values = _field_values(options.fields)

    available = prompts.load_all()
    task, files = _split_task(options.args, available, bool(options.ask))
    _check_models(models, config, local_only)

    if task is None and not (options.print_mode or options.json):
        if options.blind:
            raise UsageError(
                "--blind needs a task",
                hint="e.g. sparring headlines draft.md -m local --vs flagship --blind",
            )
        stdin = piped_stdin()
        gathered = gather(files, stdin, max_chars=config.max_context_chars, required=False)
        return _launch_tui(
            config,
            gathered.text,
            gathered.sources,
            options.model,
            local_only,
            available,
            reattach=stdin is not None,
        )
    if task is None:
        task = prompts.FREE_TEXT if options.ask else "headlines"
    prompt = prompts.get(task, available)
    if prompt.name == prompts.FREE_TEXT and not options.ask:
        raise UsageError("the 'ask' task needs an instruction", hint='add --ask "your question"')
    gathered = gather(files, piped_stdin(), max_chars=config.max_context_chars)

    from sparring import lifecycle

    if whole_process:
        lifecycle.hold_gc()  # until the first text arrives (pipe.py releases it)

    from sparring.pipe import PipeRequest
    from sparring.pipe import run as run_pipe

    code = run_pipe(
        PipeRequest(
            prompt=prompt,
            context=gathered.text,
            sources=gathered.sources,
            models=models,
            count=options.count,
            instruction=options.ask,
            values=values,
            as_json=options.json,
            save=not options.no_save,
            local_only=local_only,
            allow_cloud=options.yes or config.privacy == "allow-cloud",
            blind=options.blind,
        ),
        config,
    )
    if whole_process:
        # The session is saved and synced, the answer printed: nothing is left to do.
        lifecycle.exit_now(code)
    return code


def _split_task(args: list[str], available: dict, asking: bool) -> tuple[str | None, list[str]]:  # type: ignore[type-arg]
    """The task (first argument, if it names a prompt) and the files after it."""
    from sparring.prompts import FREE_TEXT

    if not args:
        return (FREE_TEXT if asking else None), []
    first, rest = args[0], args[1:]
    if first in available or first == FREE_TEXT:
        return first, rest
    if os.path.exists(first) or os.sep in first or "." in first:
        return (FREE_TEXT if asking else None), args
    from sparring.prompts import get

    get(first, available)  # raises with a suggestion
    return None, args


def _check_blind(models: list[str], options: argparse.Namespace) -> None:
    if len(models) != 2:
        raise UsageError(
            f"--blind compares exactly two models, not {len(models)}",
            hint="e.g. -m local --vs flagship --blind",
        )
    if models[0] == models[1]:
        raise UsageError(
            "--blind needs two different models", hint="e.g. -m local --vs flagship --blind"
        )
    if options.no_save:
        raise UsageError(
            "--blind records your vote in the session, so it cannot be used with --no-save"
        )


def _field_values(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise UsageError(f"--set takes FIELD=VALUE, not '{pair}'")
        values[name.strip()] = value
    return values


def _check_models(models: list[str], config, local_only: bool) -> None:  # type: ignore[no-untyped-def]
    """Resolve every model name up front, so a typo fails before anything runs."""
    from sparring.engine import check_local_only
    from sparring.providers import resolve

    refs = [resolve(name, config) for name in models]
    if local_only:
        check_local_only(refs)


def _launch_tui(
    config,
    context: str,
    sources: list[str],
    models: list[str],  # type: ignore[no-untyped-def]
    local_only: bool,
    prompts: dict,  # type: ignore[type-arg]
    *,
    reattach: bool,
) -> int:
    if not _has_terminal(reattach):
        raise UsageError(
            "the TUI needs a terminal, and there is none here",
            hint="use pipe mode: cat draft.md | sparring headlines",
        )
    from sparring.tui.app import run_tui

    # The prompts read already: the app does not read the files again.
    return run_tui(
        config=config,
        context=context,
        sources=sources,
        models=models,
        local_only=local_only,
        prompts=prompts,
    )


def _has_terminal(reattach: bool) -> bool:
    """True when the TUI can draw and read keys; re-opens a piped stdin from /dev/tty."""
    if not sys.stdout.isatty():
        return False
    if reattach or not sys.stdin or not sys.stdin.isatty():
        try:
            terminal = os.open("/dev/tty", os.O_RDWR)
        except OSError:
            return False
        os.dup2(terminal, 0)
        os.close(terminal)
        sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
    return True
