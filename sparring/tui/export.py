"""Writing the keepers' Markdown to a file the writer picks."""

from __future__ import annotations

from pathlib import Path

from sparring.files import write_export
from sparring.sessions.model import Session


def default_export_path(session: Session) -> Path:
    """Next to the draft the keepers came from (`draft-keepers.md`), else in the folder
    sparring was started in: where the writer works, not among the session files."""
    files = [Path(source) for source in session.context.sources if source != "stdin"]
    if files and files[0].parent.is_dir():
        return files[0].with_name(f"{files[0].stem}-keepers.md")
    return Path.cwd() / f"keepers-{session.id}.md"


def write_markdown(text: str, path: Path) -> Path:
    """Write `text` to `path`, private (0600) like every file sparring writes; a folder
    that exists is left as it is. Raises CannotSave with the reason."""
    write_export(path, text)
    return path
