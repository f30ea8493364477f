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

`base` holds the machinery (HTTP, recording, the reply FIFO, streaming);
`ollama`, `openai` and `anthropic` one protocol each.
"""

from __future__ import annotations

from .anthropic import FakeAnthropic
from .base import (
    DEFAULT_CHUNKS,
    DEFAULT_TEXT,
    INPUT_TOKENS,
    MAX_WAIT_SECONDS,
    Exchange,
    FakeServer,
    RecordedRequest,
    Reply,
    closed_port,
)
from .ollama import OLLAMA_CLOUD_HOST, PULL_TOTAL, FakeOllama
from .openai import FakeOpenAI

__all__ = [
    "DEFAULT_CHUNKS",
    "DEFAULT_TEXT",
    "INPUT_TOKENS",
    "MAX_WAIT_SECONDS",
    "OLLAMA_CLOUD_HOST",
    "PULL_TOTAL",
    "Exchange",
    "FakeAnthropic",
    "FakeOllama",
    "FakeOpenAI",
    "FakeServer",
    "RecordedRequest",
    "Reply",
    "closed_port",
]
