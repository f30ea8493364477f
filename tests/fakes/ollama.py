"""A stand-in for Ollama's REST API (NDJSON streaming).

Behaviours follow ollama/ollama v0.33.0-rc2 (2026-08) and docs/api.md; each
names its source. The model rules (thinking, context, cut prompts) live in
`ollama_models`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from .base import Exchange, FakeServer, Frames, ndjson
from .ollama_models import (
    DEFAULT_CONTEXT,
    DEFAULT_NUM_KEEP,
    PROMPT_TOO_LONG,
    BadRequest,
    OllamaChat,
    OllamaModel,
    Prompt,
    effective_context,
    fit_prompt,
    model_spec,
    ollama_name,
    read_think,
    resolve_think,
)
from .ollama_wire import Answer, done_answer, go_time, keep_alive_zero
from .reply import MAX_WAIT_SECONDS, Reply, prompt_tokens

#: Bytes a pull "downloads", reported in four equal steps.
PULL_TOTAL = 2_000_000

OLLAMA_CLOUD_HOST = "https://ollama.com:443"
#: The `path` to script answers to load-only requests (an empty chat) with, e.g. a
#: failing load: `script(Reply(status=500, error_message=...), path=LOAD_SCRIPT)`.
LOAD_SCRIPT = "/api/chat (load only)"


def _digest(name: str) -> str:
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


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
    """Ollama's REST API: /api/chat, /api/tags, /api/show, /api/ps, /api/pull, /api/version.

    `models` are local models; `cloud_models` run on ollama.com (their
    /api/show has remote_model and remote_host); `pullable` can be pulled,
    after which they are local models too. Names without a tag mean ':latest'.
    A name is described by `ollama_models.KNOWN_MODELS` when listed there
    (qwen3:4b thinks, llama3.2:1b does not, gpt-oss thinks at levels), else
    as a plain completion model; pass an `OllamaModel` to describe one.

    `default_context` is the num_ctx a model runs with when a request does
    not ask; `load_seconds` is how long loading a model takes (its first
    request, and every reload with another context). `chats` records what
    the server did with each chat; `loads` and `reloads` count loads.
    """

    chat_path = "/api/chat"
    version = "0.12.6"

    def __init__(
        self,
        models: Sequence[str | OllamaModel] = ("qwen3:4b",),
        cloud_models: Sequence[str | OllamaModel] = ("gpt-oss:120b-cloud",),
        pullable: Sequence[str | OllamaModel] = ("llama3.2:1b",),
        *,
        default_context: int = DEFAULT_CONTEXT,
        load_seconds: float = 0.0,
    ) -> None:
        super().__init__()
        if not 0 <= load_seconds <= MAX_WAIT_SECONDS:
            raise ValueError(f"load_seconds must be within 0..{MAX_WAIT_SECONDS}")
        local = [model_spec(m) for m in models]
        cloud = [model_spec(m, remote_host=OLLAMA_CLOUD_HOST) for m in cloud_models]
        self._specs: dict[str, OllamaModel] = {m.name: m for m in [*local, *cloud]}
        self._local = [m.name for m in local]
        self._cloud = [m.name for m in cloud]
        self._pullable = {m.name: m for m in (model_spec(p) for p in pullable)}
        self.default_context = default_context
        self.load_seconds = load_seconds
        self._loaded: dict[str, int] = {}
        self._chats: list[OllamaChat] = []
        self._loads = 0
        self._reloads = 0
        self._load_lock = threading.Lock()

    @property
    def models(self) -> list[str]:
        """Every model /api/tags lists: local (and pulled) first, then cloud."""
        with self._lock:
            return [*self._local, *self._cloud]

    def spec(self, name: str) -> OllamaModel:
        """How this server describes a model it has."""
        with self._lock:
            return self._specs[ollama_name(name)]

    @property
    def chats(self) -> list[OllamaChat]:
        """What the server did with each /api/chat request that reached a model."""
        with self._lock:
            return list(self._chats)

    @property
    def loads(self) -> int:
        """Models loaded so far, reloads included."""
        with self._lock:
            return self._loads

    @property
    def reloads(self) -> int:
        """Loads of a model that was loaded already, with another context."""
        with self._lock:
            return self._reloads

    @property
    def loaded(self) -> dict[str, int]:
        """The models in memory and the context each runs with (what /api/ps shows)."""
        with self._lock:
            return dict(self._loaded)

    def prompt_tokens(self, body: Any) -> int:
        """What the prompt of a recorded request body counts, before any cut."""
        return prompt_tokens(body.get("messages") or [])

    def route(self, ex: Exchange) -> None:
        key = (ex.request.method, ex.request.path)
        handlers: dict[tuple[str, str], Callable[[Exchange], None]] = {
            ("GET", "/"): self._root,
            ("HEAD", "/"): self._root,
            ("GET", "/api/version"): lambda ex: ex.send_json(200, {"version": self.version}),
            ("GET", "/api/tags"): self._tags,
            ("GET", "/api/ps"): self._ps,
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
        # api/types.go ModelDetails.
        if name in self._cloud:
            return {
                "parent_model": "",
                "format": "",
                "family": "",
                "families": None,
                "parameter_size": "",
                "quantization_level": "",
            }
        spec = self.spec(name)
        return {
            "parent_model": "",
            "format": "gguf",
            "family": spec.family,
            "families": [spec.family],
            "parameter_size": spec.parameter_size,
            "quantization_level": spec.quantization_level,
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

    def _ps(self, ex: Exchange) -> None:
        # server/routes.go PsHandler; api/types.go ProcessModelResponse.
        entries = [
            {
                "name": name,
                "model": name,
                "size": PULL_TOTAL,
                "digest": _digest(name)[7:],
                "details": self._details(name),
                "expires_at": go_time(time.time_ns() + 300 * 1_000_000_000),
                "size_vram": PULL_TOTAL,
                "context_length": context,
            }
            for name, context in self.loaded.items()
        ]
        ex.send_json(200, {"models": entries})

    def _show(self, ex: Exchange) -> None:
        # server/routes.go ShowHandler and GetModelInfo; api/types.go ShowResponse.
        given = str(ex.body.get("model") or ex.body.get("name") or "")
        if not given:
            ex.send_json(400, {"error": "model is required"})
            return
        name = ollama_name(given)
        if name not in self.models:
            ex.send_json(404, {"error": f"model '{given}' not found"})
            return
        reply = self.next_reply("/api/show")
        if self._refused(ex, reply):
            return
        details = self._details(name)
        spec = self.spec(name)
        answer: dict[str, Any] = {
            "license": "",
            "modelfile": f'# Modelfile generated by "ollama show"\nFROM {name}\n',
            "parameters": 'stop "<|im_end|>"',
            "template": "{{ .Prompt }}",
            "details": details,
            "model_info": {}
            if name in self._cloud
            else {
                "general.architecture": spec.family,
                "general.parameter_count": 4_022_468_096,
                f"{spec.family}.context_length": spec.context_length,
            },
            "capabilities": list(spec.capabilities),
            "modified_at": _OLLAMA_MODIFIED,
        }
        if name in self._cloud:
            answer["remote_model"] = name.removesuffix("-cloud")
            answer["remote_host"] = OLLAMA_CLOUD_HOST
        ex.send_json(200, answer)

    def _refused(self, ex: Exchange, reply: Reply) -> bool:
        """Answer the reply's redirect or error status, if it has one."""
        if self.redirected(ex, reply):
            return True
        if reply.status == 200:
            return False
        given = str(ex.body.get("model") or "")
        message = reply.error_message or (
            f"model '{given}' not found"
            if reply.status == 404
            else _OLLAMA_MESSAGES.get(reply.status, "error")
        )
        message = reply.echoed(message, ex.request.headers)
        ex.send_json(reply.status, {"error": message}, self.error_headers(reply))
        return True

    def _pull(self, ex: Exchange) -> None:
        name = ollama_name(str(ex.body.get("model") or ex.body.get("name") or ""))
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
        ex.write_frame(ndjson({"status": "pulling manifest"}))
        if not known:
            # Ollama has already answered 200 when it finds out, so the error
            # comes as a line of the stream.
            ex.write_frame(ndjson({"error": missing}))
            ex.end_stream()
            return
        digest = _digest(name)
        for step in range(1, 5):
            ex.write_frame(
                ndjson(
                    {
                        "status": f"pulling {digest[7:19]}",
                        "digest": digest,
                        "total": PULL_TOTAL,
                        "completed": PULL_TOTAL * step // 4,
                    }
                )
            )
        for status in ("verifying sha256 digest", "writing manifest"):
            ex.write_frame(ndjson({"status": status}))
        self._add_local(name)
        ex.write_frame(ndjson({"status": "success"}))
        ex.end_stream()

    def _add_local(self, name: str) -> None:
        with self._lock:
            if name not in self._local and name not in self._cloud:
                self._local.append(name)

    def _add_local(self, name: str) -> None:
        with self._lock:
            if name not in self._local and name not in self._cloud:
                self._local.append(name)
                self._specs[name] = self._pullable.get(name) or model_spec(name)

    # -- /api/chat -----------------------------------------------------------

    def _chat(self, ex: Exchange) -> None:
        """server/routes.go ChatHandler, in its order of checks."""
        began = time.monotonic_ns()
        body = ex.body
        given = str(body.get("model") or "")
        try:
            # Bound with the JSON body, before the model is looked up.
            asked_think = read_think(body)
        except BadRequest as error:
            ex.send_json(400, {"error": str(error)})
            return
        if not given:
            ex.send_json(400, {"error": "model is required"})
            return
        name = ollama_name(given)
        if name not in self.models:
            # getModel: the manifest does not exist. Checked before the script.
            ex.send_json(404, {"error": f"model '{given}' not found"})
            return
        spec = self.spec(name)
        messages = body.get("messages") or []
        options = body.get("options") if isinstance(body.get("options"), dict) else {}
        if not messages and keep_alive_zero(body.get("keep_alive")):
            # An empty chat with keep_alive 0 unloads the model (docs/api.md).
            with self._lock:
                self._loaded.pop(name, None)
            ex.send_json(200, done_answer(given, "unload"))
            return
        try:
            thinking = resolve_think(spec, asked_think, given)
        except BadRequest as error:
            ex.send_json(400, {"error": str(error)})
            return
        # A load-only request takes its own scripted replies: a warm-up must not take the
        # answer a test scripted for a run, and a load can fail as a run can.
        reply = self.next_reply(LOAD_SCRIPT if not messages else None)
        if self._refused(ex, reply):
            return
        context = effective_context(options.get("num_ctx"), self.default_context, spec)
        load = None if spec.remote_host else self._load(ex, name, context)
        loaded_at = time.monotonic_ns()
        record = OllamaChat(
            model=name,
            num_ctx=options.get("num_ctx"),
            context=context,
            think=asked_think,
            thinking=thinking,
            load=load,
            prompt=None,
            num_predict=options.get("num_predict"),
            format=body.get("format"),
        )
        if not messages:
            # Only load the model: used to warm it up (docs/api.md "Load a model").
            self._record(replace(record, done_reason="load"))
            ex.send_json(200, done_answer(given, "load"))
            return
        if spec.remote_host:
            whole = prompt_tokens(messages)
            prompt = Prompt(whole, 0, whole, whole)
        else:
            num_keep = options.get("num_keep")
            keep = num_keep if isinstance(num_keep, int) else DEFAULT_NUM_KEEP
            prompt = fit_prompt(messages, context, keep)
        if prompt.cut and not (spec.context_shift and body.get("shift", True) is not False):
            # Without a context shift the runner refuses instead of cutting.
            self._record(replace(record, prompt=prompt))
            ex.send_json(400, {"error": PROMPT_TOO_LONG})
            return
        limit = options.get("num_predict")
        output = reply.bounded(limit if isinstance(limit, int) else None, thinks=bool(thinking))
        done_reason = reply.stop_reason or ("length" if output.truncated else "stop")
        self._record(replace(record, prompt=prompt, done_reason=done_reason))
        prompt_count = prompt.evaluated if reply.input_tokens is None else reply.input_tokens
        answer = Answer(given, output, done_reason, prompt_count, began, loaded_at, reply.delay)
        if body.get("stream", True) is False:
            ex.send_json(200, answer.whole())
        else:
            self._stream_answer(ex, reply, answer)
        if keep_alive_zero(body.get("keep_alive")):
            # keep_alive 0: the model is unloaded once it has answered.
            with self._lock:
                self._loaded.pop(name, None)

    def _load(self, ex: Exchange, name: str, context: int) -> str | None:
        """Load the model if it is not loaded with this context (server/sched.go
        needsReload: another num_ctx reloads it); loading takes load_seconds."""
        with self._load_lock:
            with self._lock:
                current = self._loaded.get(name)
                if current == context:
                    return None
                self._loads += 1
                self._reloads += current is not None
            ex.pause(self.load_seconds)
            with self._lock:
                self._loaded[name] = context
            return "cold" if current is None else "reload"

    def _record(self, chat: OllamaChat) -> None:
        with self._lock:
            self._chats.append(chat)

    def _stream_answer(self, ex: Exchange, reply: Reply, answer: Answer) -> None:
        error = reply.error_message or _OLLAMA_MESSAGES[500] + ": unexpected EOF"
        model = answer.model
        self.stream(
            ex,
            reply,
            Frames(
                content_type="application/x-ndjson",
                headers={},
                prelude=[],
                deltas=[ndjson(part) for part in answer.parts()],
                final=lambda timing: [ndjson(answer.final(timing))],
                error=ndjson({"error": error}),
                malformed=b'{"model":"' + model.encode() + b'","message":{\n',
                wrong_type=ndjson(answer.part(42)),
            ),
        )
