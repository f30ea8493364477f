"""The GGUF files already on this machine, and the names `local:NAME` finds them by.

Four places are searched, in this order (the first one holding a name wins):

- sparring's models dir (`paths.models_dir()`), where `sparring pull hf:` puts
  files as `OWNER/REPO/FILE.gguf`;
- the Hugging Face cache, `models--OWNER--REPO/snapshots/REVISION/FILE`
  (symlinks into `blobs/`), at HF_HUB_CACHE, else HF_HOME/hub, else
  $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub, as
  huggingface_hub's constants.py and the hub's docs/hub/local-cache.md read
  them; llama.cpp's `-hf` downloads land here too since llama.cpp #20775;
- LM Studio's models dir, `PUBLISHER/REPO/FILE.gguf` under ~/.lmstudio/models
  (and the older ~/.cache/lm-studio/models), as lmstudio.ai/docs/advanced/sideload
  lays it out;
- llama.cpp's own cache from before that change: flat files named
  `OWNER_REPO_FILE.gguf` at LLAMA_CACHE, else $XDG_CACHE_HOME/llama.cpp, else
  ~/.cache/llama.cpp (fs_get_cache_directory in llama.cpp's common.cpp).

A model is named by its file's stem (`Qwen3-4B-Q4_K_M`, without a split
model's `-00001-of-00002`) or by its repo (`Qwen/Qwen3-4B-GGUF`, which picks the
repo's preferred quantisation as `sparring pull` does). Only file names are
read here; headers are read by whoever shows them (`header.read_info`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sparring import paths
from sparring.errors import ModelNotFound, did_you_mean
from sparring.gguf import quants

SPARRING = "pulled"
HUGGING_FACE = "Hugging Face cache"
LM_STUDIO = "LM Studio"
LLAMA_CPP = "llama.cpp cache"


@dataclass(frozen=True)
class LocalGguf:
    """A model on this machine: one GGUF file, or the first part of a split one."""

    name: str  # the stem, as `local:NAME` takes it
    path: Path  # the file to load (the first part)
    source: str  # which of the places above holds it
    repo: str | None  # OWNER/REPO, when the layout says
    size: int  # bytes, every part counted


def hf_hub_cache() -> Path:
    for variable in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(variable):
            return Path(os.environ[variable]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    return _cache_home() / "huggingface" / "hub"


def lm_studio_dirs() -> list[Path]:
    home = Path.home()
    return [home / ".lmstudio" / "models", home / ".cache" / "lm-studio" / "models"]


def llama_cpp_cache() -> Path:
    if os.environ.get("LLAMA_CACHE"):
        return Path(os.environ["LLAMA_CACHE"]).expanduser()
    return _cache_home() / "llama.cpp"


def _cache_home() -> Path:
    value = os.environ.get("XDG_CACHE_HOME")
    return Path(value).expanduser() if value else Path.home() / ".cache"


def scan() -> list[LocalGguf]:
    """Every complete GGUF model in the four places, in lookup order."""
    found = list(_publisher_tree(paths.models_dir(), SPARRING))
    found += _hugging_face(hf_hub_cache())
    for folder in lm_studio_dirs():
        found += _publisher_tree(folder, LM_STUDIO)
    found += _flat(llama_cpp_cache(), LLAMA_CPP)
    return found


def handles(models: list[LocalGguf]) -> list[tuple[str, LocalGguf]]:
    """What to write after `local:` for each model: its name where that finds it, else its path."""
    taken: set[str] = set()
    named: list[tuple[str, LocalGguf]] = []
    for model in models:
        if model.name in taken:
            named.append((str(model.path), model))
        else:
            taken.add(model.name)
            named.append((model.name, model))
    return named


def find(name: str, models: list[LocalGguf]) -> LocalGguf | None:
    """The model `local:NAME` means: by stem, then by OWNER/REPO, then by stem ignoring case."""
    wanted = name.removesuffix(".gguf")
    for model in models:
        if model.name == wanted:
            return model
    in_repo = [model for model in models if model.repo and model.repo.lower() == wanted.lower()]
    if in_repo:
        # One place's copy of the repo: the first place that has it.
        first_source = [model for model in in_repo if model.source == in_repo[0].source]
        by_file = {str(model.path): model for model in first_source}
        grouped = [quants.ModelFiles(model.name, (str(model.path),)) for model in first_source]
        choice = quants.preferred(grouped) or grouped[0]
        return by_file[choice.first]
    for model in models:
        if model.name.lower() == wanted.lower():
            return model
    return None


def locate(spec: str) -> Path:
    """The GGUF file `local:SPEC` means: a path to one, or a name of one on this machine."""
    path = Path(spec).expanduser()
    if path.is_file():
        return path
    if spec.startswith(("/", "~", ".")) or (os.sep in spec and spec.endswith(".gguf")):
        raise ModelNotFound(
            f"no GGUF model file at {path}",
            hint="give the path of a .gguf file, or a name from `sparring models`",
        )
    models = scan()
    model = find(spec, models)
    if model is not None:
        return model.path
    names = [handle for handle, _ in handles(models)]
    names += sorted({model.repo for model in models if model.repo})
    raise ModelNotFound(
        f"no local model named '{spec}'",
        hint=did_you_mean(spec, names)
        or "pull one with `sparring pull hf:OWNER/REPO`; `sparring models` lists what is here",
    )


def _publisher_tree(root: Path, source: str) -> Iterator[LocalGguf]:
    """`root/OWNER/REPO/**.gguf` (files higher up count too, without a repo)."""
    files = sorted(_gguf_files(root))
    relative = [path.relative_to(root).as_posix() for path in files]
    for model in quants.group_models(relative):
        parts = _Parts(root, model)
        folders = Path(model.first).parts[:-1]
        if parts.usable:
            repo = "/".join(folders[:2]) if len(folders) >= 2 else None
            yield LocalGguf(model.stem, parts.first, source, repo, parts.size)


def _hugging_face(root: Path) -> Iterator[LocalGguf]:
    """`root/models--OWNER--REPO/snapshots/REVISION/**.gguf`, the newest snapshot first."""
    try:
        repos = sorted(folder for folder in root.iterdir() if folder.name.startswith("models--"))
    except OSError:
        return
    for folder in repos:
        repo = folder.name.removeprefix("models--").replace("--", "/")
        try:
            snapshots = sorted(
                (child for child in (folder / "snapshots").iterdir() if child.is_dir()),
                key=lambda child: child.stat().st_mtime,
                reverse=True,
            )
        except OSError:
            continue
        seen: set[str] = set()
        for snapshot in snapshots:
            relative = [p.relative_to(snapshot).as_posix() for p in sorted(_gguf_files(snapshot))]
            for model in quants.group_models(name for name in relative if name not in seen):
                seen.update(model.paths)
                parts = _Parts(snapshot, model)
                if parts.usable:
                    yield LocalGguf(model.stem, parts.first, HUGGING_FACE, repo, parts.size)


def _flat(root: Path, source: str) -> Iterator[LocalGguf]:
    try:
        names = sorted(path.name for path in root.iterdir() if path.suffix.lower() == ".gguf")
    except OSError:
        return
    for model in quants.group_models(names):
        parts = _Parts(root, model)
        if parts.usable:
            yield LocalGguf(model.stem, parts.first, source, None, parts.size)


class _Parts:
    """The files of one model under `root`: usable when every part is there and readable."""

    def __init__(self, root: Path, model: quants.ModelFiles) -> None:
        self.first = root / model.first
        self.size = 0
        self.usable = model.complete
        for name in model.paths:
            try:
                self.size += (root / name).stat().st_size  # follows the cache's symlinks
            except OSError:  # a dangling symlink: the blob is gone or still downloading
                self.usable = False


def _gguf_files(root: Path) -> Iterator[Path]:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            if name.lower().endswith(".gguf"):
                yield Path(folder) / name
