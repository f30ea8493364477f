"""Writing sparring's own files: private (0600 in 0700 dirs) and atomic."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from sparring.errors import CannotSave
from sparring.paths import ensure_private_dir


def write_private_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a crash leaves the old file or the new, never half.

    The text goes to a temp file in the same dir, is fsynced, then renamed over
    the target; the dir is fsynced so the rename survives a power cut.
    """
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
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise CannotSave(
            f"cannot write {path}: {error.strerror}",
            hint="check the dir's permissions and free space, or set SPARRING_HOME",
        ) from None
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
