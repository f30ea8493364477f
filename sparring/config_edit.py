"""Changing one setting in the writer's config file, and leaving the rest as it was written.

Writing the whole file back (tomli-w) would drop the writer's comments and
order, so a task's default model is set and undone as text: its own table
`[tasks.NAME]` with one line, marked as sparring's. The result is read back
with the config reader before it replaces the file, so a change can never
leave a config sparring cannot start with.
"""

from __future__ import annotations

import re
from pathlib import Path

from sparring import config as config_module
from sparring import paths
from sparring.errors import ConfigError
from sparring.files import write_private_atomically

MARK = "# set by `sparring stats --route`; undo: sparring stats --unroute"


def set_task_model(task: str, model: str, path: Path | None = None) -> Path:
    """Make `model` the default of `task` in the config file (created if there is none)."""
    path = path or paths.config_file()
    text = _read(path)
    text = _without_task_table(text, task)
    if text and not text.endswith("\n"):
        text += "\n"
    separator = "\n" if text.strip() else ""
    text += f"{separator}[tasks.{_key(task)}]\nmodel = {_string(model)}  {MARK} {task}\n"
    return _write(path, text)


def clear_task_model(task: str, path: Path | None = None) -> Path:
    """Undo `set_task_model`: the task runs on the default model again."""
    path = path or paths.config_file()
    return _write(path, _without_task_table(_read(path), task))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None


def _write(path: Path, text: str) -> Path:
    staged = path.with_name(f".{path.name}.checking")
    write_private_atomically(staged, text)
    try:
        config_module.load(staged)  # never leave a config that does not load
    finally:
        staged.unlink(missing_ok=True)
    write_private_atomically(path, text)
    return path


def _without_task_table(text: str, task: str) -> str:
    """`text` without the `[tasks.TASK]` table (its header and its lines)."""
    header = re.compile(rf"^\s*\[\s*tasks\s*\.\s*(?:{re.escape(task)}|\"{re.escape(task)}\")\s*\]")
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    skipping = False
    for line in lines:
        if header.match(line):
            skipping = True
            continue
        if skipping and line.lstrip().startswith("["):
            skipping = False
        if not skipping:
            kept.append(line)
    result = "".join(kept)
    return result.rstrip("\n") + "\n" if result.strip() else ""


def _key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _string(name)


def _string(value: str) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)
