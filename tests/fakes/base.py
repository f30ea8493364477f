"""The machinery every fake server shares: HTTP/1.1, recording, scripting, streaming.

A `FakeServer` runs on 127.0.0.1 on a free port, in daemon threads, records
every request (`RecordedRequest`) and answers its chat path (and any other
scripted path) from a FIFO of `Reply` objects (the default `Reply()` when
the FIFO is empty). `FakeServer.stream` sends a streamed answer frame by
frame and breaks it as the reply says. The protocol modules (`ollama`,
`openai`, `anthropic`) only build the frames.

The servers use only the standard library: they share no HTTP code with
the clients under test, so a quirk of one cannot cancel out the same quirk
in the other. Every wait is bounded and ends when the server stops.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

from .reply import MAX_WAIT_SECONDS, Reply

# An idle keep-alive connection is dropped after this long, so no handler
# thread outlives a forgotten client by much.
_IDLE_TIMEOUT = 30.0
# Pause between the pieces of a split frame, so each leaves in its own segment.
_SPLIT_GAP = 0.005
# Pause before a reset, so the client has read what was sent before the RST
# arrives (a reset may make the client's kernel drop unread data).
_RESET_GRACE = 0.05
# Bounds the request body, so a runaway client cannot make the server hoard.
_MAX_BODY = 16 * 1024 * 1024

_PHRASES = {529: "Overloaded"}


@dataclass(frozen=True)
class RecordedRequest:
    """What a client sent, as the server saw it."""

    method: str
    #: The path without the query string.
    path: str
    query: str
    #: Header names are lower-cased.
    headers: dict[str, str]
    #: The parsed JSON body, or None when it was empty or not JSON.
    body: Any
    raw_body: bytes = field(repr=False)


def closed_port() -> str:
    """A URL on 127.0.0.1 where nothing listens: connecting is refused.

    The port stays bound (but not listening) for the life of the process, so
    no other server can take it and turn the refusal into an answer.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    _RESERVED.append(sock)
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


_RESERVED: list[socket.socket] = []


class _Aborted(Exception):
    """The server is stopping, or the response was cut: drop the connection."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # FakeServer.stop joins the handler threads itself, with a time limit.
    block_on_close = False
    fake: FakeServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-answer is part of the tests, not a failure.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = _IDLE_TIMEOUT
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, True)
        self.server.fake._register(self)

    def finish(self) -> None:
        self.server.fake._unregister(self)
        with contextlib.suppress(OSError):
            super().finish()

    def version_string(self) -> str:
        return "fakeservers"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _dispatch(self) -> None:
        self.server.fake._dispatch(self)

    do_GET = do_POST = do_DELETE = do_HEAD = do_PUT = _dispatch


class Exchange:
    """One request and the means to answer it, handed to the route methods."""

    def __init__(self, fake: FakeServer, handler: _Handler, request: RecordedRequest) -> None:
        self.fake = fake
        self.handler = handler
        self.request = request

    @property
    def body(self) -> dict[str, Any]:
        return self.request.body if isinstance(self.request.body, dict) else {}

    def send_bytes(
        self,
        status: int,
        payload: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        h = self.handler
        h.send_response(status, _PHRASES.get(status))
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(payload)

    def send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(obj).encode()
        self.send_bytes(status, payload, "application/json; charset=utf-8", headers)

    def start_stream(self, content_type: str, headers: dict[str, str] | None = None) -> None:
        h = self.handler
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Transfer-Encoding", "chunked")
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.end_headers()

    def write_frame(self, frame: bytes, split: bool = False) -> None:
        """One protocol frame as HTTP chunks; split, it leaves in three sends."""
        if split and len(frame) >= 3:
            # Middle of the JSON, and just before the final newline, which
            # is where a line or event decoder most easily goes wrong.
            half = len(frame) // 2
            pieces = [frame[:half], frame[half:-1], frame[-1:]]
        else:
            pieces = [frame]
        for index, piece in enumerate(pieces):
            if index:
                self.pause(_SPLIT_GAP)
            self.handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))

    def end_stream(self) -> None:
        self.handler.wfile.write(b"0\r\n\r\n")

    def pause(self, seconds: float) -> None:
        """Sleep, bounded; a stopping server ends the response instead."""
        if seconds > 0 and self.fake._stopping.wait(min(seconds, MAX_WAIT_SECONDS)):
            raise _Aborted
        if self.fake._stopping.is_set():
            raise _Aborted

    def cut(self, mode: str) -> None:
        h = self.handler
        h.close_connection = True
        if mode == "reset":
            self.pause(_RESET_GRACE)
            sock = h.connection
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # The buffered reader holds a reference to the socket; only when
            # it is closed too does close() reach the kernel and send the RST.
            h.rfile.close()
            sock.close()
        raise _Aborted


@dataclass
class Timing:
    """When a streamed answer's deltas left (time.monotonic_ns), for final figures."""

    first_delta: int | None = None
    last_delta: int | None = None


@dataclass
class Frames:
    """A streamed answer in wire form, for FakeServer.stream to pace and break.

    A delta may hold several protocol events (a block change and its first
    text): they are paced, counted and broken as one.
    """

    content_type: str
    headers: dict[str, str]
    prelude: list[bytes]
    deltas: list[bytes]
    #: The final frames, or a function building them once the deltas have left.
    final: list[bytes] | Callable[[Timing], list[bytes]]
    error: bytes
    malformed: bytes
    #: A well-formed frame whose text is a number (Reply.wrong_type_after).
    wrong_type: bytes = b""
    #: What the server sends to keep a quiet stream open (Reply.keepalive_after).
    keepalive: bytes = b""
    #: Seconds of work before the prelude (OpenAI's hidden reasoning).
    lead_seconds: float = 0.0


class FakeServer:
    """The common machinery: lifecycle, recording, the reply FIFO, streaming."""

    #: The path whose answers come from the script.
    chat_path = ""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replies: dict[str, deque[Reply]] = {}
        self._requests: list[RecordedRequest] = []
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._handlers: set[_Handler] = set()
        self._handler_threads: set[threading.Thread] = set()
        self._ids = itertools.count(1)
        self._port = 0
        #: Unexpected exceptions raised while answering (bugs in the fake).
        self.errors: list[Exception] = []

    # -- lifecycle -------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._port = httpd.server_address[1]
        self._stopping.clear()
        # A short poll interval keeps stop() quick.
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}:{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, end every open response and connection, join."""
        httpd = self._httpd
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            handlers = list(self._handlers)
            threads = list(self._handler_threads)
        for handler in handlers:
            _shutdown(handler.connection)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if self._thread is not None:
            self._thread.join(max(0.0, deadline - time.monotonic()))
        self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT, without a trailing slash."""
        if not self._port:
            raise RuntimeError("the server has not been started")
        return f"http://127.0.0.1:{self._port}"

    # -- scripting and recording -----------------------------------------

    def script(self, *replies: Reply, path: str | None = None) -> None:
        """Queue answers for the chat endpoint (or `path`), first in first out."""
        with self._lock:
            self._replies.setdefault(path or self.chat_path, deque()).extend(replies)

    @property
    def pending(self) -> int:
        """Scripted replies not used yet, on every path."""
        with self._lock:
            return sum(len(queue) for queue in self._replies.values())

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == self.chat_path]

    def next_reply(self, path: str | None = None) -> Reply:
        with self._lock:
            queue = self._replies.get(path or self.chat_path)
            return queue.popleft() if queue else Reply()

    def redirected(self, ex: Exchange, reply: Reply) -> bool:
        """Answer 307 to the reply's URL, if it has one; the client may follow it."""
        if reply.redirect_to is None:
            return False
        ex.send_bytes(307, b"", "text/plain", {"Location": reply.redirect_to})
        return True

    def _new_id(self) -> int:
        with self._lock:
            return next(self._ids)

    # -- plumbing ----------------------------------------------------------

    def _register(self, handler: _Handler) -> None:
        with self._lock:
            self._handlers.add(handler)
            self._handler_threads.add(threading.current_thread())
        if self._stopping.is_set():
            # Accepted just as stop() took its snapshot: end it here.
            _shutdown(handler.connection)

    def _unregister(self, handler: _Handler) -> None:
        with self._lock:
            self._handlers.discard(handler)
            self._handler_threads.discard(threading.current_thread())

    def _dispatch(self, handler: _Handler) -> None:
        try:
            raw = _read_body(handler)
        except (OSError, ValueError):
            handler.close_connection = True
            return
        try:
            parts = urlsplit(handler.path)
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            request = RecordedRequest(
                method=handler.command,
                path=parts.path,
                query=parts.query,
                headers={k.lower(): v for k, v in handler.headers.items()},
                body=body,
                raw_body=raw,
            )
            with self._lock:
                self._requests.append(request)
            self.route(Exchange(self, handler, request))
        except (_Aborted, OSError):
            # Cut on purpose, stopping, or the client hung up: all expected.
            handler.close_connection = True
        except Exception as error:
            # A bug in the fake itself: kept for the tests to see, not hidden.
            with self._lock:
                self.errors.append(error)
            handler.close_connection = True

    def route(self, ex: Exchange) -> None:
        raise NotImplementedError

    def error_headers(self, reply: Reply) -> dict[str, str]:
        if reply.retry_after is None:
            return {}
        seconds = reply.retry_after
        return {"Retry-After": str(int(seconds)) if seconds == int(seconds) else str(seconds)}

    def stream(self, ex: Exchange, reply: Reply, frames: Frames) -> Timing:
        """Send a streamed answer, breaking it as the reply says."""
        split = reply.split_frames
        timing = Timing()
        ex.start_stream(frames.content_type, frames.headers)
        ex.pause(frames.lead_seconds)
        for frame in frames.prelude:
            ex.write_frame(frame, split)
        count = len(frames.deltas)
        for sent in range(count + 1):
            if reply.stall_after == sent:
                ex.pause(reply.stall_seconds)
            if reply.malformed_after == sent:
                ex.write_frame(frames.malformed, split)
            if reply.wrong_type_after == sent and frames.wrong_type:
                ex.write_frame(frames.wrong_type, split)
            if reply.keepalive_after == sent and frames.keepalive:
                self._keep_alive(ex, reply, frames.keepalive)
            if reply.error_event_after == sent:
                ex.write_frame(frames.error, split)
                ex.end_stream()
                return timing
            if reply.cut_after == sent:
                ex.cut(reply.cut_mode)
            if sent == count:
                break
            if sent:
                ex.pause(reply.delay)
            ex.write_frame(frames.deltas[sent], split)
            timing.last_delta = time.monotonic_ns()
            timing.first_delta = timing.first_delta or timing.last_delta
        if not reply.omit_final:
            final = frames.final if isinstance(frames.final, list) else frames.final(timing)
            for frame in final:
                ex.write_frame(frame, split)
        ex.end_stream()
        return timing

    def _keep_alive(self, ex: Exchange, reply: Reply, frame: bytes) -> None:
        """Keep-alives and nothing else, until the client leaves or the server stops."""
        deadline = time.monotonic() + MAX_WAIT_SECONDS
        while time.monotonic() < deadline:
            ex.write_frame(frame)
            ex.pause(reply.keepalive_every)
        # A test must never hang: after the bound, the stream is cut.
        ex.cut("close")


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _read_body(handler: _Handler) -> bytes:
    length = handler.headers.get("Content-Length")
    if length is not None:
        size = int(length)
        if not 0 <= size <= _MAX_BODY:
            raise ValueError("request body too large")
        return handler.rfile.read(size)
    if "chunked" not in handler.headers.get("Transfer-Encoding", "").lower():
        return b""
    body = bytearray()
    while len(body) <= _MAX_BODY:
        size = int(handler.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            # Trailer section: lines until the blank one, bounded.
            for _ in range(100):
                if handler.rfile.readline(65537) in (b"\r\n", b"\n", b""):
                    break
            return bytes(body)
        body += handler.rfile.read(size)
        handler.rfile.readline(3)
    raise ValueError("request body too large")


def sse(data: Any, event: str | None = None) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {text}\n\n".encode()


def ndjson(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"
