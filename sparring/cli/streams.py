"""The command's standard streams: how everything it prints leaves the process.

`install` puts a `GuardedStream` in place of stdout and stderr, so that every
write, from any module, is:

- redacted: no key (see secret.py) reaches the screen, a pipe or a log file;
- always encodable: a lone surrogate (a JSON `\\ud800` from a server) is
  written as U+FFFD instead of ending the run in a traceback;
- tolerant: a reader that goes away (`| head -1`) takes nothing more and is
  not a failure; a stream that is closed (`>&-`, `2>&-`) or cannot take the
  text (`> /dev/full`) drops it, and the run still finishes and saves. A
  stdout that failed so is reported once, at the end, as exit 73 (`finish`).

Control characters are not this module's business: a stream also carries
sparring's own styling (the side-by-side view, a progress bar), so untrusted
text is made visible where it is printed (see `output.show` and `say`).
"""

from __future__ import annotations

import io
import os
import sys
from typing import Any, TextIO

from sparring.secret import redact
from sparring.visible import encodable


class GuardedStream(io.TextIOBase):
    """A standard stream that redacts keys and never raises on a write."""

    def __init__(self, inner: TextIO | None, name: str) -> None:
        super().__init__()
        self.inner = inner
        self.name = name
        #: Why the stream could not take a write (a full disk, a closed stream), if it could not.
        self.failure: str | None = None
        #: The reader went away (a broken pipe): not a failure, nothing more is written.
        self.gone = False
        #: The failure has been told to the writer (see `stdout_failure`).
        self.reported = False

    def write(self, text: str) -> int:
        if self.inner is None:
            self.failure = self.failure or "it is closed"
            return len(text)
        if self.failure is None and not self.gone:
            try:
                self.inner.write(encodable(redact(text)))
            except (OSError, ValueError) as error:
                self._failed(error)
        return len(text)

    def flush(self) -> None:
        if self.inner is None or self.failure is not None or self.gone:
            return
        try:
            self.inner.flush()
        except (OSError, ValueError) as error:
            self._failed(error)

    def _failed(self, error: Exception) -> None:
        if isinstance(error, BrokenPipeError):
            self.gone = True
            # Python would complain about the dead pipe again when it flushes at exit.
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, self.fileno())
                os.close(devnull)
            except (OSError, ValueError):
                pass
            return
        self.failure = (error.strerror if isinstance(error, OSError) else None) or "it is closed"

    def isatty(self) -> bool:
        try:
            return self.inner is not None and self.inner.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        if self.inner is None:
            raise io.UnsupportedOperation(f"{self.name} is closed")
        return self.inner.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", None) or "utf-8"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def install() -> None:
    """Guard stdout and stderr for the rest of the process (called once, by `main`)."""
    if not isinstance(sys.stdout, GuardedStream):
        sys.stdout = GuardedStream(sys.stdout, "stdout")
    if not isinstance(sys.stderr, GuardedStream):
        sys.stderr = GuardedStream(sys.stderr, "stderr")


def stdout_failure() -> str | None:
    """Why stdout could not take everything written to it, said once: None when it could
    (or when no one will hear of it again: asking marks it as reported)."""
    stream = sys.stdout
    if not isinstance(stream, GuardedStream):
        return None
    stream.flush()
    if stream.failure is None or stream.reported:
        return None
    stream.reported = True
    return stream.failure


def finish(code: int) -> int:
    """The exit code, once the streams are flushed: a stdout that could not take the
    output (and was not reported already) makes a successful run end with 73."""
    from sparring.errors import CannotSave

    sys.stderr.flush()
    failure = stdout_failure()
    if failure and code == 0:
        print(f"sparring: error: cannot write to stdout: {failure}", file=sys.stderr)
        return CannotSave.exit_code
    return code
