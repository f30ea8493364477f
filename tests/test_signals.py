"""Signals: Ctrl-C in pipe mode keeps what streamed, saves the session, exits 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import SAMPLE_DRAFT, only_reply, read_exactly

pytestmark = pytest.mark.model


def test_ctrl_c_mid_answer_flushes_saves_as_interrupted_and_exits_130(
    sparring_home: Path,
) -> None:
    process = subprocess.Popen(
        # --raw: a list streams as written (folded, it is printed once it is whole).
        [sys.executable, "-m", "sparring", "counter", str(SAMPLE_DRAFT), "--count", "9", "--raw"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    assert process.stdout is not None
    first = read_exactly(process.stdout, 20)  # the answer has started streaming
    assert len(first) == 20
    process.send_signal(signal.SIGINT)
    rest, errors = process.communicate(timeout=60)
    assert process.returncode == 130
    shown = (first + rest).decode()
    reply = only_reply(sparring_home)
    assert reply["status"] == "interrupted"
    assert reply["text"].startswith(shown.rstrip("\n")[:20])
    assert shown.rstrip("\n") == reply["text"].rstrip("\n")
    assert "interrupted" in errors.decode() and "Traceback" not in errors.decode()
