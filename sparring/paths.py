"""Where sparring keeps its files.

`SPARRING_HOME=DIR` puts everything (config.toml, sessions/, prompts/, models/)
under DIR. Otherwise the XDG base directories are used: config and user prompts
under $XDG_CONFIG_HOME/sparring, sessions and pulled models under
$XDG_DATA_HOME/sparring (sessions/, models/).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

APP = "sparring"


def _home() -> Path | None:
    home = os.environ.get("SPARRING_HOME")
    return Path(home).expanduser() if home else None


def _xdg(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable)
    base = Path(value).expanduser() if value else Path.home() / fallback
    return base / APP


def config_dir() -> Path:
    return _home() or _xdg("XDG_CONFIG_HOME", ".config")


def config_file() -> Path:
    return config_dir() / "config.toml"


def user_prompts_dir() -> Path:
    return config_dir() / "prompts"


def sessions_dir() -> Path:
    home = _home()
    if home:
        return home / "sessions"
    return _xdg("XDG_DATA_HOME", ".local/share") / "sessions"


def models_dir() -> Path:
    """Where `sparring pull hf:OWNER/REPO` puts GGUF files, as OWNER/REPO/FILE."""
    home = _home()
    if home:
        return home / "models"
    return _xdg("XDG_DATA_HOME", ".local/share") / "models"


def builtin_prompts_dir() -> Path:
    """The shipped prompts: inside the installed package, or prompts/ in a checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "_prompts"
    if packaged.is_dir():
        return packaged
    return here.parent / "prompts"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` and its missing parents, readable by the owner only.

    A dir that exists already keeps its mode: it may be shared (the temp dir,
    where the emergency copy goes) or set so by the writer (the dir of a
    session file named by its path). Only the dirs made here are made private.
    """
    missing: list[Path] = []
    folder = path
    while not folder.is_dir() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue  # made meanwhile by someone else, or not a dir: not ours to change
        with contextlib.suppress(OSError):
            folder.chmod(0o700)  # mkdir's mode passes through the umask
    return path
