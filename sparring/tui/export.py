"""Writing the keepers' Markdown to a file the writer picks."""

from __future__ import annotations

from pathlib import Path

from sparring import paths
from sparring.files import write_export
from sparring.sessions.model import Session


def default_export_path(session: Session) -> Path:
    """Next to the session file, with the same name."""
    return paths.sessions_dir() / f"{Path(session.file_name()).stem}.md"


def write_markdown(text: str, path: Path) -> Path:
    """Write `text` to `path`, private (0600) like every file sparring writes; a folder
    that exists is left as it is. Raises CannotSave with the reason."""
    write_export(path, text)
    return path
