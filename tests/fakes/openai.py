"""A stand-in for OpenAI's chat completions API, and for the OpenAI-compatible
servers (llama.cpp's llama-server, vLLM) that speak it with their own habits.

Behaviours name their sources; the refusals live in `openai_rules`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from .base import Exchange, FakeServer, Frames, sse
from .openai_rules import (
    FLAVOR_REASONING,
    REASONING_EFFORTS,
    Flavor,
    ReasoningFormat,
    Refusal,
    check_context,
    check_reasoning_parameters,
    default_context,
    is_reasoning_model,
    openai_error,
    output_limit,
)
from .reply import Output, Reply, prompt_tokens

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

    `flavor` is the server behind the protocol: "openai" (reasoning models,
    named gpt-5*/o1*/o3*/o4*, refuse max_tokens and a temperature other than
    1, and hide their reasoning), "llama.cpp" or "vllm" (their context errors).
    `reasoning` overrides where the flavor streams a reply's thinking (see
    `openai_rules.ReasoningFormat`). `context_length` is the context the
    server checks prompts against (default: per `openai_rules.default_context`).
    `reasoning_efforts` lists, per model, the efforts it accepts (default: all
    the SDK knows).
    """

    chat_path = "/v1/chat/completions"

    def __init__(
        self,
        models: Sequence[str] = ("gpt-4o-mini", "gpt-5-mini"),
        *,
        flavor: Flavor = "openai",
        reasoning: ReasoningFormat | None = None,
        context_length: int | None = None,
        reasoning_efforts: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        super().__init__()
        self.models = list(models)
        self.flavor: Flavor = flavor
        self.reasoning: ReasoningFormat = reasoning or FLAVOR_REASONING[flavor]
        self.context_length = context_length
        self.reasoning_efforts = dict(reasoning_efforts or {})

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    error_body = staticmethod(openai_error)

    def prompt_tokens(self, body: Any) -> int:
        """What the prompt of a recorded request body counts."""
        return prompt_tokens(body.get("messages") or [])

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
        body = ex.body
        model = str(body.get("model") or "")
        if not model or not isinstance(body.get("messages"), list):
            message = "you must provide a model parameter" if not model else "messages is required"
            ex.send_json(400, self.error_body(message, "invalid_request_error"), headers)
            return
        prompt = prompt_tokens(body["messages"])
        limit = output_limit(body)
        reasons = self.flavor == "openai" and is_reasoning_model(model)
        try:
            if reasons:
                efforts = self.reasoning_efforts.get(model, REASONING_EFFORTS)
                check_reasoning_parameters(body, efforts)
            context = self.context_length or default_context(self.flavor, model)
            check_context(self.flavor, model, context, prompt, limit)
        except Refusal as refusal:
            ex.send_json(refusal.status, refusal.body, headers)
            return
        reply = self.next_reply()
        if self.redirected(ex, reply):
            return
        if reply.status != 200:
            self._refuse(ex, reply, model, headers)
            return
        if self.flavor == "llama.cpp":
            # Generation stops when the context is full (server-context.cpp:
            # prompt + 1 >= n_ctx ends it with STOP_TYPE_LIMIT, finish "length").
            room = context - prompt - 1
            limit = room if limit is None or limit < 0 else min(limit, room)
        output = reply.bounded(limit, thinks=self._thinks(body, model))
        answer = _Answer(self, serial, model, reply, output, prompt)
        if not body.get("stream"):
            ex.send_json(200, answer.whole(), headers)
            return
        options = body.get("stream_options")
        include_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        self.stream(ex, reply, answer.frames(include_usage, headers))

    def _thinks(self, body: Mapping[str, Any], model: str) -> bool:
        if self.flavor == "openai":
            # Only reasoning models reason; effort "none" turns it off.
            return is_reasoning_model(model) and body.get("reasoning_effort") != "none"
        # Qwen3-style templates on llama-server and vLLM think unless told not to.
        kwargs = body.get("chat_template_kwargs")
        return not (isinstance(kwargs, dict) and kwargs.get("enable_thinking") is False)

    def _refuse(self, ex: Exchange, reply: Reply, model: str, headers: dict[str, str]) -> None:
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
        message = reply.echoed(reply.error_message or message, ex.request.headers)
        body = self.error_body(message, reply.error_type or type_, code)
        ex.send_json(reply.status, body, {**headers, **self.error_headers(reply)})


class _Answer:
    """One completion in the server's chunk and message shapes."""

    def __init__(
        self, server: FakeOpenAI, serial: int, model: str, reply: Reply, output: Output, prompt: int
    ) -> None:
        self.server = server
        self.id = f"chatcmpl-fake{serial:04d}"
        self.created = int(time.time())
        self.model = model
        self.reply = reply
        self.output = output
        self.prompt = reply.input_tokens if reply.input_tokens is not None else prompt
        self.finish = reply.stop_reason or ("length" if output.truncated else "stop")
        self.format = server.reasoning

    def usage(self) -> dict[str, Any]:
        completion = self.output.tokens
        usage: dict[str, Any] = {
            "prompt_tokens": self.prompt,
            "completion_tokens": completion,
            "total_tokens": self.prompt + completion,
        }
        if self.server.flavor == "openai":
            # openai-python types/completion_usage.py: reasoning tokens count in
            # completion_tokens and are broken out; cached prompt tokens likewise.
            usage["prompt_tokens_details"] = {
                "cached_tokens": self.reply.cached_tokens,
                "audio_tokens": 0,
            }
            usage["completion_tokens_details"] = {
                "reasoning_tokens": len(self.output.thinking),
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            }
        return usage

    def content_deltas(self) -> list[str]:
        """The text of delta.content: with think tags, the reasoning is inside it."""
        if self.format != "think_tags" or not self.output.thinking:
            return list(self.output.chunks)
        closed = len(self.output.thinking) == len(self.reply.thinking)
        return ["<think>", *self.output.thinking, *(["</think>"] if closed else [])] + list(
            self.output.chunks
        )

    def reasoning_deltas(self) -> list[str]:
        """The reasoning streamed in its own field (none when hidden or inside the text)."""
        if self.format in ("hidden", "think_tags"):
            return []
        return list(self.output.thinking)

    def whole(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(self.content_deltas()),
            "refusal": None,
        }
        if self.reasoning_deltas():
            message[self.format] = "".join(self.reasoning_deltas())
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [
                {"index": 0, "message": message, "logprobs": None, "finish_reason": self.finish}
            ],
            "usage": self.usage(),
            "system_fingerprint": "fp_fake",
        }

    def frames(self, include_usage: bool, headers: dict[str, str]) -> Frames:
        def chunk(choices: list[dict[str, Any]], chunk_usage: Any = None) -> bytes:
            obj: dict[str, Any] = {
                "id": self.id,
                "object": "chat.completion.chunk",
                "created": self.created,
                "model": self.model,
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

        final = [chunk([choice({}, self.finish)])]
        if include_usage:
            final.append(chunk([], self.usage()))
        final.append(sse("[DONE]"))
        reply = self.reply
        error = openai_error(
            reply.error_message or _OPENAI_ERRORS[500][2], reply.error_type or "server_error"
        )
        deltas = [chunk([choice({self.format: text})]) for text in self.reasoning_deltas()]
        deltas += [chunk([choice({"content": text})]) for text in self.content_deltas()]
        hidden = len(self.output.thinking) if self.format == "hidden" else 0
        return Frames(
            content_type="text/event-stream; charset=utf-8",
            headers={**headers, "Cache-Control": "no-cache"},
            # OpenAI announces the role in a delta of its own, with no text.
            prelude=[chunk([choice({"role": "assistant", "content": "", "refusal": None})])],
            deltas=deltas,
            final=final,
            error=sse(error),
            malformed=b'data: {"id":"' + self.id.encode() + b'","choices":[{\n\n',
            wrong_type=chunk([choice({"content": 42})]),
            # Seen from servers and proxies that keep a quiet stream open.
            keepalive=b": keep-alive\n\n",
            # Hidden reasoning takes its tokens' time before anything is sent.
            lead_seconds=hidden * reply.delay,
        )
