"""The sessions dir: saving, listing and finding session files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sparring import paths
from sparring.errors import BadInput, NewerFormat, NoInput, SessionFormatError, UsageError
from sparring.files import write_private_atomically
from sparring.sessions.model import Session
from sparring.sessions.toml_format import load, to_toml
from sparring.typed import Malformed, toml_data


def save(session: Session, folder: Path | None = None) -> Path:
    """Write the session atomically; raises CannotSave if the dir is not writable."""
    folder = folder or paths.sessions_dir()
    path = folder / session.file_name()
    if _written_here.get(path) != _stamp(path):
        existing = _on_disk_version(path)
        if existing is not None and existing > session.format:
            raise NewerFormat(f"{path} was written by a newer sparring; not overwriting it")
    write_private_atomically(path, to_toml(session))
    _written_here[path] = _stamp(path)
    return path


# A file this process wrote, unchanged since, needs no second look at its version.
_written_here: dict[Path, tuple[int, int] | None] = {}


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def _on_disk_version(path: Path) -> int | None:
    try:
        version = toml_data(path.read_text(encoding="utf-8")).get("format")
    except (OSError, UnicodeDecodeError, Malformed):
        return None
    return version if isinstance(version, int) else None


def save_at(session: Session, path: Path) -> Path:
    """Save `session` where it was found: in the sessions dir, or a file renamed by hand."""
    if path.name == session.file_name():
        return save(session, path.parent)
    write_private_atomically(path, to_toml(session))
    return path


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the session file at `path` for one read, change and save: others wait their turn.

    The lock is on the file itself (flock); a save replaces the file (a new inode), so a
    process that waited on the old one opens the new one and waits again, and then reads
    what the first one saved (a vote already cast, say).
    """
    import fcntl

    while True:
        try:
            handle = open(path, "rb")  # noqa: SIM115 (held until the block ends)
        except OSError as error:
            raise NoInput(f"{path}: cannot read it ({error.strerror})") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            opened, current = os.fstat(handle.fileno()), os.stat(path)
        except OSError as error:
            handle.close()
            raise NoInput(f"{path}: cannot read it ({error.strerror})") from None
        if (opened.st_dev, opened.st_ino) == (current.st_dev, current.st_ino):
            break
        handle.close()
    try:
        yield
    finally:
        handle.close()  # and with it the lock


@dataclass(frozen=True)
class Unreadable:
    path: Path
    reason: str


def session_files(folder: Path | None = None) -> list[Path]:
    """Session files, newest first (their names start with the creation time)."""
    folder = folder or paths.sessions_dir()
    if not folder.is_dir():
        return []
    # A dir or a dangling symlink named like a session is not one.
    files = [path for path in folder.glob("*.toml") if path.is_file()]
    return sorted(files, key=lambda path: path.name, reverse=True)


def iter_sessions(folder: Path | None = None) -> Iterator[Session | Unreadable]:
    """Every session, newest first; a file that cannot be read is yielded as Unreadable."""
    for path in session_files(folder):
        try:
            yield load(path)
        except (SessionFormatError, OSError, UnicodeDecodeError) as error:
            yield Unreadable(path, str(error))


def find(reference: str, folder: Path | None = None) -> Path:
    """The file of a session named by a path, an ID, or a unique prefix of an ID."""
    candidate = Path(reference).expanduser()
    if candidate.suffix == ".toml" or "/" in reference:
        if candidate.is_file():
            return candidate
        raise NoInput(f"no session file at {reference}", hint="see `sparring sessions`")
    matches = [path for path in session_files(folder) if _id_of(path).startswith(reference)]
    if not matches:
        raise UsageError(f"no session with ID '{reference}'", hint="see `sparring sessions`")
    if len(matches) > 1:
        shown = ", ".join(_id_of(path) for path in matches[:5])
        raise UsageError(
            f"the ID prefix '{reference}' matches {len(matches)} sessions ({shown})",
            hint="type more of the ID",
        )
    return matches[0]


def open_session(reference: str, folder: Path | None = None) -> Session:
    path = find(reference, folder)
    try:
        return load(path)
    except NewerFormat as error:
        raise BadInput(f"{path}: {error}", hint="upgrade sparring to open it") from None
    except (SessionFormatError, UnicodeDecodeError) as error:
        raise BadInput(f"{path}: not a readable session: {error}") from None
    except OSError as error:
        raise NoInput(f"{path}: cannot read it ({error.strerror})") from None


def _id_of(path: Path) -> str:
    return path.stem.rsplit("-", 1)[-1]
