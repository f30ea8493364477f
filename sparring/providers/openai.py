"""OpenAI and every OpenAI-compatible server (llama.cpp, vLLM, LM Studio, Ollama's /v1).

The SSE stream is read line by line rather than through the SDK's iterator,
because the SDK ends a stream that lacks `data: [DONE]` as if it had finished;
here an answer without its final marker is an interrupted answer.

What the services do that shapes this backend (sources in ../shared/protocols.md
and the tests):

- OpenAI's reasoning models (gpt-5 family, o-series) refuse `max_tokens`
  ("Use 'max_completion_tokens' instead", 400 unsupported_parameter) and any
  temperature but 1 (400 unsupported_value). A parameter a model refuses is
  dropped (or swapped for the one the error names) and the request asked
  again, once, with a line on stderr; the lesson holds for the rest of the run.
- Their `max_completion_tokens` bounds the hidden reasoning and the answer
  together, and the reasoning is never streamed: only its count comes, in
  `completion_tokens_details.reasoning_tokens`.
- OpenAI-compatible servers stream reasoning as `reasoning_content`
  (llama.cpp's server, LM Studio, DeepSeek) or `reasoning` (vLLM, Ollama's
  /v1, Groq, OpenRouter), or inline as `<think>...</think>` in the content.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import openai

from sparring.errors import (
    AuthenticationFailed,
    ContextTooLong,
    ProviderUnavailable,
    StreamInterrupted,
)
from sparring.providers import OPENAI_URL, ModelRef, expected_location, provider_url
from sparring.providers.base import Backend, ChatRequest, Finish, Location, Stop
from sparring.providers.failures import KEPT, body_message, broke_off, stalled, status_error
from sparring.providers.keys import key_from_command, key_from_env
from sparring.providers.listing import JsonItems, ListShape, json_schema
from sparring.providers.thinking import InlineThinking, Thinking
from sparring.secret import Secret

# Local servers ignore the key, but the SDK insists on one.
_NO_KEY = "sparring-no-key"
#: OpenAI's reasoning models, by name: they think, unseen, before they answer.
REASONING_MODEL = re.compile(r"^(gpt-5|o1|o3|o4)([.\-]|$)")
#: Open models that think by default, by name, as OpenAI-compatible servers serve them:
#: they get room to think on top of the answer's budget.
THINKING_NAMES = re.compile(
    r"qwen3|qwq|deepseek-r1|-r1\b|reason|think|gpt-oss|magistral|phi-4-mini-reasoning|nemotron",
    re.IGNORECASE,
)
#: What each server calls the answer's token limit.
LIMIT_PARAMETERS = ("max_tokens", "max_completion_tokens")
#: Parameters a model refused, by (base URL, model): kept for the rest of the run.
_LESSONS: dict[tuple[str, str], dict[str, str]] = {}
#: The lesson that says which form of a JSON schema a server takes (see _response_format).
SCHEMA_FORM = "response_format.type"
#: Context windows servers named when a limit was too large, by (base URL, model).
_WINDOWS: dict[tuple[str, str], int] = {}
#: A refused parameter is asked about again at most this many times a request.
MAX_LESSONS = 4


class OpenAIBackend(Backend):
    def __init__(
        self,
        model: str,
        *,
        provider: str,
        base_url: str,
        key: Secret | None,
        location: Location,
        stall_timeout: float = 120.0,
    ) -> None:
        super().__init__(model)
        self.stall_timeout = stall_timeout
        self.provider = provider
        self.base_url = base_url.rstrip("/")
        self.location = location
        self.client = openai.AsyncOpenAI(
            api_key=key.reveal() if key else _NO_KEY,
            base_url=self.base_url,
            max_retries=0,
            timeout=httpx2.Timeout(stall_timeout, connect=10.0),
            # The SDK's own defaults, plus the hook that starts the figures' clock.
            # No redirects: a 307 would re-post the draft wherever it pointed (see
            # failures.redirected); the SDK's client follows them by default.
            http_client=openai.DefaultAsyncHttpxClient(
                event_hooks={"request": [self.on_http_request]}, follow_redirects=False
            ),
        )
        # The SDK imports its resources on first use (~20 ms): here, in the thread
        # that opens backends, rather than on the event loop that streams the others.
        self.client.chat.completions.with_streaming_response  # noqa: B018

    @classmethod
    def for_ref(cls, ref: ModelRef, *, stall_timeout: float = 120.0) -> OpenAIBackend:
        """The backend for `openai:MODEL` or a configured endpoint `NAME:MODEL`.

        A key goes only where it was configured for: OPENAI_API_KEY to the
        openai provider's URL, an endpoint's key to that endpoint.
        """
        base_url = provider_url(ref)
        if ref.endpoint is None:
            key = key_from_env("OPENAI_API_KEY")
            if key is None and base_url.rstrip("/") == OPENAI_URL:
                raise AuthenticationFailed(
                    "OPENAI_API_KEY is not set", hint="export OPENAI_API_KEY=sk-..."
                )
        else:
            endpoint = ref.endpoint
            key = None
            if endpoint.api_key_command:
                key = key_from_command(endpoint.api_key_command)
            elif endpoint.api_key_env:
                key = key_from_env(endpoint.api_key_env)
                if key is None:
                    raise AuthenticationFailed(
                        f"{endpoint.api_key_env} is not set "
                        f"(the key for endpoint '{endpoint.name}')",
                        hint=f"export {endpoint.api_key_env}=...",
                    )
        return cls(
            ref.model,
            provider=ref.provider,
            base_url=base_url,
            key=key,
            location=expected_location(ref),
            stall_timeout=stall_timeout,
        )

    @property
    def _official(self) -> bool:
        return self.provider == "openai" and self.base_url == OPENAI_URL

    @property
    def reasoning_model(self) -> bool:
        """One of OpenAI's reasoning models (named as OpenAI names them, wherever served)."""
        return self.provider == "openai" and bool(REASONING_MODEL.match(self.model))

    @property
    def takes_shape(self) -> bool:
        return True

    async def prompt_room(self, request: ChatRequest) -> int | None:
        # Only a window the server named in an error is known (see _window_of); the API
        # has no way to ask (a context setting in config.toml says it instead).
        window = _WINDOWS.get((self.base_url, self.model))
        return None if window is None else window - request.max_tokens

    @property
    def lessons(self) -> dict[str, str]:
        """Parameters this model refused: name -> what to send instead ("" for nothing)."""
        return _LESSONS.setdefault((self.base_url, self.model), {})

    async def _generate(self, request: ChatRequest) -> AsyncIterator[str | Thinking | Finish]:
        try:
            async for event in self._stream_events(request):
                yield event
        except openai.APIStatusError as error:
            raise self._translate(error) from None
        except openai.APITimeoutError:
            raise stalled(self.label, self.base_url) from None
        except openai.APIConnectionError:
            raise ProviderUnavailable(
                f"{self.label}: cannot connect to {self.base_url}",
                hint="is the server running? check base_url / OPENAI_BASE_URL",
            ) from None
        except httpx2.TimeoutException:
            raise stalled(self.label, self.base_url) from None
        except httpx2.TransportError as error:
            raise broke_off(self.label, error) from None

    def arguments(self, request: ChatRequest) -> dict[str, Any]:
        """The request's parameters, as this server takes them."""
        thinks = self.reasoning_model or (
            not self._official
            and request.think != "off"
            and (request.think is not None or bool(THINKING_NAMES.search(self.model)))
        )
        # OpenAI's current name for the limit, which its reasoning models require; servers
        # that copy the API all read max_tokens, and some (llama-cpp-python's) drop the other.
        modern = self._official or self.reasoning_model
        limit_name = "max_completion_tokens" if modern else "max_tokens"
        limit_name = self.lessons.get(limit_name, limit_name)
        messages = request.as_dicts()
        if request.think == "off" and not self._official and "qwen3" in self.model.lower():
            # Qwen3's own switch, for servers with no other way to turn thinking off.
            messages[-1] = {**messages[-1], "content": messages[-1]["content"] + " /no_think"}
        limit = request.limit(thinks)
        window = _WINDOWS.get((self.base_url, self.model))
        if window is not None:
            # The server said how long a context the model takes: leave the prompt room.
            prompt = -(-request.characters // 3) + 8 * len(messages)
            limit = max(min(limit, window - prompt), 1)
        arguments: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            limit_name: limit,
            "stream_options": {"include_usage": True},
        }
        if request.temperature is not None:
            arguments["temperature"] = request.temperature
        effort = self._effort(request)
        if effort is not None:
            arguments["reasoning_effort"] = effort
        if request.seed is not None:
            arguments["seed"] = request.seed
        if request.shape is not None:
            arguments["response_format"] = self._response_format(request.shape)
        for refused, instead in self.lessons.items():
            if refused == SCHEMA_FORM:
                continue
            if refused in arguments and refused not in LIMIT_PARAMETERS:
                del arguments[refused]
            elif refused in arguments and instead:
                arguments[instead] = arguments.pop(refused)
        return arguments

    def _response_format(self, shape: ListShape) -> dict[str, Any]:
        """OpenAI's structured outputs, which llama.cpp's server, vLLM and LM Studio take;
        llama-cpp-python's server takes only "text" or "json_object" with a `schema`
        (llama_cpp/llama_types.py ChatCompletionRequestResponseFormat), learned when it
        refuses the first."""
        if self.lessons.get(SCHEMA_FORM) == "json_object":
            return {"type": "json_object", "schema": json_schema(shape)}
        return {
            "type": "json_schema",
            "json_schema": {"name": "items", "strict": True, "schema": json_schema(shape)},
        }

    def _effort(self, request: ChatRequest) -> str | None:
        """`reasoning_effort` for the think setting, as the model takes it."""
        if request.think is None:
            return None
        if request.think != "off":
            return request.think
        if not self._official and self.provider != "openai":
            return "none"  # Ollama's /v1 maps it to think: false
        if self.model.startswith("o"):
            return "low"  # the o-series thinks at least this much
        if re.match(r"^gpt-5([.-](mini|nano))?$", self.model) or self.model.startswith("gpt-5-"):
            return "minimal"  # gpt-5 itself has no "none"
        return "none"  # gpt-5.1 and later

    async def _stream_events(self, request: ChatRequest) -> AsyncIterator[str | Thinking | Finish]:
        create = self.client.chat.completions.with_streaming_response.create
        attempt = 0
        while True:
            arguments = self.arguments(request)
            try:
                response_context = create(**arguments)
                response = await response_context.__aenter__()
                break
            except (openai.BadRequestError, openai.InternalServerError) as error:
                attempt += 1
                learned = self._learn_format(error, arguments) or (
                    isinstance(error, openai.BadRequestError) and self._learn(error, arguments)
                )
                if attempt > MAX_LESSONS or not learned:
                    raise
        quote = request.shape is not None and request.shape.quote
        items = JsonItems(quote) if "response_format" in arguments else None
        try:
            async for event in _chunks(response, self.label):
                if items is not None and isinstance(event, str):
                    for line in items.feed(event):
                        yield line
                else:
                    yield event
        finally:
            await response_context.__aexit__(None, None, None)

    def _learn_format(self, error: openai.APIStatusError, arguments: dict[str, Any]) -> bool:
        """A server that refused the json_schema response format: llama-cpp-python's answers
        500 "validation error ... response_format ... Input should be 'text' or
        'json_object'" (its pydantic check, wrapped by server/errors.py). It is asked in its
        own form from then on; a server that refuses that too is asked without a format."""
        format_sent = arguments.get("response_format")
        message = body_message(error.body, str(error.message))
        if not isinstance(format_sent, dict) or "response_format" not in message:
            return False
        if format_sent.get("type") == "json_schema" and "json_object" in message:
            self.lessons[SCHEMA_FORM] = "json_object"
            self.say(f"{self.label} takes a JSON schema in its own form: sparring sends that")
            return True
        if "response_format" not in self.lessons:
            self.lessons["response_format"] = ""
            self.say(f"{self.label} does not take response_format: asks again without it")
            return True
        return False

    def _learn(self, error: openai.BadRequestError, arguments: dict[str, Any]) -> bool:
        """Learn from a 400 that refuses a parameter, or a limit too large for the model's
        window; False if it is neither."""
        window = _window_of(error)
        key = (self.base_url, self.model)
        if window is not None and _WINDOWS.get(key) != window:
            _WINDOWS[key] = window
            self.say(f"{self.label} takes {window:,} tokens in all: sparring asks for less")
            return True
        refused = _refused_parameter(error, arguments)
        if refused is None or refused in self.lessons:
            return False
        if refused in LIMIT_PARAMETERS:
            other = next(name for name in LIMIT_PARAMETERS if name != refused)
            self.lessons[refused] = other
            said = f"sends {other} instead of {refused}"
        else:
            self.lessons[refused] = ""
            said = f"asks again without {refused}"
        self.say(f"{self.label} does not take {refused}: sparring {said} from now on")
        return True

    def _translate(self, error: openai.APIStatusError) -> Exception:
        detail = body_message(error.body, str(error.message))
        if _context_error(error.body, detail):
            return ContextTooLong(
                f"{self.label}: the prompt and the answer's budget do not fit the model's "
                f"context window ({detail})",
                hint="run it section by section: --sections (and set the model's context in "
                "config.toml), or pick a model with a larger context",
            )
        return status_error(
            self.label,
            error.status_code,
            detail,
            key_hint="check the API key for this provider",
            model_hint="see `sparring models` for the names it serves",
            headers=error.response.headers,
            model_missing=f"no model '{self.model}' at {self.base_url}",
        )

    async def list_models(self) -> list[str]:
        try:
            page = await self.client.models.list()
        except openai.APIStatusError as error:
            raise self._translate(error) from None
        except openai.APIConnectionError:
            raise ProviderUnavailable(f"cannot connect to {self.base_url}") from None
        return [model.id async for model in page]

    async def aclose(self) -> None:
        await self.client.close()


async def _chunks(response: Any, label: str) -> AsyncIterator[str | Thinking | Finish]:
    """Chat completion chunks from the SSE lines, ending only at `data: [DONE]`."""
    data_lines: list[str] = []
    finish_reason: str | None = None
    usage: dict[str, Any] = {}
    inline = InlineThinking()
    thought = False
    async for line in response.iter_lines():
        if line.startswith("data:"):
            data_lines.append(line[5:].removeprefix(" "))
            continue
        if line or not data_lines:
            continue  # event names, comments, keep-alives
        data = "\n".join(data_lines)
        data_lines = []
        if data.strip() == "[DONE]":
            for event in inline.close():
                thought = thought or isinstance(event, Thinking)
                yield event
            yield _finish(usage, finish_reason, thought)
            return
        try:
            chunk = json.loads(data)
        except ValueError:
            raise StreamInterrupted(
                f"{label}: the server sent a malformed frame", hint=KEPT
            ) from None
        if not isinstance(chunk, dict):
            continue
        if chunk.get("error"):
            raise StreamInterrupted(f"{label}: the server reported an error: {_describe(chunk)}")
        reported = chunk.get("usage")
        usage = reported if isinstance(reported, dict) else usage
        choices = chunk.get("choices") or []
        if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
            raise StreamInterrupted(
                f"{label}: the server sent a malformed frame (choices of the wrong shape)",
                hint=KEPT,
            )
        for choice in choices:
            delta = choice.get("delta") or {}
            if not isinstance(delta, dict):
                raise StreamInterrupted(
                    f"{label}: the server sent a malformed frame (a delta that is not an object)",
                    hint=KEPT,
                )
            # llama.cpp's server, LM Studio, DeepSeek: reasoning_content; vLLM, Ollama's /v1,
            # Groq, OpenRouter: reasoning.
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                thought = True
                yield Thinking(reasoning)
            for key in ("content", "refusal"):
                text = delta.get(key)
                if text is None or text == "":
                    continue
                if not isinstance(text, str):
                    raise StreamInterrupted(
                        f"{label}: the server sent a malformed frame ({key} is not text)",
                        hint=KEPT,
                    )
                if key == "refusal":
                    finish_reason = "refusal"
                for event in inline.feed(text):
                    thought = thought or isinstance(event, Thinking)
                    yield event
            reason = choice.get("finish_reason")
            finish_reason = reason if isinstance(reason, str) and reason else finish_reason


def _finish(usage: dict[str, Any], finish_reason: str | None, thought: bool) -> Finish:
    stop: Stop = "end"
    if finish_reason == "length":
        stop = "length"
    elif finish_reason in ("content_filter", "refusal"):
        stop = "refusal"
    details = usage.get("completion_tokens_details") or {}
    reasoning = details.get("reasoning_tokens") if isinstance(details, dict) else None
    prompt_details = usage.get("prompt_tokens_details") or {}
    cached = prompt_details.get("cached_tokens") if isinstance(prompt_details, dict) else None
    return Finish(
        input_tokens=_count(usage.get("prompt_tokens")),
        output_tokens=_count(usage.get("completion_tokens")),
        stop=stop,
        thinking_tokens=_count(reasoning) or None,
        # Reasoning counted but none streamed: OpenAI's reasoning models think unseen.
        hidden_thinking=bool(_count(reasoning)) and not thought,
        cached_input_tokens=_count(cached),
    )


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _refused_parameter(error: openai.BadRequestError, arguments: dict[str, Any]) -> str | None:
    """The parameter a 400 refuses (unsupported_parameter / unsupported_value), if it is one
    sparring sent; the body names it in `param`, or in quotes in the message."""
    body = error.body if isinstance(error.body, dict) else {}
    inner = body.get("error", body)
    inner = inner if isinstance(inner, dict) else {}
    message = str(inner.get("message") or error.message)
    code = str(inner.get("code") or "")
    param = inner.get("param")
    refused = code in ("unsupported_parameter", "unsupported_value") or re.search(
        r"unsupported (parameter|value)|not supported|unrecognized|unknown (parameter|field)",
        message,
        re.IGNORECASE,
    )
    if not refused:
        return None
    if isinstance(param, str) and param:
        candidates = [param.split(".")[0]]
    else:
        candidates = [name for name in arguments if re.search(rf"\b{name}\b", message)]
    for name in candidates:
        if name in arguments and name not in ("model", "messages", "stream"):
            return name
    return None


def _window_of(error: openai.BadRequestError) -> int | None:
    """The context window a server names when the token limit does not fit it: vLLM's
    "'max_tokens' ... is too large: 5120. This model's maximum context length is 4096 tokens
    and your request has 83 input tokens" (vllm serving_engine.py)."""
    message = body_message(error.body, str(error.message))
    if "too large" not in message:
        return None
    found = re.search(r"maximum context length is (\d+) tokens", message)
    return int(found.group(1)) if found else None


def _context_error(body: Any, detail: str) -> bool:
    """A context-window error, as OpenAI, llama.cpp's server and vLLM phrase it."""
    inner = body.get("error", body) if isinstance(body, dict) else {}
    kind = f"{inner.get('code') or ''} {inner.get('type') or ''}" if isinstance(inner, dict) else ""
    return bool(
        "context_length_exceeded" in kind
        or "exceed_context_size" in kind
        or re.search(
            r"maximum context length|exceeds the available context size|context window",
            detail,
            re.IGNORECASE,
        )
    )


def _describe(chunk: dict[str, Any]) -> str:
    error = chunk.get("error")
    if isinstance(error, dict):
        return str(error.get("message") or error)
    return str(error)
