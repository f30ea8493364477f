"""Ollama, through the official `ollama` client (which honours OLLAMA_HOST).

What the server does that shapes this backend (ollama/ollama, server/routes.go
and docs/api.md, v0.12-v0.33):

- A model with the `thinking` capability thinks unless told not to (an unset
  `think` becomes true), and its thinking arrives in `message.thinking`,
  counted in `eval_count` and against `num_predict`. `think` takes a boolean,
  or a level ("low", "medium", "high") for gpt-oss only, which cannot stop
  thinking at all; `think: true` to a model without the capability is a 400.
- The context window is 4,096 tokens unless `num_ctx` says otherwise (more on
  machines with a big GPU), and a longer prompt is cut silently, keeping its
  first few and last tokens. So `num_ctx` is always set to fit the prompt and
  the answer's budget, within the model's `context_length` from /api/show,
  and a prompt that cannot fit is refused before anything is sent.
- `load_duration` in the final chunk is the model's cold load, which is not
  the model's pace: it is reported apart from the time to first token.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import ollama

from sparring.errors import (
    AuthenticationFailed,
    BadInput,
    ContextTooLong,
    ModelNotFound,
    ProviderUnavailable,
    SparringError,
    StreamInterrupted,
    TemporaryFailure,
)
from sparring.providers import ModelRef, expected_location, ollama_host
from sparring.providers.base import (
    MAX_RETRIES,
    Backend,
    ChatRequest,
    Finish,
    Location,
    Message,
    estimate_characters,
)
from sparring.providers.failures import KEPT, broke_off, redirected
from sparring.providers.listing import JsonItems, json_schema
from sparring.providers.thinking import InlineThinking, Thinking

#: The context sizes asked for, so that the next run on the same model asks for
#: the same size and Ollama need not load the model again.
CONTEXT_SIZES = (4096, 8192, 16384, 32768, 65536, 131072, 262144)
#: Characters a token, counted low on purpose: the window must not come out short.
CHARACTERS_PER_TOKEN = 3
#: Tokens each message adds for its role markers in the chat template.
MESSAGE_OVERHEAD = 8
#: Families whose thinking comes in levels only (Ollama's harmony parser).
LEVELS_ONLY = ("gptoss", "gpt-oss")
#: Room kept for follow-ups when a context size is chosen for a session.
FOLLOW_UP_ROOM = 1024
#: How long Ollama keeps the model loaded after a request: a writing session's pauses.
KEEP_ALIVE = "30m"
#: The context asked of each (host, model) this process: never asked smaller, since
#: Ollama reloads a model whose num_ctx changes, and the reload drops its prompt cache.
_ASKED: dict[tuple[str, str], int] = {}


class OllamaBackend(Backend):
    provider = "ollama"

    def __init__(
        self, model: str, *, stall_timeout: float = 120.0, location: Location | None = None
    ) -> None:
        super().__init__(model)
        self.stall_timeout = stall_timeout
        self.host = ollama_host()
        # Ollama's client waits forever by default; a stalled stream must end.
        timeout = httpx.Timeout(stall_timeout, connect=10.0)
        # The hook starts the figures' clock when a request leaves. No redirects: a 307
        # would re-post the draft wherever it pointed (the client follows them by default).
        self.client = ollama.AsyncClient(
            host=self.host,
            timeout=timeout,
            event_hooks={"request": [self.on_http_request]},
            follow_redirects=False,
        )
        self.location: Location = location or expected_location(ModelRef(model, "ollama", model))
        self._remote_host: str | None = None
        self._prepared = False
        #: What /api/show says of the model.
        self.capabilities: list[str] = []
        self.context_length: int | None = None
        self.family = ""

    async def prepare(self) -> None:
        """Ask /api/show where the model runs (`-cloud` models run on ollama.com), what it
        can do, and how long a context it takes."""
        if self._prepared:
            return
        details = await self.show(self.model)
        self._remote_host = details.get("remote_host")
        if self._remote_host:
            self.location = "cloud"
        capabilities = details.get("capabilities")
        self.capabilities = [str(c) for c in capabilities] if isinstance(capabilities, list) else []
        self.context_length = _context_length(details.get("model_info"))
        family = (details.get("details") or {}).get("family")
        self.family = family if isinstance(family, str) else ""
        self._prepared = True

    @property
    def thinks(self) -> bool:
        return "thinking" in self.capabilities

    @property
    def takes_shape(self) -> bool:
        # Structured outputs run in the runner (here or on your network); Ollama's cloud
        # models take none.
        return self.location != "cloud"

    async def show(self, model: str) -> dict[str, Any]:
        """/api/show, read raw (the client's ShowResponse drops remote_host); a 429 or 5xx
        is asked again, as a chat request would be."""
        for attempt in range(MAX_RETRIES + 1):
            try:
                response = await self.client._request_raw(  # type: ignore[no-untyped-call]
                    "POST", "/api/show", json={"model": model}
                )
            except ollama.ResponseError as error:
                failure = self._translate(error)
                # As a chat request is: within the same bound, honouring Retry-After.
                delay = (
                    self._retry_delay(failure, attempt, 0)
                    if isinstance(failure, TemporaryFailure)
                    else None
                )
                if delay is None:
                    raise failure from None
                self.say(f"{failure.message}; retrying in {delay:.1f} s")
                await asyncio.sleep(delay)
                continue
            except ConnectionError:
                raise self._unreachable() from None
            except httpx.TransportError as error:
                raise ProviderUnavailable(
                    f"Ollama at {self.host} broke off ({type(error).__name__})",
                    hint="is it still running? try again",
                ) from None
            answer = response.json()
            return answer if isinstance(answer, dict) else {}
        raise AssertionError("unreachable")  # pragma: no cover

    def _think(self, request: ChatRequest) -> bool | str | None:
        """`think` as this model takes it; None leaves it to the server's default."""
        if not self.thinks or request.think is None:
            return None
        if self.family in LEVELS_ONLY or self.model.startswith("gpt-oss"):
            # gpt-oss thinks at a level and cannot be told not to: "low" is the least.
            return "low" if request.think == "off" else request.think
        return request.think != "off"

    async def prompt_room(self, request: ChatRequest) -> int | None:
        # The model's own window, from /api/show's model_info (docs/api.md): sparring asks
        # for a num_ctx up to it. Ollama's cloud models size their own, unsaid.
        if self.location == "cloud" or self.context_length is None:
            return None
        return self.context_length - request.limit(self.thinks)

    def _num_ctx(self, request: ChatRequest, limit: int) -> int | None:
        """A context window that holds the prompt and the answer's budget; refused if none does."""
        if self.location == "cloud":
            return None  # ollama.com sizes its own
        messages = len(request.messages)
        prompt = -(-request.characters // CHARACTERS_PER_TOKEN) + MESSAGE_OVERHEAD * messages
        needed = prompt + limit
        largest = self.context_length
        if largest is not None and needed > largest:
            raise ContextTooLong(
                f"{self.label}: the draft and the answer need about {needed:,} tokens "
                f"(prompt ~{prompt:,}, answer budget {limit:,}); the model takes {largest:,}",
                hint="run it section by section: --sections, lower max_tokens or "
                "thinking_budget, or pick a model with a larger context",
            )
        roomy = needed + FOLLOW_UP_ROOM
        size = next((size for size in CONTEXT_SIZES if size >= roomy), roomy)
        size = max(size, _ASKED.get((self.host, self.model), 0))
        size = min(size, largest) if largest is not None else size
        _ASKED[(self.host, self.model)] = size
        return size

    async def load(self, characters: int = 0, answer_tokens: int = 1024) -> float | None:
        """Load the model now, sized for a draft of `characters` (a warm-up): Ollama loads
        a model on its first request and answers an empty chat with done_reason "load"
        (docs/api.md). The seconds its load took; None, with nothing sent, for a model
        that is not on this machine (a `-cloud` one)."""
        await self.prepare()
        if self.location != "local":
            return None
        request = ChatRequest((Message("user", "x" * characters),), max_tokens=answer_tokens)
        num_ctx = self._num_ctx(request, request.limit(self.thinks))
        options = {"num_ctx": num_ctx} if num_ctx is not None else {}
        began = time.perf_counter()
        try:
            await self.client.chat(
                model=self.model, messages=[], options=options, keep_alive=KEEP_ALIVE
            )
        except ollama.ResponseError as error:
            raise self._translate(error) from None
        except (ConnectionError, httpx.ConnectError):
            raise self._unreachable() from None
        except httpx.TimeoutException:
            raise TemporaryFailure(
                f"{self.label}: Ollama did not finish loading the model in "
                f"{self.stall_timeout:g} s",
                hint="a large model can take longer: raise stall_timeout in config.toml",
            ) from None
        except httpx.TransportError as error:
            raise broke_off(self.label, error) from None
        # The answer to a load carries no durations (server/routes.go): timed here.
        return time.perf_counter() - began

    async def _generate(self, request: ChatRequest) -> AsyncIterator[str | Thinking | Finish]:
        await self.prepare()
        limit = request.limit(self.thinks)
        options: dict[str, Any] = {"num_predict": limit}
        num_ctx = self._num_ctx(request, limit)
        if num_ctx is not None:
            options["num_ctx"] = num_ctx
        if request.temperature is not None:
            options["temperature"] = request.temperature
        if request.seed is not None:
            options["seed"] = request.seed
        shape = request.shape if self.takes_shape else None
        inline = InlineThinking()
        items = JsonItems(shape.quote) if shape is not None else None
        try:
            stream = await self.client.chat(
                model=self.model,
                messages=request.as_dicts(),
                stream=True,
                options=options,
                think=self._think(request),
                keep_alive=KEEP_ALIVE,
                # docs.ollama.com/capabilities/structured-outputs: format takes a JSON schema
                format=json_schema(shape) if shape is not None else None,
            )
            async for part in stream:
                message = part.message
                if message is not None and message.thinking:
                    yield Thinking(message.thinking)
                if message is not None and message.content:
                    for event in inline.feed(message.content):
                        if items is not None and isinstance(event, str):
                            for line in items.feed(event):
                                yield line
                        else:
                            yield event
                if part.done:
                    for event in inline.close():
                        yield event
                    yield self._finish(part, request, num_ctx)
                    return
        except ollama.ResponseError as error:
            raise self._translate(error) from None
        except ConnectionError:
            raise self._unreachable() from None
        except httpx.TimeoutException:
            raise TemporaryFailure(
                f"{self.label}: no data from Ollama for a long time; the stream was cut",
                hint="is the model still loading? raise stall_timeout in config.toml",
            ) from None
        except httpx.TransportError as error:
            raise broke_off(self.label, error) from None
        except ValueError:  # a line that is not JSON, or a field of the wrong type (pydantic)
            raise StreamInterrupted(
                f"{self.label}: the server sent a malformed frame", hint=KEPT
            ) from None

    def _finish(self, part: Any, request: ChatRequest, num_ctx: int | None) -> Finish:
        """The final chunk's figures; a prompt the server cut anyway is said to be cut."""
        stop: Any = "length" if part.done_reason == "length" else "end"
        detail = ""
        sent = estimate_characters(request.characters)
        kept = part.prompt_eval_count
        # Ollama reports the prompt as it evaluated it: far fewer tokens than were
        # sent means it cut the prompt to fit its window (only its log says so).
        if kept is not None and sent > 256 and kept < sent * 0.6:
            stop = "context"
            window = f" (num_ctx {num_ctx:,})" if num_ctx else ""
            detail = (
                f"Ollama kept only {kept:,} of about {sent:,} prompt tokens{window}: "
                "the answer is about part of the draft"
            )
        load = part.load_duration / 1e9 if part.load_duration else None
        return Finish(
            input_tokens=part.prompt_eval_count,
            output_tokens=part.eval_count,
            stop=stop,
            load_seconds=load,
            stop_detail=detail,
        )

    def _unreachable(self) -> ProviderUnavailable:
        return ProviderUnavailable(
            f"Ollama is not reachable at {self.host}",
            hint="start it with `ollama serve`, or set OLLAMA_HOST",
        )

    def _translate(self, error: ollama.ResponseError) -> SparringError:
        status = error.status_code
        message = str(error.error)
        if 300 <= status < 400:
            return redirected(self.label, None)  # the client keeps only the body
        if status == 404:
            return ModelNotFound(
                f"Ollama has no model '{self.model}'",
                hint=f"pull it with `sparring pull {self.model}`",
            )
        if status == 400 and "longer than the context length" in message:
            return ContextTooLong(
                f"{self.label}: {message}", hint="run it section by section: --sections"
            )
        if status == 400:
            return BadInput(f"{self.label}: Ollama refused the request: {message}")
        if status in (401, 403):
            return AuthenticationFailed(
                f"{self.label}: Ollama refused access ({status}: {message})",
                hint="for cloud models, sign in with `ollama signin`",
            )
        if status == 429 or status >= 500:
            return TemporaryFailure(
                f"{self.label}: Ollama answered {status}: {message}", retryable=True
            )
        return StreamInterrupted(f"{self.label}: {message}")

    async def list_models(self) -> list[str]:
        try:
            listed = await self.client.list()
        except (ConnectionError, httpx.ConnectError):
            raise self._unreachable() from None
        except ollama.ResponseError as error:
            raise self._translate(error) from None
        return [model.model for model in listed.models if model.model]

    async def pull(self, model: str) -> AsyncIterator[tuple[str, int | None, int | None]]:
        """(status, completed bytes, total bytes) as Ollama pulls the model."""
        try:
            async for progress in await self.client.pull(model, stream=True):
                yield progress.status or "", progress.completed, progress.total
        except (ConnectionError, httpx.ConnectError):
            raise self._unreachable() from None
        except httpx.TransportError as error:
            raise broke_off(f"pulling {model}", error) from None
        except ollama.ResponseError as error:
            message = str(error.error).lower()
            if error.status_code == 404 or "not found" in message or "does not exist" in message:
                raise ModelNotFound(
                    f"there is no model '{model}' to pull",
                    hint="see the model names at ollama.com/library",
                ) from None
            raise self._translate(error) from None

    async def aclose(self) -> None:
        await self.client._client.aclose()


def _context_length(model_info: Any) -> int | None:
    """`<arch>.context_length` from /api/show's model_info (api/types.go ShowResponse)."""
    if not isinstance(model_info, dict):
        return None
    for key, value in model_info.items():
        if (
            isinstance(key, str)
            and key.endswith(".context_length")
            and isinstance(value, int)
            and value > 0
        ):
            return value
    return None
