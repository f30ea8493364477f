"""`sparring [TASK] [FILE ...]`: a task in pipe mode, or the TUI when no task is named."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from sparring import __version__
from sparring.cli.parsing import (
    add_privacy_flags,
    add_run_flags,
    command_parser,
    field_values,
    run_config,
)
from sparring.config import THINK_SETTINGS, Config, Privacy
from sparring.errors import PromptError, UsageError
from sparring.prompts import Prompt
from sparring.visible import encodable

if TYPE_CHECKING:
    from sparring.cli.pipe import PipeOptions

EPILOG = """\
examples:
  cat draft.md | sparring headlines             ten headlines from the embedded model
  sparring counter notes.md plan.md -m flagship counter-arguments from a cloud model
  sparring questions draft.md -m local --vs ollama:qwen3:4b
  sparring draft.md                             open the TUI on a draft
  sparring models | prompts | pull NAME|hf:OWNER/REPO | config init
  sparring continue [ID] "shorter, please"      follow up on a session (the newest by default)
  sparring sessions [QUERY] | replay ID | rerun ID -m MODEL | export ID --format md
  sparring headlines draft.md -m local --vs flagship --blind    answers as A and B, then vote
  sparring vote ID a|b|tie|bad | stats [--task T] [--json]      is the small model good enough?

exit codes: 0 ok, 2 usage or config, 65 bad input, 66 no input, 69 backend or
model missing, 73 cannot save, 75 temporary failure, cut stream or download,
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
    parser.add_argument(
        "--think",
        choices=THINK_SETTINGS,
        metavar="LEVEL",
        help="how much reasoning models think: off, low, medium, high, or auto (their "
        "default; the task's or the model's setting in the config otherwise)",
    )
    parser.add_argument(
        "--hide-thinking",
        action="store_true",
        help="do not show a model's thinking on stderr (it is still saved)",
    )
    parser.add_argument(
        "--free",
        action="store_true",
        help="let a list task's answers come as the models write them (by default a model "
        "on this machine is held to exactly the count asked, one item a line)",
    )
    parser.add_argument(
        "--raw",
        action="store_true",
        help="print a list task's reply as the model wrote it, not the folded list",
    )
    parser.add_argument(
        "--sections",
        action="store_true",
        help="a draft longer than the model's window: ask about it part by part (split at "
        "headings, then paragraphs) and fold the items across the parts",
    )
    add_run_flags(parser)
    parser.add_argument("--no-save", action="store_true", help="do not save a session")
    add_privacy_flags(parser)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("--version", action="version", version=f"sparring {__version__}")
    return parser


def run(argv: list[str], *, whole_process: bool = False) -> int:
    options = build_parser().parse_intermixed_args(argv)  # --help ends here, before imports

    from sparring import config as config_module
    from sparring import prompts
    from sparring.context import gather, piped_stdin

    config = run_config(config_module.load(), options)
    privacy = Privacy.resolve(config, local_only=options.local_only, yes=options.yes)
    if options.count is not None and options.count < 1:
        raise UsageError(f"--count must be at least 1, not {options.count}")
    # Text from the command line is the writer's words, sent and saved: a byte that is not
    # UTF-8 (`--ask $'\xff'`) becomes U+FFFD. File names stay paths (see context.path_text).
    options.ask = encodable(options.ask)
    values = {name: encodable(value) for name, value in field_values(options.fields).items()}

    available = prompts.load_all()
    task, files = _split_task(options.args, available, bool(options.ask))
    # No model named: the task's own default (set by `sparring stats --route`), else the config's.
    default = config.task_model(task or "headlines")
    models = [*options.model, *options.vs] or [default]
    if options.vs and not options.model:
        models = [default, *options.vs]
    if options.blind:
        _check_blind(models, options)
    _check_models(models, config, privacy)

    if task is None and not (options.print_mode or options.json):
        if options.blind:
            raise UsageError(
                "--blind needs a task",
                hint="e.g. sparring headlines draft.md -m local --vs flagship --blind",
            )
        stdin = piped_stdin()
        gathered = gather(files, stdin, max_chars=config.max_context_chars, required=False)
        _warn(gathered.warnings)
        return _launch_tui(
            config,
            gathered.text,
            gathered.sources,
            options.model,
            privacy,
            available,
            stdin_was_piped=stdin is not None,
        )
    if task is None:
        task = prompts.FREE_TEXT if options.ask else "headlines"
    prompt = prompts.get(task, available)
    if prompt.name == prompts.FREE_TEXT and not options.ask:
        raise UsageError("the 'ask' task needs an instruction", hint='add --ask "your question"')
    warm_embedded(models, config, files)
    gathered = gather(files, piped_stdin(), max_chars=config.max_context_chars)
    _warn(gathered.warnings)

    from sparring.cli import lifecycle, streams

    if whole_process:
        lifecycle.hold_gc()  # until the first text arrives (pipe.py releases it)

    from sparring.cli.pipe import PipeRequest
    from sparring.cli.pipe import run as run_pipe

    code = run_pipe(
        PipeRequest(
            prompt=prompt,
            context=gathered.text,
            sources=gathered.sources,
            models=models,
            count=options.count,
            instruction=options.ask,
            values=values,
            think=options.think,
            seed=options.seed,
            free=options.free,
            sections=options.sections,
            options=pipe_options(options, privacy),
        ),
        config,
    )
    if whole_process:
        # The session is saved and synced, the answer printed: nothing is left to do.
        lifecycle.exit_now(streams.finish(code))
    return code


def pipe_options(options: argparse.Namespace, privacy: Privacy) -> PipeOptions:
    """How the run is shown and kept, from the flags a task and `continue` share."""
    from sparring.cli.pipe import PipeOptions

    return PipeOptions(
        as_json=options.json,
        save=not options.no_save,
        privacy=privacy,
        blind=getattr(options, "blind", False),
        show_thinking=not options.hide_thinking,
        raw=options.raw,
    )


def _warn(warnings: list[str]) -> None:
    """What the writer should know about their files, on stderr, before anything runs."""
    if warnings:
        from sparring.cli.pipe import warn

        for warning in warnings:
            warn(f"warning: {warning}")


def warm_embedded(models: list[str], config: Config, files: list[str]) -> None:
    """Start loading the embedded model while the draft is read: it is ready sooner."""
    import threading

    from sparring.errors import SparringError
    from sparring.providers import open_backend, resolve
    from sparring.providers.local import LocalBackend

    refs = [ref for ref in (resolve(name, config) for name in models) if ref.provider == "local"]
    if not refs:
        return
    characters = sum(os.path.getsize(name) for name in files if os.path.isfile(name))

    def load() -> None:
        for ref in refs:
            try:
                backend = open_backend(ref, config)
                if isinstance(backend, LocalBackend):
                    backend.warm(characters)
            except (SparringError, ImportError, OSError):
                pass  # the run opens it again, and says what is wrong then

    threading.Thread(target=load, name="sparring-warm", daemon=True).start()


def _split_task(
    args: list[str], available: dict[str, Prompt], asking: bool
) -> tuple[str | None, list[str]]:
    """The task (first argument, if it names a prompt) and the files after it.

    A task whose prompt file is broken is refused with that file's error; the
    other broken files are named in a warning, and every other task runs.
    """
    from sparring.prompts import FREE_TEXT

    broken: dict[str, PromptError] = getattr(available, "broken", {})
    if args and args[0] in broken:
        raise broken[args[0]]
    _warn([f"skipped a broken prompt file: {error.one_line()}" for error in broken.values()])
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


def _check_models(models: list[str], config: Config, privacy: Privacy) -> None:
    """Resolve every model name up front, so a typo fails before anything runs."""
    from sparring.egress import check_local_only
    from sparring.providers import resolve

    refs = [resolve(name, config) for name in models]
    if privacy.local_only:
        check_local_only(refs)


def _launch_tui(
    config: Config,
    context: str,
    sources: list[str],
    models: list[str],
    privacy: Privacy,
    prompts: dict[str, Prompt],
    *,
    stdin_was_piped: bool,
) -> int:
    from sparring.cli.terminal import attach_keyboard

    if not attach_keyboard(stdin_was_piped):
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
        privacy=privacy,
        prompts=prompts,
    )
