"""Local stand-ins for the Ollama, OpenAI and Anthropic HTTP APIs.

The backends are tested through the real SDKs (`ollama`, `openai`,
`anthropic`), so these servers speak the services' wire protocols: the same
paths, status codes, error bodies and streaming framing (NDJSON for Ollama,
server-sent events for the other two). Each one runs on 127.0.0.1 on a free
port, in daemon threads, and can be scripted to fail in the ways real
services fail: an error status before the stream, a connection cut or reset
mid-stream, a stream that stops without its final marker, a stall, an error
event, a frame that is not JSON, frames split across TCP sends.

    with FakeOllama() as server:
        server.script(Reply(cut_after=2))
        client = ollama.AsyncClient(host=server.url)

The servers use only the standard library: they share no HTTP code with
the clients under test, so a quirk of one cannot cancel out the same quirk
in the other. Every wait is bounded and ends when the server stops.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import urlsplit

#: The default answer: a numbered list of three headlines, in six deltas.
#: Every delta is distinct so a test can tell exactly how far a stream got.
#: The last one holds a non-ASCII character, to exercise UTF-8 decoding.
DEFAULT_CHUNKS: tuple[str, ...] = (
    "1. Rooftop forests",
    " cool the city\n",
    "2. Tide clocks",
    " return to harbours\n",
    "3. Libraries lend",
    " telescopes — and stars",
)
DEFAULT_TEXT = "".join(DEFAULT_CHUNKS)

#: Input tokens every final event reports (unless a Reply says otherwise).
#: Output tokens are always the number of chunks in the reply.
INPUT_TOKENS = 17

#: Bytes a pull "downloads", reported in four equal steps.
PULL_TOTAL = 2_000_000

OLLAMA_CLOUD_HOST = "https://ollama.com:443"

#: A stall or delay longer than this is refused: a test must never hang.
MAX_WAIT_SECONDS = 60.0

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
class Reply:
    """One scripted answer of a chat endpoint.

    Counts ("after N") are text deltas already sent: 0 means before the first
    delta, len(chunks) means after the last one (before the final marker).
    When several apply at the same N they happen in this order: stall,
    malformed frame, error event, cut. The stream-shaping fields apply to
    streamed answers only; a non-streamed request gets the whole text.
    """

    chunks: Sequence[str] = DEFAULT_CHUNKS
    #: Not 200: answered with the API's error body, before any stream.
    status: int = 200
    #: Sent as the Retry-After header (seconds) with an error status.
    retry_after: float | None = None
    #: Overrides the API's usual message for an error status or error event.
    error_message: str | None = None
    #: Overrides the error type (OpenAI's error.type, Anthropic's error.type).
    error_type: str | None = None
    cut_after: int | None = None
    #: "close": a clean FIN with the chunked body unterminated;
    #: "reset": a TCP RST (SO_LINGER 0).
    cut_mode: Literal["close", "reset"] = "close"
    #: Send every delta, then end the body properly without the final part
    #: (Ollama's done:true line; OpenAI's finish chunk, usage chunk and
    #: [DONE]; Anthropic's content_block_stop, message_delta and message_stop).
    omit_final: bool = False
    stall_after: int | None = None
    stall_seconds: float = 0.0
    #: Ollama: an {"error": ...} line; OpenAI: a data: {"error": {...}} frame;
    #: Anthropic: event: error. The body then ends properly.
    error_event_after: int | None = None
    #: A frame that is not JSON; the stream then goes on as scripted.
    malformed_after: int | None = None
    #: Write each frame in three pieces (separate chunks and TCP sends).
    split_frames: bool = False
    #: Seconds between two deltas (not before the first).
    delay: float = 0.0
    input_tokens: int = INPUT_TOKENS
    #: None: the API's normal reason ("stop", or Anthropic's "end_turn").
    stop_reason: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.chunks, str):
            # A bare string would silently stream one character per delta.
            raise TypeError("chunks must be a sequence of strings, not a str")
        # A list given by a test becomes a tuple, so a Reply stays immutable.
        object.__setattr__(self, "chunks", tuple(self.chunks))
        if self.cut_mode not in ("close", "reset"):
            raise ValueError(f"cut_mode must be 'close' or 'reset', not {self.cut_mode!r}")
        for name in ("stall_seconds", "delay"):
            value = getattr(self, name)
            if not 0 <= value <= MAX_WAIT_SECONDS:
                raise ValueError(f"{name} must be within 0..{MAX_WAIT_SECONDS}, not {value}")

    @property
    def text(self) -> str:
        return "".join(self.chunks)


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
class _Frames:
    """A streamed answer in wire form, for FakeServer.stream to pace and break."""

    content_type: str
    headers: dict[str, str]
    prelude: list[bytes]
    deltas: list[bytes]
    final: list[bytes]
    error: bytes
    malformed: bytes


class FakeServer:
    """The common machinery: lifecycle, recording, the reply FIFO, streaming."""

    #: The path whose answers come from the script.
    chat_path = ""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replies: deque[Reply] = deque()
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

    def script(self, *replies: Reply) -> None:
        """Queue answers for the chat endpoint, first in first out."""
        with self._lock:
            self._replies.extend(replies)

    @property
    def pending(self) -> int:
        """Scripted replies not used yet."""
        with self._lock:
            return len(self._replies)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == self.chat_path]

    def next_reply(self) -> Reply:
        with self._lock:
            return self._replies.popleft() if self._replies else Reply()

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

    def stream(self, ex: Exchange, reply: Reply, frames: _Frames) -> None:
        """Send a streamed answer, breaking it as the reply says."""
        split = reply.split_frames
        ex.start_stream(frames.content_type, frames.headers)
        for frame in frames.prelude:
            ex.write_frame(frame, split)
        count = len(frames.deltas)
        for sent in range(count + 1):
            if reply.stall_after == sent:
                ex.pause(reply.stall_seconds)
            if reply.malformed_after == sent:
                ex.write_frame(frames.malformed, split)
            if reply.error_event_after == sent:
                ex.write_frame(frames.error, split)
                ex.end_stream()
                return
            if reply.cut_after == sent:
                ex.cut(reply.cut_mode)
            if sent == count:
                break
            if sent:
                ex.pause(reply.delay)
            ex.write_frame(frames.deltas[sent], split)
        if not reply.omit_final:
            for frame in frames.final:
                ex.write_frame(frame, split)
        ex.end_stream()


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


def _sse(data: Any, event: str | None = None) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {text}\n\n".encode()


def _ndjson(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode() + b"\n"


def _digest(name: str) -> str:
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


# ---------------------------------------------------------------------------
# Ollama


def _ollama_name(name: str) -> str:
    """Ollama's short form: a name without a tag means ':latest'."""
    return name if ":" in name.rsplit("/", 1)[-1] else f"{name}:latest"


def _go_time() -> str:
    # Go's RFC 3339 with nanoseconds, as Ollama writes created_at.
    now = time.time_ns()
    stamp = datetime.fromtimestamp(now // 1_000_000_000, UTC)
    return f"{stamp:%Y-%m-%dT%H:%M:%S}.{now % 1_000_000_000:09d}Z"


_OLLAMA_MODIFIED = "2025-06-01T12:00:00.123456789+02:00"
_OLLAMA_MESSAGES = {
    400: "invalid request",
    401: "unauthorized",
    403: "forbidden",
    429: "you have reached your hourly usage limit, please upgrade or wait for the limit to reset",
    500: "an error was encountered while running the model",
    502: "bad gateway",
    503: "server busy, please try again.  maximum pending requests exceeded",
}


class FakeOllama(FakeServer):
    """Ollama's REST API: /api/chat, /api/tags, /api/show, /api/pull, /api/version.

    `models` are local models; `cloud_models` run on ollama.com (their
    /api/show has remote_model and remote_host); `pullable` can be pulled,
    after which they are local models too. Names without a tag mean ':latest'.
    """

    chat_path = "/api/chat"
    version = "0.12.6"

    def __init__(
        self,
        models: Sequence[str] = ("qwen3:4b",),
        cloud_models: Sequence[str] = ("gpt-oss:120b-cloud",),
        pullable: Sequence[str] = ("llama3.2:1b",),
    ) -> None:
        super().__init__()
        self._local = [_ollama_name(m) for m in models]
        self._cloud = [_ollama_name(m) for m in cloud_models]
        self._pullable = {_ollama_name(m) for m in pullable}

    @property
    def models(self) -> list[str]:
        """Every model /api/tags lists: local (and pulled) first, then cloud."""
        with self._lock:
            return [*self._local, *self._cloud]

    def route(self, ex: Exchange) -> None:
        key = (ex.request.method, ex.request.path)
        handlers: dict[tuple[str, str], Callable[[Exchange], None]] = {
            ("GET", "/"): self._root,
            ("HEAD", "/"): self._root,
            ("GET", "/api/version"): lambda ex: ex.send_json(200, {"version": self.version}),
            ("GET", "/api/tags"): self._tags,
            ("GET", "/api/ps"): lambda ex: ex.send_json(200, {"models": []}),
            ("POST", "/api/show"): self._show,
            ("POST", "/api/pull"): self._pull,
            ("POST", "/api/chat"): self._chat,
        }
        handler = handlers.get(key)
        if handler is None:
            # What Ollama's router (gin) answers for an unknown route.
            ex.send_bytes(404, b"404 page not found", "text/plain")
            return
        handler(ex)

    def _root(self, ex: Exchange) -> None:
        ex.send_bytes(200, b"Ollama is running", "text/plain; charset=utf-8")

    def _details(self, name: str) -> dict[str, Any]:
        if name in self._cloud:
            return {
                "parent_model": "",
                "format": "",
                "family": "",
                "families": None,
                "parameter_size": "",
                "quantization_level": "",
            }
        family = name.split(":")[0].rsplit("/", 1)[-1]
        return {
            "parent_model": "",
            "format": "gguf",
            "family": family,
            "families": [family],
            "parameter_size": "4.0B",
            "quantization_level": "Q4_K_M",
        }

    def _tags(self, ex: Exchange) -> None:
        entries = []
        for name in self.models:
            entry: dict[str, Any] = {"name": name, "model": name}
            if name in self._cloud:
                entry["remote_model"] = name.removesuffix("-cloud")
                entry["remote_host"] = OLLAMA_CLOUD_HOST
            entry.update(
                modified_at=_OLLAMA_MODIFIED,
                size=384 if name in self._cloud else PULL_TOTAL,
                digest=_digest(name)[7:],
                details=self._details(name),
            )
            entries.append(entry)
        ex.send_json(200, {"models": entries})

    def _show(self, ex: Exchange) -> None:
        given = str(ex.body.get("model") or ex.body.get("name") or "")
        name = _ollama_name(given)
        if name not in self.models:
            ex.send_json(404, {"error": f"model '{given}' not found"})
            return
        details = self._details(name)
        answer: dict[str, Any] = {
            "license": "",
            "modelfile": f'# Modelfile generated by "ollama show"\nFROM {name}\n',
            "parameters": 'stop "<|im_end|>"',
            "template": "{{ .Prompt }}",
            "details": details,
            "model_info": {}
            if name in self._cloud
            else {
                "general.architecture": details["family"],
                "general.parameter_count": 4_022_468_096,
                f"{details['family']}.context_length": 40960,
            },
            "capabilities": ["completion"],
            "modified_at": _OLLAMA_MODIFIED,
        }
        if name in self._cloud:
            answer["remote_model"] = name.removesuffix("-cloud")
            answer["remote_host"] = OLLAMA_CLOUD_HOST
        ex.send_json(200, answer)

    def _pull(self, ex: Exchange) -> None:
        name = _ollama_name(str(ex.body.get("model") or ex.body.get("name") or ""))
        known = name in self._pullable or name in self.models
        missing = "pull model manifest: file does not exist"
        if not ex.body.get("stream", True):
            if known:
                self._add_local(name)
                ex.send_json(200, {"status": "success"})
            else:
                ex.send_json(500, {"error": missing})
            return
        ex.start_stream("application/x-ndjson")
        ex.write_frame(_ndjson({"status": "pulling manifest"}))
        if not known:
            # Ollama has already answered 200 when it finds out, so the error
            # comes as a line of the stream.
            ex.write_frame(_ndjson({"error": missing}))
            ex.end_stream()
            return
        digest = _digest(name)
        for step in range(1, 5):
            ex.write_frame(
                _ndjson(
                    {
                        "status": f"pulling {digest[7:19]}",
                        "digest": digest,
                        "total": PULL_TOTAL,
                        "completed": PULL_TOTAL * step // 4,
                    }
                )
            )
        for status in ("verifying sha256 digest", "writing manifest"):
            ex.write_frame(_ndjson({"status": status}))
        self._add_local(name)
        ex.write_frame(_ndjson({"status": "success"}))
        ex.end_stream()

    def _add_local(self, name: str) -> None:
        with self._lock:
            if name not in self._local and name not in self._cloud:
                self._local.append(name)

    def _chat(self, ex: Exchange) -> None:
        given = str(ex.body.get("model") or "")
        if not given:
            ex.send_json(400, {"error": "model is required"})
            return
        if _ollama_name(given) not in self.models:
            # Checked before the script, as Ollama looks the model up first.
            ex.send_json(
                404, {"error": f"model {json.dumps(given)} not found, try pulling it first"}
            )
            return
        reply = self.next_reply()
        if reply.status != 200:
            message = reply.error_message or (
                f"model {json.dumps(given)} not found, try pulling it first"
                if reply.status == 404
                else _OLLAMA_MESSAGES.get(reply.status, "error")
            )
            ex.send_json(reply.status, {"error": message}, self.error_headers(reply))
            return

        def part(content: str) -> dict[str, Any]:
            return {
                "model": given,
                "created_at": _go_time(),
                "message": {"role": "assistant", "content": content},
                "done": False,
            }

        count = len(reply.chunks)
        final = part("")
        final.update(
            done_reason=reply.stop_reason or "stop",
            done=True,
            total_duration=3_000_000 + 10_000_000 * count,
            load_duration=1_000_000,
            prompt_eval_count=reply.input_tokens,
            prompt_eval_duration=2_000_000,
            eval_count=count,
            eval_duration=10_000_000 * count,
        )
        if not ex.body.get("stream", True):
            final["message"]["content"] = reply.text
            ex.send_json(200, final)
            return
        error = reply.error_message or _OLLAMA_MESSAGES[500] + ": unexpected EOF"
        self.stream(
            ex,
            reply,
            _Frames(
                content_type="application/x-ndjson",
                headers={},
                prelude=[],
                deltas=[_ndjson(part(chunk)) for chunk in reply.chunks],
                final=[_ndjson(final)],
                error=_ndjson({"error": error}),
                malformed=b'{"model":"' + given.encode() + b'","message":{\n',
            ),
        )


# ---------------------------------------------------------------------------
# OpenAI


_OPENAI_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: (
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
    ),
    403: ("invalid_request_error", "unsupported_country_region_territory", "Forbidden."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: (
        "server_error",
        None,
        "The server had an error while processing your request. Sorry about that!",
    ),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


class FakeOpenAI(FakeServer):
    """OpenAI's /v1/chat/completions (streamed or not) and /v1/models.

    Any model name is accepted; `models` is what /v1/models lists. Use
    `base_url` (url + "/v1") for the SDK.
    """

    chat_path = "/v1/chat/completions"

    def __init__(self, models: Sequence[str] = ("gpt-4o-mini", "gpt-5-mini")) -> None:
        super().__init__()
        self.models = list(models)

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    @staticmethod
    def error_body(
        message: str, type_: str, code: str | None = None, param: str | None = None
    ) -> dict[str, Any]:
        return {"error": {"message": message, "type": type_, "param": param, "code": code}}

    def route(self, ex: Exchange) -> None:
        method, path = ex.request.method, ex.request.path
        if (method, path) == ("GET", "/v1/models"):
            data = [
                {"id": m, "object": "model", "created": 1_700_000_000, "owned_by": "system"}
                for m in self.models
            ]
            ex.send_json(200, {"object": "list", "data": data})
        elif (method, path) == ("POST", self.chat_path):
            self._chat(ex)
        else:
            message = f"Invalid URL ({method} {path})"
            ex.send_json(404, self.error_body(message, "invalid_request_error"))

    def _chat(self, ex: Exchange) -> None:
        serial = self._new_id()
        headers = {"x-request-id": f"req_fake{serial:04d}"}
        model = str(ex.body.get("model") or "")
        if not model or not isinstance(ex.body.get("messages"), list):
            message = "you must provide a model parameter" if not model else "messages is required"
            ex.send_json(400, self.error_body(message, "invalid_request_error"), headers)
            return
        reply = self.next_reply()
        if reply.status != 200:
            if reply.status == 404:
                type_, code = "invalid_request_error", "model_not_found"
                message = f"The model `{model}` does not exist or you do not have access to it."
            else:
                type_, code, message = _OPENAI_ERRORS.get(
                    reply.status,
                    (
                        "server_error" if reply.status >= 500 else "invalid_request_error",
                        None,
                        "Request failed.",
                    ),
                )
            body = self.error_body(reply.error_message or message, reply.error_type or type_, code)
            ex.send_json(reply.status, body, {**headers, **self.error_headers(reply)})
            return

        completion_id = f"chatcmpl-fake{serial:04d}"
        created = int(time.time())
        count = len(reply.chunks)
        usage = {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": count,
            "total_tokens": reply.input_tokens + count,
        }
        finish = reply.stop_reason or "stop"
        if not ex.body.get("stream"):
            ex.send_json(
                200,
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [
                        {
                            "index": 0,
                            "message": {
                                "role": "assistant",
                                "content": reply.text,
                                "refusal": None,
                            },
                            "logprobs": None,
                            "finish_reason": finish,
                        }
                    ],
                    "usage": usage,
                    "system_fingerprint": "fp_fake",
                },
                headers,
            )
            return

        options = ex.body.get("stream_options")
        include_usage = isinstance(options, dict) and bool(options.get("include_usage"))

        def chunk(choices: list[dict[str, Any]], chunk_usage: Any = None) -> bytes:
            obj: dict[str, Any] = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": choices,
            }
            # With include_usage, OpenAI puts "usage": null on every chunk
            # but the last, which alone carries the figures.
            if include_usage:
                obj["usage"] = chunk_usage
            return _sse(obj)

        def choice(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}

        final = [chunk([choice({}, finish)])]
        if include_usage:
            final.append(chunk([], usage))
        final.append(_sse("[DONE]"))
        error = self.error_body(
            reply.error_message or _OPENAI_ERRORS[500][2], reply.error_type or "server_error"
        )
        self.stream(
            ex,
            reply,
            _Frames(
                content_type="text/event-stream; charset=utf-8",
                headers={**headers, "Cache-Control": "no-cache"},
                # OpenAI announces the role in a delta of its own, with no text.
                prelude=[chunk([choice({"role": "assistant", "content": "", "refusal": None})])],
                deltas=[chunk([choice({"content": text})]) for text in reply.chunks],
                final=final,
                error=_sse(error),
                malformed=b'data: {"id":"' + completion_id.encode() + b'","choices":[{\n\n',
            ),
        )


# ---------------------------------------------------------------------------
# Anthropic


_ANTHROPIC_ERRORS: dict[int, tuple[str, str]] = {
    400: ("invalid_request_error", "Invalid request."),
    401: ("authentication_error", "invalid x-api-key"),
    403: (
        "permission_error",
        "Your API key does not have permission to use the specified resource.",
    ),
    404: ("not_found_error", "Not found."),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes."),
    429: ("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit."),
    500: ("api_error", "Internal server error"),
    529: ("overloaded_error", "Overloaded"),
}


class FakeAnthropic(FakeServer):
    """Anthropic's /v1/messages (streamed or not) and /v1/models.

    Any model name is accepted; `models` is what /v1/models lists. A mid-stream
    error event defaults to overloaded_error, the one the real API sends most.
    """

    chat_path = "/v1/messages"

    def __init__(self, models: Sequence[str] = ("claude-opus-4-5", "claude-haiku-4-5")) -> None:
        super().__init__()
        self.models = list(models)

    @staticmethod
    def error_body(type_: str, message: str, request_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "error", "error": {"type": type_, "message": message}}
        if request_id:
            body["request_id"] = request_id
        return body

    def route(self, ex: Exchange) -> None:
        method, path = ex.request.method, ex.request.path
        if (method, path) == ("GET", "/v1/models"):
            data = [
                {
                    "type": "model",
                    "id": m,
                    "display_name": m,
                    "created_at": "2025-09-29T00:00:00Z",
                }
                for m in self.models
            ]
            ex.send_json(
                200,
                {
                    "data": data,
                    "has_more": False,
                    "first_id": data[0]["id"] if data else None,
                    "last_id": data[-1]["id"] if data else None,
                },
            )
        elif (method, path) == ("POST", self.chat_path):
            self._messages(ex)
        else:
            ex.send_json(404, self.error_body("not_found_error", "Not Found"))

    def _messages(self, ex: Exchange) -> None:
        serial = self._new_id()
        request_id = f"req_fake{serial:04d}"
        headers = {"request-id": request_id}
        model = str(ex.body.get("model") or "")
        if not model or "max_tokens" not in ex.body:
            missing = "model" if not model else "max_tokens"
            body = self.error_body(
                "invalid_request_error", f"{missing}: Field required", request_id
            )
            ex.send_json(400, body, headers)
            return
        reply = self.next_reply()
        if reply.status != 200:
            type_, message = _ANTHROPIC_ERRORS.get(
                reply.status,
                ("api_error", "Internal server error")
                if reply.status >= 500
                else ("invalid_request_error", "Request failed."),
            )
            if reply.status == 404:
                message = f"model: {model}"
            body = self.error_body(
                reply.error_type or type_, reply.error_message or message, request_id
            )
            ex.send_json(reply.status, body, {**headers, **self.error_headers(reply)})
            return

        message_id = f"msg_fake{serial:04d}"
        count = len(reply.chunks)
        stop = reply.stop_reason or "end_turn"
        if not ex.body.get("stream"):
            ex.send_json(
                200,
                {
                    "id": message_id,
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [{"type": "text", "text": reply.text}],
                    "stop_reason": stop,
                    "stop_sequence": None,
                    "usage": {"input_tokens": reply.input_tokens, "output_tokens": count},
                },
                headers,
            )
            return

        def event(name: str, data: dict[str, Any]) -> bytes:
            return _sse({"type": name, **data}, event=name)

        start = {
            "message": {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {
                    "input_tokens": reply.input_tokens,
                    "cache_creation_input_tokens": 0,
                    "cache_read_input_tokens": 0,
                    "output_tokens": 1,
                },
            }
        }
        error = self.error_body(
            reply.error_type or "overloaded_error", reply.error_message or "Overloaded", request_id
        )
        self.stream(
            ex,
            reply,
            _Frames(
                content_type="text/event-stream; charset=utf-8",
                headers={**headers, "Cache-Control": "no-cache"},
                prelude=[
                    event("message_start", start),
                    event(
                        "content_block_start",
                        {"index": 0, "content_block": {"type": "text", "text": ""}},
                    ),
                    event("ping", {}),
                ],
                deltas=[
                    event(
                        "content_block_delta",
                        {"index": 0, "delta": {"type": "text_delta", "text": text}},
                    )
                    for text in reply.chunks
                ],
                final=[
                    event("content_block_stop", {"index": 0}),
                    event(
                        "message_delta",
                        {
                            "delta": {"stop_reason": stop, "stop_sequence": None},
                            "usage": {"output_tokens": count},
                        },
                    ),
                    event("message_stop", {}),
                ],
                # Sent after the 200 status line, as the real API does.
                error=_sse(error, event="error"),
                malformed=b'event: content_block_delta\ndata: {"type":"content_block_delta",\n\n',
            ),
        )
