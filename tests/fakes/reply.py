"""What a fake server is scripted to answer (`Reply`), and how it counts tokens.

A `Reply` is one answer of a chat endpoint: its deltas (`thinking` first, then
`chunks`), and every way the answer can go wrong on the way to the client.
The fakes count tokens with one deterministic rule, so a test can compute
what a server reports without a real tokenizer:

- text: one token per started four characters (`count_tokens`);
- a prompt: each message costs its text plus `MESSAGE_OVERHEAD` tokens, the
  role markers a chat template wraps around it (`prompt_tokens`);
- an answer: one token per delta, thinking deltas included.

Every limit a service applies to the output (Ollama's `num_predict`,
OpenAI's `max_completion_tokens`, Anthropic's `max_tokens`) is applied to
those delta-tokens by `Reply.bounded`, thinking first, as the models spend it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

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

#: A stall or delay longer than this is refused: a test must never hang.
MAX_WAIT_SECONDS = 60.0

#: Characters per token of the fakes' tokenizer (about right for English).
CHARS_PER_TOKEN = 4
#: Tokens a chat template adds around each message (role markers, separators).
MESSAGE_OVERHEAD = 4


def count_tokens(text: str) -> int:
    """The fakes' token count of `text`: one per started four characters."""
    return -(-len(text) // CHARS_PER_TOKEN)


def message_text(content: Any) -> str:
    """The text of a message's content: a string, or the text of its parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def prompt_tokens(messages: Iterable[Mapping[str, Any]], system: Any = None) -> int:
    """What a prompt of these messages (and Anthropic's `system`) counts."""
    total = sum(MESSAGE_OVERHEAD + count_tokens(message_text(m.get("content"))) for m in messages)
    if system:
        total += MESSAGE_OVERHEAD + count_tokens(message_text(system))
    return total


@dataclass(frozen=True)
class Output:
    """The deltas a model produces within its output limit."""

    thinking: tuple[str, ...]
    chunks: tuple[str, ...]
    #: The limit ended the answer before the reply's last delta.
    truncated: bool

    @property
    def tokens(self) -> int:
        return len(self.thinking) + len(self.chunks)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


@dataclass(frozen=True)
class Reply:
    """One scripted answer of a chat endpoint.

    Counts ("after N") are deltas already sent on the wire, thinking deltas
    included: 0 means before the first delta, the number of deltas means
    after the last one (before the final marker). When several apply at the
    same N they happen in this order: stall, malformed frame, wrong-typed
    frame, keep-alives, error event, cut. The stream-shaping fields apply to
    streamed answers only; a non-streamed request gets the whole answer.
    """

    chunks: Sequence[str] = DEFAULT_CHUNKS
    #: Reasoning deltas, produced before `chunks` when the model thinks (see
    #: each fake for how it streams them, or hides them); one token each.
    thinking: Sequence[str] = ()
    #: Not 200: answered with the API's error body, before any stream.
    status: int = 200
    #: Sent as the Retry-After header (seconds) with an error status.
    retry_after: float | None = None
    #: Overrides the API's usual message for an error status or error event.
    error_message: str | None = None
    #: Overrides the error type (OpenAI's error.type, Anthropic's error.type).
    error_type: str | None = None
    #: Request headers (lower-case names) an error body repeats in its message,
    #: as some proxies and gateways do: e.g. ("authorization",) or ("x-api-key",).
    echo_headers: Sequence[str] = ()
    #: Answer 307 Temporary Redirect to this URL instead (the body is not read).
    redirect_to: str | None = None
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
    #: A well-formed frame whose text field is a number (42), not a string.
    wrong_type_after: int | None = None
    #: From here on, only keep-alives (OpenAI: ": keep-alive" comment lines;
    #: Anthropic: ping events), every `keepalive_every` seconds, and no data,
    #: until the client leaves or the server stops (at most MAX_WAIT_SECONDS).
    keepalive_after: int | None = None
    keepalive_every: float = 0.2
    #: Write each frame in three pieces (separate chunks and TCP sends).
    split_frames: bool = False
    #: Seconds between two deltas (not before the first). Hidden reasoning
    #: (OpenAI) takes this long per reasoning token before the first delta.
    delay: float = 0.0
    #: None: the prompt is counted (`prompt_tokens`), as the service would.
    input_tokens: int | None = None
    #: Prompt tokens served from the cache: OpenAI's
    #: prompt_tokens_details.cached_tokens; Anthropic's cache_read_input_tokens
    #: (only when the request uses cache_control).
    cached_tokens: int = 0
    #: Anthropic's cache_creation_input_tokens (only with cache_control).
    cache_write_tokens: int = 0
    #: None: the API's normal reason ("stop", or Anthropic's "end_turn"), or
    #: its length reason when an output limit cut the answer.
    stop_reason: str | None = None

    def __post_init__(self) -> None:
        for name in ("chunks", "thinking", "echo_headers"):
            value = getattr(self, name)
            if isinstance(value, str):
                # A bare string would silently stream one character per delta.
                raise TypeError(f"{name} must be a sequence of strings, not a str")
            # A list given by a test becomes a tuple, so a Reply stays immutable.
            object.__setattr__(self, name, tuple(value))
        if self.cut_mode not in ("close", "reset"):
            raise ValueError(f"cut_mode must be 'close' or 'reset', not {self.cut_mode!r}")
        for name in ("stall_seconds", "delay", "keepalive_every"):
            value = getattr(self, name)
            if not 0 <= value <= MAX_WAIT_SECONDS:
                raise ValueError(f"{name} must be within 0..{MAX_WAIT_SECONDS}, not {value}")
        if self.keepalive_every <= 0:
            raise ValueError("keepalive_every must be more than 0")

    @property
    def text(self) -> str:
        return "".join(self.chunks)

    def bounded(self, limit: int | None, *, thinks: bool = True) -> Output:
        """The deltas produced within `limit` output tokens (None or < 0: no limit)."""
        thinking = tuple(self.thinking) if thinks else ()
        chunks = tuple(self.chunks)
        if limit is None or limit < 0:
            return Output(thinking, chunks, truncated=False)
        kept_thinking = thinking[:limit]
        kept_chunks = chunks[: max(limit - len(kept_thinking), 0)]
        truncated = len(kept_thinking) + len(kept_chunks) < len(thinking) + len(chunks)
        return Output(kept_thinking, kept_chunks, truncated)

    def echoed(self, message: str, headers: Mapping[str, str]) -> str:
        """`message`, followed by the request headers this reply echoes."""
        shown = [f"{name}: {headers[name]}" for name in self.echo_headers if name in headers]
        return f"{message} (request {'; '.join(shown)})" if shown else message


def json_number(value: Any) -> str:
    """A JSON value as the request spelled it (0.7, 0, 0.0), for error messages."""
    return json.dumps(value)
