"""The pipe-mode process: garbage collection held while it starts, and a quick exit."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest

from sparring.cli import lifecycle


@pytest.fixture
def restored_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()


IMPORT = "from sparring.cli.lifecycle import exit_now"


class TestGarbageCollection:
    def test_collection_is_held_then_resumed_with_start_up_frozen_out(
        self, restored_gc: None
    ) -> None:
        lifecycle.hold_gc()
        assert not gc.isenabled()
        lifecycle.release_gc()
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0

    def test_releasing_when_nothing_was_held_changes_nothing(self, restored_gc: None) -> None:
        gc.enable()
        frozen = gc.get_freeze_count()
        lifecycle.release_gc()
        assert gc.get_freeze_count() == frozen


class TestQuickExit:
    def run(self, code: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sys\nfrom sparring.cli.lifecycle import exit_now\n{code}",
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )

    def test_buffered_output_is_flushed_and_the_exit_code_kept(self) -> None:
        done = self.run("sys.stdout.write('the answer')\nsys.stderr.write('a note')\nexit_now(3)")
        assert (done.returncode, done.stdout, done.stderr) == (3, b"the answer", b"a note")

    def test_a_reader_that_went_away_is_no_error(self) -> None:
        done = self.run("sys.stdout.write('x')\nsys.stdout.close()\nexit_now(0)")
        assert (done.returncode, done.stderr) == (0, b"")
