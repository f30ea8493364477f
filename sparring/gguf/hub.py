"""`sparring pull hf:OWNER/REPO[:FILE]`: a GGUF model from the Hugging Face hub, resumable and
checked.

The only module that imports huggingface_hub, and only `pull hf:` imports it.
The hub is spoken to through huggingface_hub (HF_ENDPOINT, HF_TOKEN and
HF_HUB_OFFLINE apply as everywhere), in three steps that follow its own
hf_hub_download (file_download.py):

1. `HfApi.model_info(files_metadata=True)`, i.e. GET /api/models/OWNER/REPO?blobs=true:
   the commit, and every file with its size and, for LFS files (every GGUF), the
   sha256 of its content.
2. `get_hf_file_metadata`, a HEAD of /OWNER/REPO/resolve/COMMIT/FILE: the hub answers
   with a redirect to its CDN, X-Linked-Size and X-Linked-Etag (the sha256).
3. `http_get` of the CDN address into `FILE.<sha256[:12]>.part` beside the
   destination, with `Range: bytes=N-` when N bytes are already there.

hf_hub_download itself is not used: since huggingface_hub 2.x it downloads to a
temp file unique to the process and deletes it on failure (its PR #4228), so a
cut multi-GB download would start again from nothing. Here the partial file
stays until it is complete; then its sha256 is compared with the hub's, and
only a matching file is renamed into place (a mismatch removes it). The
download is pinned to the commit of step 1, so every part of a split model
comes from the same revision.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

from sparring.errors import (
    AuthenticationFailed,
    CannotSave,
    DownloadCorrupt,
    ModelNotFound,
    ProviderUnavailable,
    SparringError,
    TemporaryFailure,
    UsageError,
)
from sparring.gguf import quants

#: Progress as the CLI's ProgressBar.show takes it: (status, bytes done, bytes in all).
Report = Callable[[str, int | None, int | None], None]

_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_RESUME_HINT = "run the same command again: it resumes where it stopped"


@dataclass(frozen=True)
class HubFile:
    path: str  # in the repo, POSIX-style
    size: int
    sha256: str | None  # of the content, for LFS files
    blob_id: str | None  # the git blob's sha1, for files stored in git itself


@dataclass(frozen=True)
class Listing:
    repo_id: str
    revision: str  # the commit every download is pinned to
    files: tuple[HubFile, ...]


@dataclass(frozen=True)
class Choice:
    """The file to pull (or every part of a split model), and why it was picked."""

    repo_id: str
    revision: str
    stem: str
    files: tuple[HubFile, ...]
    picked: bool  # chosen here, because the writer named no file

    @property
    def size(self) -> int:
        return sum(file.size for file in self.files)

    @property
    def quant(self) -> str | None:
        return quants.quant_of(self.stem)


def parse(spec: str) -> tuple[str, str | None]:
    """`OWNER/REPO[:FILE]` (after `hf:`) as (repo id, file or quantisation or None)."""
    repo_id, _, wanted = spec.strip().partition(":")
    repo_id = repo_id.strip("/")
    if not _REPO_ID.match(repo_id) or ".." in repo_id or "--" in repo_id:
        raise UsageError(
            f"'hf:{spec}' does not name a Hugging Face repo",
            hint="write hf:OWNER/REPO or hf:OWNER/REPO:FILE, e.g. hf:Qwen/Qwen3-4B-GGUF",
        )
    return repo_id, wanted.strip() or None


def list_repo(repo_id: str) -> Listing:
    """The repo's files with their sizes and checksums, at its current commit."""
    from huggingface_hub import HfApi

    with hub_errors(repo_id):
        info = HfApi().model_info(repo_id, files_metadata=True)
    files = tuple(
        HubFile(
            sibling.rfilename,
            sibling.lfs.size if sibling.lfs else sibling.size or 0,
            sibling.lfs.sha256 if sibling.lfs else None,
            sibling.blob_id,
        )
        for sibling in info.siblings or []
    )
    if not info.sha:
        raise ProviderUnavailable(
            f"the hub named no commit for {repo_id}", hint="check HF_ENDPOINT: is it a hub?"
        )
    return Listing(repo_id, info.sha, files)


def choose(listing: Listing, wanted: str | None) -> Choice:
    """The file named (a file name or a quantisation such as Q8_0), or the preferred one."""
    by_path = {file.path: file for file in listing.files}
    models = quants.group_models(by_path)
    repo = listing.repo_id
    if not models:
        raise ModelNotFound(
            f"{repo} holds no GGUF model file",
            hint="pick a repo of GGUF files (their names usually end in -GGUF)",
        )
    available = _available(models)
    if wanted is None:
        model = quants.preferred(models)
        if model is None:
            raise UsageError(
                f"{repo} has {len(models)} GGUF models and none is named by a usual quantisation",
                hint=f"name one: sparring pull hf:{repo}:FILE ({available})",
            )
    else:
        model = _named(models, wanted, repo, available)
    if not model.complete:
        raise ModelNotFound(
            f"{model.stem} in {repo} is split into parts and some are missing from the repo",
            hint=f"pick another: {available}",
        )
    files = tuple(by_path[path] for path in model.paths)
    return Choice(repo, listing.revision, model.stem, files, picked=wanted is None)


def _named(
    models: list[quants.ModelFiles], wanted: str, repo: str, available: str
) -> quants.ModelFiles:
    if wanted.lower().endswith(".gguf"):
        if quants.is_projector(wanted):
            raise UsageError(
                f"{wanted} is a multimodal projector (mmproj), not a model",
                hint=f"pick a model file: {available}",
            )
        for model in models:
            names = {*model.paths, *(PurePosixPath(path).name for path in model.paths)}
            if wanted in names:
                return model
    else:
        tagged = [model for model in models if model.quant == wanted.upper()]
        if tagged:
            return min(tagged, key=lambda model: (len(model.stem), model.first))
    raise ModelNotFound(f"{repo} has no GGUF file {wanted}", hint=f"it has {available}")


def _available(models: list[quants.ModelFiles]) -> str:
    tags = sorted({model.quant for model in models if model.quant}, key=quants.rank)
    if tags:
        return "quantisations " + ", ".join(tags)
    return "files " + ", ".join(PurePosixPath(model.first).name for model in models[:6])


def destinations(choice: Choice, models_dir: Path) -> list[Path]:
    """Where each file of `choice` goes: MODELS_DIR/OWNER/REPO/FILE."""
    base = models_dir / choice.repo_id
    targets = []
    for file in choice.files:
        parts = PurePosixPath(file.path).parts
        if PurePosixPath(file.path).is_absolute() or ".." in parts:
            raise ProviderUnavailable(f"the hub listed a file outside its repo: {file.path}")
        targets.append(base.joinpath(*parts))
    return targets


def partial_path(target: Path, file: HubFile) -> Path:
    """The file a download grows in, named by the content it should have."""
    tag = (file.sha256 or file.blob_id or "unknown")[:12]
    return target.with_name(f"{target.name}.{tag}.part")


def bytes_here(choice: Choice, models_dir: Path) -> int:
    """Bytes of `choice` already on disk: whole files, and what partial downloads hold."""
    total = 0
    for file, target in zip(choice.files, destinations(choice, models_dir), strict=True):
        if _complete(target, file):
            total += file.size
        else:
            with contextlib.suppress(OSError):
                total += min(partial_path(target, file).stat().st_size, file.size)
    return total


def pulled(choice: Choice, models_dir: Path) -> bool:
    return all(
        _complete(target, file)
        for file, target in zip(choice.files, destinations(choice, models_dir), strict=True)
    )


def _complete(target: Path, file: HubFile) -> bool:
    # A file reaches its name only after its checksum matched (see download).
    try:
        return target.stat().st_size == file.size
    except OSError:
        return False


def download(choice: Choice, models_dir: Path, report: Report) -> Path:
    """Every file of `choice` into MODELS_DIR/OWNER/REPO, checked; the path to load."""
    import logging

    # Its retry warnings would be extra lines on stderr; failures reach us as exceptions.
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
    targets = destinations(choice, models_dir)
    _check_room(choice, models_dir, targets)
    for number, (file, target) in enumerate(zip(choice.files, targets, strict=True), start=1):
        label = PurePosixPath(file.path).name
        if len(choice.files) > 1:
            label = f"part {number}/{len(choice.files)} {label}"
        if _complete(target, file):
            report(label, file.size, file.size)
            continue
        _download_file(choice, file, target, label, report)
    return targets[0]


def _check_room(choice: Choice, models_dir: Path, targets: list[Path]) -> None:
    needed = choice.size - bytes_here(choice, models_dir)
    folder = targets[0].parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(folder).free
    except OSError as error:
        raise CannotSave(
            f"cannot write to {folder}: {error.strerror}",
            hint="check the dir's permissions, or set SPARRING_HOME",
        ) from None
    if needed > free:
        from sparring.figures import byte_size

        raise CannotSave(
            f"{choice.stem} needs {byte_size(needed)} more and {folder} has {byte_size(free)} free",
            hint="free some space, or set SPARRING_HOME to a roomier disk",
        )


def _download_file(choice: Choice, file: HubFile, target: Path, label: str, report: Report) -> None:
    from huggingface_hub import get_hf_file_metadata, hf_hub_url
    from huggingface_hub.file_download import http_get

    # Documented at this path; the package re-exports it lazily, which mypy cannot see.
    from huggingface_hub.utils import build_hf_headers  # type: ignore[attr-defined]

    url = hf_hub_url(choice.repo_id, file.path, revision=choice.revision)
    with hub_errors(choice.repo_id, file.path):
        metadata = get_hf_file_metadata(url)
    size = metadata.size if metadata.size is not None else file.size
    location = urljoin(url, metadata.location)
    headers = build_hf_headers()
    if _origin(location) != _origin(url):
        # A signed CDN address: the token stays with the hub (as hf_hub_download does).
        headers.pop("authorization", None)
    part = partial_path(target, file)
    resume_at = part.stat().st_size if part.exists() else 0
    if resume_at > size:
        part.unlink()
        resume_at = 0
    try:
        with hub_errors(choice.repo_id, file.path), part.open("ab") as handle:
            http_get(
                location,
                handle,
                resume_size=resume_at,
                headers=headers,
                expected_size=size,
                displayed_filename=label,
                tqdm_class=_progress_class(report, label),
            )
    except SparringError as error:
        raise _cut(error, part, size, label) from None
    except OSError as error:  # http_get's size check, or the disk
        raise _cut(TemporaryFailure(str(error).splitlines()[0]), part, size, label) from None
    report(f"checking {label}", None, None)
    _verify(part, file, metadata.etag)
    os.replace(part, target)
    for stale in target.parent.glob(f"{target.name}.*.part"):
        with contextlib.suppress(OSError):
            stale.unlink()  # partial downloads of other revisions of this file


def _cut(error: SparringError, part: Path, size: int, label: str) -> SparringError:
    """A failure mid-download, saying how far it got; the partial file is kept to resume."""
    from sparring.figures import byte_size

    if isinstance(error, AuthenticationFailed | ModelNotFound):
        return error
    have = part.stat().st_size if part.exists() else 0
    return TemporaryFailure(
        f"the download of {label} stopped at {byte_size(have)} of {byte_size(size)}: "
        f"{error.message}",
        hint=_RESUME_HINT,
    )


def _verify(part: Path, file: HubFile, etag: str | None) -> None:
    """Compare the file's digest with the hub's; remove it when they differ."""
    expected_sha256 = file.sha256 or (etag if etag and _SHA256.match(etag) else None)
    if expected_sha256:
        kind, expected = "sha256", expected_sha256
        with part.open("rb") as handle:
            actual = hashlib.file_digest(handle, "sha256").hexdigest()
    elif file.blob_id:
        # A file kept in git itself: its id is the sha1 of "blob SIZE\0" and the content.
        kind, expected = "git blob id", file.blob_id
        digest = hashlib.sha1(f"blob {part.stat().st_size}\0".encode())
        with part.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        actual = digest.hexdigest()
    else:
        part.unlink()
        raise ProviderUnavailable(
            f"the hub gave no checksum for {file.path}; the download was removed",
            hint="check HF_ENDPOINT: is it a hub?",
        )
    if actual != expected:
        part.unlink()
        raise DownloadCorrupt(
            f"{file.path} does not match the hub's {kind} ({actual[:12]}… is not "
            f"{expected[:12]}…); the download was removed",
            hint="run the same command again to download it afresh",
        )


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def _progress_class(report: Report, label: str) -> Any:
    """A stand-in for the tqdm class http_get draws with: it reports to `report` instead."""

    class Progress:
        def __init__(self, *_args: Any, total: int | None = None, initial: int = 0, **_: Any):
            self.total = total
            self.done = initial
            report(label, self.done, self.total)

        def update(self, count: int | float | None = 1) -> None:
            self.done += int(count or 0)
            report(label, self.done, self.total)

        def close(self) -> None:
            pass

        def __enter__(self) -> Progress:
            return self

        def __exit__(self, *_exc: object) -> None:
            self.close()

    return Progress


@contextlib.contextmanager
def hub_errors(repo_id: str, filename: str | None = None) -> Iterator[None]:
    """huggingface_hub's and its HTTP client's exceptions as sparring's one-line errors."""
    import httpx2
    from huggingface_hub import constants
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    endpoint = constants.ENDPOINT
    try:
        yield
    except OfflineModeIsEnabled:
        raise ProviderUnavailable(
            "HF_HUB_OFFLINE is set, so the Hugging Face hub is not asked",
            hint="unset HF_HUB_OFFLINE to pull",
        ) from None
    except GatedRepoError:
        raise AuthenticationFailed(
            f"{repo_id} is gated: its files need its terms accepted and a token",
            hint="accept them on its page, then `hf auth login` or set HF_TOKEN",
        ) from None
    except RepositoryNotFoundError:
        raise ModelNotFound(
            f"no repo {repo_id} on the Hugging Face hub at {endpoint}",
            hint="check OWNER/REPO; a private repo needs a token: set HF_TOKEN",
        ) from None
    except (RemoteEntryNotFoundError, RevisionNotFoundError):
        raise ModelNotFound(
            f"no file {filename} in {repo_id}", hint="see the repo's files on the hub"
        ) from None
    except HfHubHTTPError as error:
        status = error.response.status_code
        reason = f"{status} {error.response.reason_phrase}".strip()
        if status in (401, 403):
            raise AuthenticationFailed(
                f"the hub refused {repo_id}: {reason}", hint="check HF_TOKEN"
            ) from None
        if status == 429 or status >= 500:
            raise TemporaryFailure(
                f"the hub is not answering: {reason}", hint="try again later", retryable=True
            ) from None
        raise ProviderUnavailable(f"the hub answered {reason} for {repo_id}") from None
    except httpx2.TransportError as error:
        raise ProviderUnavailable(
            f"the Hugging Face hub is not reachable at {endpoint}: {error or type(error).__name__}",
            hint="check the network, or HF_ENDPOINT",
        ) from None
