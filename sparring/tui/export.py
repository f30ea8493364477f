"""Writing the keepers' Markdown to a file the writer picks."""

from __future__ import annotations

from pathlib import Path

from sparring.errors import CannotSave
from sparring.files import write_private_atomically
from sparring.sessions.model import Session


def default_export_path(session: Session) -> Path:
    """Next to the draft the keepers came from (`draft-keepers.md`), else in the folder
    sparring was started in: where the writer works, not among the session files."""
    files = [Path(source) for source in session.context.sources if source != "stdin"]
    if files and files[0].parent.is_dir():
        return files[0].with_name(f"{files[0].stem}-keepers.md")
    return Path.cwd() / f"keepers-{session.id}.md"


def write_markdown(text: str, path: Path, *, private: bool) -> Path:
    """Write `text` to `path`; raises CannotSave with the reason.

    The file next to the session is private like the session; a path the
    writer chose elsewhere is written plainly, its folder left as it is.
    """
    if private:
        write_private_atomically(path, text)
        return path
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CannotSave(
            f"cannot write {path}: {error.strerror}", hint="pick another path"
        ) from None
    return path
