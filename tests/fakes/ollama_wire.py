"""Ollama's answers on the wire: ChatResponse chunks (api/types.go) with real timings."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from .base import Timing
from .reply import Output

_METRICS = (
    "total_duration",
    "load_duration",
    "prompt_eval_count",
    "prompt_eval_duration",
    "eval_count",
    "eval_duration",
)


def go_time(ns: int | None = None) -> str:
    # Go's RFC 3339 with nanoseconds, as Ollama writes created_at.
    now = time.time_ns() if ns is None else ns
    stamp = datetime.fromtimestamp(now // 1_000_000_000, UTC)
    return f"{stamp:%Y-%m-%dT%H:%M:%S}.{now % 1_000_000_000:09d}Z"


class Answer:
    """One answer in Ollama's ChatResponse form (api/types.go), with real timings."""

    def __init__(
        self,
        model: str,
        output: Output,
        done_reason: str,
        prompt_count: int,
        began: int,
        loaded_at: int,
        delay: float,
    ) -> None:
        self.model = model
        self.output = output
        self.done_reason = done_reason
        self.prompt_count = prompt_count
        self.began = began
        self.loaded_at = loaded_at
        self.delay_ns = int(delay * 1e9)

    def part(self, content: Any, thinking: str = "") -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if thinking:
            # Message.Thinking is omitempty; a thinking chunk has content "".
            message["thinking"] = thinking
        return {"model": self.model, "created_at": go_time(), "message": message, "done": False}

    def parts(self) -> list[dict[str, Any]]:
        """The thinking chunks, then the content chunks (docs/capabilities/thinking.mdx)."""
        return [self.part("", t) for t in self.output.thinking] + [
            self.part(c) for c in self.output.chunks
        ]

    def final(self, timing: Timing) -> dict[str, Any]:
        """The done chunk, timed as it happened: eval_duration is the time from
        the first delta to the last (so (eval_count - 1) / eval_duration is the
        pace the client saw); prompt_eval_duration runs from the model being
        loaded to the first delta; load_duration from the request to loaded."""
        now = time.monotonic_ns()
        first = timing.first_delta or now
        last = timing.last_delta or now
        tokens = self.output.tokens
        return self._done(
            total_duration=now - self.began,
            load_duration=self.loaded_at - self.began,
            prompt_eval_duration=max(first - self.loaded_at, 1),
            eval_duration=max(last - first, 1) if tokens else 0,
        )

    def whole(self) -> dict[str, Any]:
        """A non-streamed answer: the whole message, timed as if paced."""
        now = time.monotonic_ns()
        answer = self._done(
            total_duration=now - self.began,
            load_duration=self.loaded_at - self.began,
            prompt_eval_duration=max(now - self.loaded_at, 1),
            eval_duration=max(self.output.tokens * self.delay_ns, 1) if self.output.tokens else 0,
        )
        answer["message"]["content"] = self.output.text
        if self.output.thinking:
            answer["message"]["thinking"] = "".join(self.output.thinking)
        return answer

    def _done(self, **durations: int) -> dict[str, Any]:
        final = self.part("")
        final.update(done=True, done_reason=self.done_reason)
        metrics = {
            **durations,
            "prompt_eval_count": self.prompt_count,
            "eval_count": self.output.tokens,
        }
        # api/types.go Metrics: every field is omitempty, so a zero is left out.
        final.update({key: metrics[key] for key in _METRICS if metrics.get(key)})
        return final


def done_answer(model: str, reason: str) -> dict[str, Any]:
    """The answer to an empty chat (load or unload): no metrics at all."""
    return {
        "model": model,
        "created_at": go_time(),
        "message": {"role": "assistant", "content": ""},
        "done": True,
        "done_reason": reason,
    }


def keep_alive_zero(keep_alive: Any) -> bool:
    """keep_alive 0 (a number of seconds, or a Go duration such as "0s")."""
    if isinstance(keep_alive, int | float) and not isinstance(keep_alive, bool):
        return keep_alive == 0
    return isinstance(keep_alive, str) and keep_alive.strip() in ("0", "0s", "0m", "0h")
