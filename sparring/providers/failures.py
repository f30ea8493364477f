"""The failures every HTTP backend meets, phrased once."""

from __future__ import annotations

from typing import Any

from sparring.errors import (
    AuthenticationFailed,
    BadInput,
    ModelNotFound,
    ProviderUnavailable,
    SparringError,
    StreamInterrupted,
    TemporaryFailure,
)

KEPT = "the partial answer is kept; run it again to get a whole one"


def status_error(
    label: str,
    status: int,
    detail: str,
    *,
    key_hint: str,
    model_hint: str,
    model_missing: str,
    headers: Any = None,
) -> SparringError:
    """The sparring error for an HTTP error status answered before the stream."""
    if 300 <= status < 400:
        return redirected(label, headers.get("location") if headers is not None else None)
    if status in (401, 403):
        return AuthenticationFailed(
            f"{label}: the key was refused ({status}: {detail})", hint=key_hint
        )
    if status == 404:
        return ModelNotFound(f"{label}: {model_missing} ({detail})", hint=model_hint)
    if status in (400, 413, 422):
        return BadInput(f"{label}: the request was refused ({status}: {detail})")
    return TemporaryFailure(
        f"{label}: the server answered {status} ({detail})",
        hint="try again later",
        retryable=status == 429 or status >= 500,
        retry_after=retry_after(headers),
    )


def redirected(label: str, target: str | None) -> ProviderUnavailable:
    """A server that answered with a redirect, which no backend follows: a 307 or 308
    re-sends the request, draft and key included, to wherever it points, and where a
    model runs is decided by where its bytes go (see providers.expected_location)."""
    where = f" to {target}" if target else " elsewhere"
    return ProviderUnavailable(
        f"{label}: the server redirected the request{where}; sparring follows no redirect, "
        "so nothing was sent there",
        hint="if the model really is there, point the base URL at it",
    )


def retry_after(headers: Any) -> float | None:
    """Seconds from a Retry-After header (a number; an HTTP date is not worth parsing here)."""
    if headers is None:
        return None
    value = headers.get("retry-after")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def broke_off(label: str, error: BaseException) -> StreamInterrupted:
    return StreamInterrupted(f"{label}: the stream broke off ({type(error).__name__})", hint=KEPT)


def stalled(label: str, source: str) -> TemporaryFailure:
    return TemporaryFailure(
        f"{label}: no data from {source} for too long; the stream was cut",
        hint="raise stall_timeout in config.toml if it is just slow",
    )


def starved(label: str, seconds: float) -> TemporaryFailure:
    """A stream that sent no answer or thinking for `seconds`, though bytes (keep-alives)
    may have come."""
    return TemporaryFailure(
        f"{label}: no data (answer or thinking) for {seconds:g} s; the stream was cut",
        hint="raise stall_timeout in config.toml if it is just slow",
    )


def body_message(body: Any, fallback: str) -> str:
    """The human part of an error body: {"error": {"message": ...}} or {"message": ...}."""
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:200]
        message = body.get("message")
        if isinstance(message, str):
            return message[:200]
    return fallback[:200]
