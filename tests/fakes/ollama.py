"""A stand-in for Ollama's REST API (NDJSON streaming)."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from .base import Exchange, FakeServer, Frames, ndjson

#: Bytes a pull "downloads", reported in four equal steps.
PULL_TOTAL = 2_000_000

OLLAMA_CLOUD_HOST = "https://ollama.com:443"


def _digest(name: str) -> str:
    return "sha256:" + hashlib.sha256(name.encode()).hexdigest()


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
            Frames(
                content_type="application/x-ndjson",
                headers={},
                prelude=[],
                deltas=[ndjson(part(chunk)) for chunk in reply.chunks],
                final=[ndjson(final)],
                error=ndjson({"error": error}),
                malformed=b'{"model":"' + given.encode() + b'","message":{\n',
            ),
        )
