"""The machinery every fake server shares: replies, tokens, lifecycle, the wire."""

from __future__ import annotations

import time

import anthropic
import httpx
import ollama
import openai
import pytest

from fakes import (
    DEFAULT_CHUNKS,
    DEFAULT_TEXT,
    MESSAGE_OVERHEAD,
    FakeOllama,
    Reply,
    closed_port,
    count_tokens,
    prompt_tokens,
)
from sdk_streams import MESSAGES, ollama_chat, ollama_text


class TestReply:
    """A Reply refuses settings that could hang a test or stream one character at a time."""

    def test_a_reply_rejects_unbounded_or_unknown_settings(
        self,
    ) -> None:
        with pytest.raises(ValueError, match="cut_mode"):
            Reply(cut_mode="explode")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="stall_seconds"):
            Reply(stall_seconds=3600)
        with pytest.raises(ValueError, match="delay"):
            Reply(delay=-1)
        with pytest.raises(TypeError, match="chunks"):
            Reply(chunks="Hello")
        assert Reply(chunks=["a", "b"]).chunks == ("a", "b")
        assert Reply().text == DEFAULT_TEXT
        assert len(DEFAULT_CHUNKS) == len(set(DEFAULT_CHUNKS)) == 6


class TestLifecycle:
    """Servers start on a free port and stop quickly, whatever their clients do."""

    async def test_a_closed_port_refuses_every_sdk(
        self,
    ) -> None:
        url = closed_port()
        client = ollama.AsyncClient(host=url)
        with pytest.raises(ConnectionError):
            await client.list()
        openai_client = openai.AsyncOpenAI(base_url=url + "/v1", api_key="test", max_retries=0)
        with pytest.raises(openai.APIConnectionError):
            await openai_client.models.list()
        anthropic_client = anthropic.AsyncAnthropic(base_url=url, api_key="test", max_retries=0)
        with pytest.raises(anthropic.APIConnectionError):
            await anthropic_client.messages.create(
                model="claude-haiku-4-5", max_tokens=10, messages=MESSAGES
            )

    async def test_stop_is_quick_with_idle_and_stalled_connections(
        self,
    ) -> None:
        server = FakeOllama().start()
        client = ollama.AsyncClient(host=server.url, timeout=httpx.Timeout(0.3, connect=5))
        # One connection left idle in the client's pool, one stalled mid-stream.
        assert (await client.list()).models
        server.script(Reply(stall_after=1, stall_seconds=30))
        parts, error = await ollama_chat(client)
        assert isinstance(error, httpx.ReadTimeout)
        assert ollama_text(parts) == [DEFAULT_CHUNKS[0]]
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 1.0
        assert server.errors == []
        with pytest.raises(ConnectionError):
            await ollama.AsyncClient(host=server.url).list()
        await client._client.aclose()

    async def test_split_frames_really_split_on_the_wire(self, ollama_server: FakeOllama) -> None:
        ollama_server.script(Reply(split_frames=True))
        reads: list[bytes] = []
        async with (
            httpx.AsyncClient() as client,
            client.stream(
                "POST",
                ollama_server.url + "/api/chat",
                json={"model": "qwen3:4b", "messages": MESSAGES},
            ) as response,
        ):
            reads = [piece async for piece in response.aiter_raw()]
        assert b"".join(reads).count(b"\n") == 7
        # Some read ended inside a line: the decoder had to join pieces.
        assert any(not piece.endswith(b"\n") for piece in reads)


class TestTokens:
    """The fakes' one tokenizer, so a test can compute what a server reports."""

    def test_text_counts_one_token_per_started_four_characters(self) -> None:
        assert [count_tokens(t) for t in ("", "a", "tree", "trees")] == [0, 1, 1, 2]

    def test_a_prompt_counts_each_message_and_its_overhead(self) -> None:
        parts = [{"type": "text", "text": "tree"}, {"type": "text", "text": "tree"}]
        messages = [{"role": "user", "content": "tree"}, {"role": "user", "content": parts}]
        assert prompt_tokens(messages) == 2 * MESSAGE_OVERHEAD + 3
        assert prompt_tokens(messages, system="tree") == 3 * MESSAGE_OVERHEAD + 4

    def test_an_output_limit_is_spent_on_thinking_first(self) -> None:
        reply = Reply(thinking=("a", "b"), chunks=("c", "d"))
        assert reply.bounded(None).tokens == 4
        kept = reply.bounded(3)
        assert (kept.thinking, kept.chunks, kept.truncated) == (("a", "b"), ("c",), True)
        assert reply.bounded(1).chunks == ()
        assert reply.bounded(5, thinks=False).thinking == ()
