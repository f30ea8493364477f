"""A local stand-in for the Hugging Face hub and its CDN, for `sparring pull hf:` tests.

It answers what huggingface_hub 2.x asks, as its source shows
(hf_api.py `model_info`, file_download.py `get_hf_file_metadata` and `http_get`,
utils/_http.py `hf_raise_for_status`):

- GET /api/models/OWNER/REPO[/revision/REV]?blobs=true: the model info, with `sha`
  (the commit) and `siblings` (rfilename, size, blobId, and for LFS files
  lfs: {sha256, size, pointerSize}). An unknown repo is a 404 with
  `X-Error-Code: RepoNotFound`.
- HEAD and GET /OWNER/REPO/resolve/REV/FILE: for an LFS file (every .gguf) a 302
  to the CDN with `X-Repo-Commit`, `X-Linked-Etag` (the sha256, quoted),
  `X-Linked-Size` and `ETag`; for a small file kept in git a 200 with its git
  blob id as ETag. A missing file is a 404 with `X-Error-Code: EntryNotFound`.
- GET and HEAD on the CDN, which is another origin (another port), so that
  huggingface_hub stops at the hub's redirect as it does for the real CDN:
  `Content-Length`, `ETag`, `Accept-Ranges: bytes`, and `Range: bytes=N-`
  answered with 206 and `Content-Range`.

It can misbehave as the real one sometimes does: advertise a sha256 or a size
the content does not have, cut a transfer mid-body and then answer 503 until
`reopen()`, or stall mid-body until the test is done. Every request is
logged, with its Range header, status and the body bytes sent.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import unquote, urlsplit

#: No stall lasts longer than this: a test must never hang.
MAX_STALL_SECONDS = 60.0


@dataclass
class FakeFile:
    content: bytes
    #: What the hub says the sha256 is (default: the content's own).
    advertised_sha256: str | None = None
    #: What the hub says the size is (default: the content's own).
    advertised_size: int | None = None

    @property
    def sha256(self) -> str:
        return self.advertised_sha256 or hashlib.sha256(self.content).hexdigest()

    @property
    def size(self) -> int:
        return self.advertised_size if self.advertised_size is not None else len(self.content)


@dataclass
class GitFile:
    """A small file kept in git itself (README.md, config.json): no LFS, a git blob id."""

    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def blob_id(self) -> str:
        return hashlib.sha1(b"blob %d\0" % len(self.content) + self.content).hexdigest()


@dataclass
class Logged:
    server: str  # "hub" or "cdn"
    method: str
    path: str
    range: str | None
    status: int = 0
    body_bytes: int = 0


@dataclass
class Repo:
    repo_id: str
    files: dict[str, FakeFile | GitFile]
    commit: str = ""

    def __post_init__(self) -> None:
        self.commit = self.commit or hashlib.sha1(self.repo_id.encode()).hexdigest()


@dataclass
class _Script:
    cut_after: dict[str, int] = field(default_factory=dict)  # file path -> bytes, once
    stall_after: dict[str, int] = field(default_factory=dict)  # file path -> bytes, every time
    unavailable: bool = False


class FakeHub:
    """The hub (HF_ENDPOINT = `url`) and its CDN, each on its own port of 127.0.0.1."""

    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.log: list[Logged] = []
        self.errors: list[str] = []
        self._script = _Script()
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._hub = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self, "hub"))
        self._cdn = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self, "cdn"))
        for server in (self._hub, self._cdn):
            server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._hub.server_address[1]}"
        self.cdn_url = f"http://127.0.0.1:{self._cdn.server_address[1]}"

    def __enter__(self) -> Self:
        for server in (self._hub, self._cdn):
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._released.set()
        for server in (self._hub, self._cdn):
            server.shutdown()
            server.server_close()

    def add(self, repo_id: str, files: dict[str, FakeFile | GitFile]) -> Repo:
        repo = Repo(repo_id, files)
        self.repos[repo_id] = repo
        return repo

    def cut(self, path: str, after: int) -> None:
        """The next CDN transfer of `path` stops after `after` body bytes; the CDN then
        answers 503 until `reopen()`."""
        self._script.cut_after[path] = after

    def stall(self, path: str, after: int) -> None:
        """Every CDN transfer of `path` sends `after` body bytes, then waits for the test's end."""
        self._script.stall_after[path] = after

    def reopen(self) -> None:
        self._script.unavailable = False

    def requests(self, server: str, method: str = "GET") -> list[Logged]:
        with self._lock:
            return [entry for entry in self.log if (entry.server, entry.method) == (server, method)]

    # -- the hub ------------------------------------------------------------------------

    def model_info(self, ex: _Exchange, repo_id: str) -> None:
        repo = self.repos.get(repo_id)
        if repo is None:
            ex.error(404, "RepoNotFound", "Repository not found")
            return
        siblings: list[dict[str, Any]] = []
        for path, file in repo.files.items():
            if isinstance(file, FakeFile):
                lfs = {"sha256": file.sha256, "size": file.size, "pointerSize": 134}
                pointer = hashlib.sha1(file.sha256.encode()).hexdigest()
                siblings.append(
                    {"rfilename": path, "size": file.size, "blobId": pointer, "lfs": lfs}
                )
            else:
                siblings.append({"rfilename": path, "size": file.size, "blobId": file.blob_id})
        author = repo_id.split("/")[0]
        info = {
            "_id": hashlib.md5(repo_id.encode()).hexdigest()[:24],
            "id": repo_id,
            "author": author,
            "sha": repo.commit,
            "private": False,
            "gated": False,
            "disabled": False,
            "downloads": 0,
            "likes": 0,
            "tags": ["gguf"],
            "library_name": "gguf",
            "siblings": siblings,
            "lastModified": "2026-01-01T00:00:00.000Z",
            "createdAt": "2026-01-01T00:00:00.000Z",
        }
        ex.json(200, info)

    def resolve(self, ex: _Exchange, repo_id: str, revision: str, path: str) -> None:
        repo = self.repos.get(repo_id)
        if repo is None:
            ex.error(404, "RepoNotFound", "Repository not found")
            return
        if revision not in ("main", repo.commit):
            ex.error(404, "RevisionNotFound", "Invalid rev id")
            return
        file = repo.files.get(path)
        if file is None:
            ex.error(404, "EntryNotFound", "Entry not found", {"X-Repo-Commit": repo.commit})
            return
        if isinstance(file, GitFile):
            headers = {"X-Repo-Commit": repo.commit, "ETag": f'"{file.blob_id}"'}
            ex.body(200, file.content, headers)
            return
        location = f"{self.cdn_url}/lfs/{repo_id}/{hashlib.sha256(file.content).hexdigest()}"
        headers = {
            "Location": location,
            "X-Repo-Commit": repo.commit,
            "X-Linked-Etag": f'"{file.sha256}"',
            "X-Linked-Size": str(file.size),
            "ETag": f'"{file.sha256}"',
            "Accept-Ranges": "bytes",
        }
        ex.body(302, f"Found. Redirecting to {location}".encode(), headers)

    # -- the CDN ------------------------------------------------------------------------

    def blob(self, ex: _Exchange, repo_id: str, digest: str) -> None:
        found = [
            (path, file)
            for path, file in self.repos.get(repo_id, Repo(repo_id, {})).files.items()
            if isinstance(file, FakeFile) and hashlib.sha256(file.content).hexdigest() == digest
        ]
        if not found:
            ex.plain(404, b"NoSuchKey")
            return
        path, file = found[0]
        if self._script.unavailable:
            ex.plain(503, b"Service Unavailable")
            return
        start = ex.range_start()
        if start is not None and start >= file.size:
            ex.plain(416, b"Requested Range Not Satisfiable")
            return
        headers = {"ETag": f'"{file.sha256}"', "Accept-Ranges": "bytes"}
        status = 200
        if start:
            status = 206
            headers["Content-Range"] = f"bytes {start}-{file.size - 1}/{file.size}"
        headers["Content-Length"] = str(file.size - (start or 0))
        ex.start(status, headers)
        if ex.method == "HEAD":
            return
        body = file.content[start or 0 :]
        cut = self._script.cut_after.pop(path, None)
        stall = self._script.stall_after.get(path)
        if cut is not None:
            self._script.unavailable = True
            ex.send(body[:cut])
            ex.drop()
        elif stall is not None:
            ex.send(body[:stall])
            self._released.wait(MAX_STALL_SECONDS)
            ex.drop()
        else:
            ex.send(body)


class _Exchange:
    """One request and its answer, logged."""

    def __init__(self, handler: BaseHTTPRequestHandler, entry: Logged) -> None:
        self.handler = handler
        self.entry = entry
        self.method = entry.method

    def range_start(self) -> int | None:
        if not self.entry.range:
            return None
        unit, _, spec = self.entry.range.partition("=")
        first, _, last = spec.partition("-")
        if unit.strip() != "bytes" or last.strip():
            raise ValueError(f"a Range the hub's clients never send: {self.entry.range}")
        return int(first)

    def start(self, status: int, headers: dict[str, str]) -> None:
        self.entry.status = status
        self.handler.send_response(status)
        for name, value in headers.items():
            self.handler.send_header(name, value)
        self.handler.end_headers()

    def send(self, data: bytes) -> None:
        with contextlib.suppress(OSError):  # the client went away (a test interrupted it)
            self.handler.wfile.write(data)
            self.handler.wfile.flush()
            self.entry.body_bytes += len(data)

    def drop(self) -> None:
        """Close the connection mid-body, as a dropped network does."""
        self.handler.close_connection = True
        with contextlib.suppress(OSError):
            self.handler.connection.shutdown(socket.SHUT_RDWR)

    def body(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.start(status, {**headers, "Content-Length": str(len(data))})
        if self.method != "HEAD":
            self.send(data)

    def plain(self, status: int, data: bytes) -> None:
        self.body(status, data, {"Content-Type": "text/plain; charset=utf-8"})

    def json(self, status: int, document: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(document).encode()
        self.body(status, data, {"Content-Type": "application/json", **(headers or {})})

    def error(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        # utils/_http.py hf_raise_for_status tells the errors apart by X-Error-Code.
        extra = {"X-Error-Code": code, "X-Error-Message": message, **(headers or {})}
        self.json(status, {"error": message}, extra)


def _handler(hub: FakeHub, server: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._route()

        def do_HEAD(self) -> None:
            self._route()

        def _route(self) -> None:
            path = unquote(urlsplit(self.path).path)
            entry = Logged(server, self.command, path, self.headers.get("Range"))
            with hub._lock:
                hub.log.append(entry)
            ex = _Exchange(self, entry)
            try:
                if server == "hub":
                    self._hub(ex, path)
                else:
                    parts = path.split("/")  # /lfs/OWNER/REPO/DIGEST
                    if len(parts) == 5 and parts[1] == "lfs":
                        hub.blob(ex, f"{parts[2]}/{parts[3]}", parts[4])
                    else:
                        ex.plain(404, b"NoSuchKey")
            except Exception as error:  # a bug in the fake: fail the test that met it
                hub.errors.append(f"{self.command} {path}: {error!r}")
                if not entry.status:
                    ex.plain(500, b"fake hub error")

        def _hub(self, ex: _Exchange, path: str) -> None:
            parts = path.strip("/").split("/")
            if parts[:2] == ["api", "models"] and len(parts) in (4, 6):
                if len(parts) == 6 and parts[4] != "revision":
                    ex.plain(404, b"Not Found")
                    return
                hub.model_info(ex, f"{parts[2]}/{parts[3]}")
            elif len(parts) >= 5 and parts[2] == "resolve":
                hub.resolve(ex, f"{parts[0]}/{parts[1]}", parts[3], "/".join(parts[4:]))
            else:
                ex.plain(404, b"Not Found")

    return Handler
