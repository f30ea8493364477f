"""A stand-in for OpenAI's chat completions API (server-sent events)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from .base import Exchange, FakeServer, Frames, sse

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
            return sse(obj)

        def choice(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}

        final = [chunk([choice({}, finish)])]
        if include_usage:
            final.append(chunk([], usage))
        final.append(sse("[DONE]"))
        error = self.error_body(
            reply.error_message or _OPENAI_ERRORS[500][2], reply.error_type or "server_error"
        )
        self.stream(
            ex,
            reply,
            Frames(
                content_type="text/event-stream; charset=utf-8",
                headers={**headers, "Cache-Control": "no-cache"},
                # OpenAI announces the role in a delta of its own, with no text.
                prelude=[chunk([choice({"role": "assistant", "content": "", "refusal": None})])],
                deltas=[chunk([choice({"content": text})]) for text in reply.chunks],
                final=final,
                error=sse(error),
                malformed=b'data: {"id":"' + completion_id.encode() + b'","choices":[{\n\n',
            ),
        )
