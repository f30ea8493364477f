"""A stand-in for Anthropic's Messages API (server-sent events with named events).

Events follow docs.anthropic.com messages-streaming and the SDK's types
(anthropic 2.14.0); the refusals live in `anthropic_rules`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .anthropic_rules import (
    CONTEXT_WINDOW,
    Refusal,
    check_context,
    check_request,
    thinking_budget,
    thinking_enabled,
    thinking_shown,
    uses_cache_control,
)
from .base import Exchange, FakeServer, Frames, sse
from .reply import Output, Reply, prompt_tokens

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
    `context_window` is what prompts are checked against.
    """

    chat_path = "/v1/messages"

    def __init__(
        self,
        models: Sequence[str] = ("claude-opus-4-5", "claude-haiku-4-5"),
        *,
        context_window: int = CONTEXT_WINDOW,
    ) -> None:
        super().__init__()
        self.models = list(models)
        self.context_window = context_window

    @staticmethod
    def error_body(type_: str, message: str, request_id: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "error", "error": {"type": type_, "message": message}}
        if request_id:
            body["request_id"] = request_id
        return body

    def prompt_tokens(self, body: Any) -> int:
        """What the prompt (system and messages) of a recorded request body counts."""
        return prompt_tokens(body.get("messages") or [], body.get("system"))

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
        body = ex.body
        model = str(body.get("model") or "")
        if not model or "max_tokens" not in body:
            missing = "model" if not model else "max_tokens"
            error = self.error_body(
                "invalid_request_error", f"{missing}: Field required", request_id
            )
            ex.send_json(400, error, headers)
            return
        prompt = self.prompt_tokens(body)
        try:
            check_request(body, model)
            check_context(prompt, self.context_window)
        except Refusal as refusal:
            error = self.error_body("invalid_request_error", str(refusal), request_id)
            ex.send_json(400, error, headers)
            return
        reply = self.next_reply()
        if self.redirected(ex, reply):
            return
        if reply.status != 200:
            self._refuse(ex, reply, model, request_id, headers)
            return
        answer = _Answer(serial, model, reply, _output(body, reply), prompt, body)
        if not body.get("stream"):
            ex.send_json(200, answer.whole(), headers)
            return
        error = self.error_body(
            reply.error_type or "overloaded_error", reply.error_message or "Overloaded", request_id
        )
        self.stream(ex, reply, answer.frames(headers, error))

    def _refuse(
        self, ex: Exchange, reply: Reply, model: str, request_id: str, headers: dict[str, str]
    ) -> None:
        type_, message = _ANTHROPIC_ERRORS.get(
            reply.status,
            ("api_error", "Internal server error")
            if reply.status >= 500
            else ("invalid_request_error", "Request failed."),
        )
        if reply.status == 404:
            message = f"model: {model}"
        message = reply.echoed(reply.error_message or message, ex.request.headers)
        error = self.error_body(reply.error_type or type_, message, request_id)
        ex.send_json(reply.status, error, {**headers, **self.error_headers(reply)})


def _output(body: dict[str, Any], reply: Reply) -> Output:
    """Thinking within its budget, then text, all within max_tokens (thinking
    counts toward max_tokens: SDK messages.py docstring)."""
    budget = thinking_budget(body)
    if budget is not None:
        reply = replace(reply, thinking=tuple(reply.thinking)[:budget])
    max_tokens = body.get("max_tokens")
    limit = max_tokens if isinstance(max_tokens, int) else None
    return reply.bounded(limit, thinks=thinking_enabled(body))


class _Answer:
    """One message in the API's event and object shapes."""

    def __init__(
        self,
        serial: int,
        model: str,
        reply: Reply,
        output: Output,
        prompt: int,
        body: dict[str, Any],
    ) -> None:
        self.id = f"msg_fake{serial:04d}"
        self.model = model
        self.reply = reply
        self.output = output
        self.stop = reply.stop_reason or ("max_tokens" if output.truncated else "end_turn")
        self.shown = thinking_shown(body)
        self.signature = f"sig-fake{serial:04d}"
        cached = uses_cache_control(body)
        self.cache_read = reply.cached_tokens if cached else 0
        self.cache_write = reply.cache_write_tokens if cached else 0
        # types/message_delta_usage.py: the total input is input_tokens plus
        # the cache creation and cache read tokens.
        counted = max(prompt - self.cache_read - self.cache_write, 0)
        self.input_tokens = counted if reply.input_tokens is None else reply.input_tokens

    @property
    def thinks(self) -> bool:
        return bool(self.output.thinking)

    def usage(self, output_tokens: int) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "cache_creation_input_tokens": self.cache_write,
            "cache_read_input_tokens": self.cache_read,
            "output_tokens": output_tokens,
        }

    def whole(self) -> dict[str, Any]:
        content: list[dict[str, Any]] = []
        if self.thinks:
            thinking = "".join(self.output.thinking) if self.shown else ""
            content.append({"type": "thinking", "thinking": thinking, "signature": self.signature})
        content.append({"type": "text", "text": self.output.text})
        return {
            "id": self.id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": content,
            "stop_reason": self.stop,
            "stop_sequence": None,
            "usage": self.usage(self.output.tokens),
        }

    def frames(self, headers: dict[str, str], error: dict[str, Any]) -> Frames:
        def event(name: str, data: dict[str, Any]) -> bytes:
            return sse({"type": name, **data}, event=name)

        def block_start(index: int, block: dict[str, Any]) -> bytes:
            return event("content_block_start", {"index": index, "content_block": block})

        def delta(index: int, data: dict[str, Any]) -> bytes:
            return event("content_block_delta", {"index": index, "delta": data})

        text_index = 1 if self.thinks else 0
        start = {
            "message": {
                "id": self.id,
                "type": "message",
                "role": "assistant",
                "model": self.model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": self.usage(1),
            }
        }
        first_block = (
            {"type": "thinking", "thinking": "", "signature": ""}
            if self.thinks
            else {"type": "text", "text": ""}
        )
        # A thinking block streams its thinking, then its signature just before
        # content_block_stop (types/signature_delta.py); the text block follows.
        deltas = [
            delta(0, {"type": "thinking_delta", "thinking": text})
            for text in self.output.thinking
            if self.shown
        ]
        closing = [
            delta(0, {"type": "signature_delta", "signature": self.signature}),
            event("content_block_stop", {"index": 0}),
        ]
        texts = [
            delta(text_index, {"type": "text_delta", "text": text}) for text in self.output.chunks
        ]
        if self.thinks and texts:
            texts[0] = b"".join([*closing, block_start(1, {"type": "text", "text": ""}), texts[0]])
        elif self.thinks:
            # The limit ended the thinking: its block closes, no text block opens.
            texts = []
        deltas += texts
        open_index = 0 if self.thinks and not texts else text_index
        final = [
            event("content_block_stop", {"index": open_index}),
            event(
                "message_delta",
                {
                    "delta": {"stop_reason": self.stop, "stop_sequence": None},
                    "usage": {"output_tokens": self.output.tokens},
                },
            ),
            event("message_stop", {}),
        ]
        return Frames(
            content_type="text/event-stream; charset=utf-8",
            headers={**headers, "Cache-Control": "no-cache"},
            prelude=[event("message_start", start), block_start(0, first_block), event("ping", {})],
            deltas=deltas,
            final=final,
            # Sent after the 200 status line, as the real API does.
            error=sse(error, event="error"),
            malformed=b'event: content_block_delta\ndata: {"type":"content_block_delta",\n\n',
            wrong_type=delta(text_index, {"type": "text_delta", "text": 42}),
            # The API's own keep-alive: ping events (messages-streaming docs).
            keepalive=event("ping", {}),
        )
