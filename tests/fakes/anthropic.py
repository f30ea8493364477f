"""A stand-in for Anthropic's Messages API (server-sent events with named events)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import Exchange, FakeServer, Frames, sse

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
            return sse({"type": name, **data}, event=name)

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
            Frames(
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
                error=sse(error, event="error"),
                malformed=b'event: content_block_delta\ndata: {"type":"content_block_delta",\n\n',
            ),
        )
