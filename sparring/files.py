"""Writing sparring's files: private (0600; the dirs it makes 0700), atomic, and without keys.

Every file sparring writes goes through here (sessions, the index, the config,
exports, the emergency copy), so every one is redacted (see secret.py) on the
way out. A dir that exists already keeps its mode (see paths.ensure_private_dir).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from sparring.errors import CannotSave
from sparring.paths import ensure_private_dir
from sparring.secret import redact


def write_private_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a crash leaves the old file or the new, never half.

    The text goes to a temp file in the same dir, is fsynced, then renamed over
    the target; the dir is fsynced so the rename survives a power cut. Whatever
    goes wrong, no temp file is left behind.
    """
    text = redact(text)
    try:
        ensure_private_dir(path.parent)
        descriptor, temp_name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise CannotSave(
            f"cannot write to {path.parent}: {error.strerror}",
            hint="check the dir's permissions and free space, or set SPARRING_HOME",
        ) from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, 0o600)
        os.replace(temp_name, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(error, OSError):
            raise CannotSave(
                f"cannot write {path}: {error.strerror}",
                hint="check the dir's permissions and free space, or set SPARRING_HOME",
            ) from None
        raise
    _fsync_dir(path.parent)


def write_export(path: Path, text: str) -> None:
    """A file the writer named (`export -o`, the keepers' Markdown): private and atomic,
    like sparring's own; through a symlink, the file it points to. A device or a pipe
    (`-o /dev/stdout`) is written as it is, never replaced."""
    target = path.resolve() if path.is_symlink() else path
    if target.exists() and not target.is_file():
        try:
            with open(target, "w", encoding="utf-8") as handle:
                handle.write(redact(text))
        except OSError as error:
            raise CannotSave(f"cannot write {path}: {error.strerror}") from None
        return
    write_private_atomically(target, text)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
