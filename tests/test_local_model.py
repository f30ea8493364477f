"""The embedded SmolLM2 model, for real, end to end through the `sparring` command."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from helpers import SAMPLE_DRAFT, Runner, saved_sessions, write_config
from sparring.providers.local import default_model_path

pytestmark = pytest.mark.model
DRAFT = SAMPLE_DRAFT.read_bytes()


class TestPipeMode:
    def test_headlines_stream_to_stdout_and_nothing_else_is_printed(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        result = sparring("headlines", "-m", "local", "--count", "5", input=DRAFT)
        assert result.code == 0, result.stderr
        assert len(result.stdout.strip()) > 20
        # llama.cpp's own logging stays off the terminal, and so does progress: stderr
        # holds only sparring's note on what a tiny model can do (fitness.py).
        assert [line for line in result.stderr.splitlines() if line] == [
            "sparring: note: local is a tiny offline model: expect repeats of your own words "
            "and invented details; check every item against your text"
        ]
        [path] = saved_sessions(sparring_home)
        saved = tomllib.loads(path.read_text())
        reply = saved["turns"][0]["replies"][0]
        assert reply["status"] == "ok"
        assert reply["location"] == "local"
        assert reply["backend"] == "local:SmolLM2-135M-Instruct.Q4_1"
        # A list task prints its folded items, one line each.
        items = [item["text"] for item in reply["items"]]
        assert result.stdout.splitlines() == [f"{n}. {text}" for n, text in enumerate(items, 1)]
        assert reply["output_tokens"] > 0 and reply["ttft"] > 0 and reply["cost"] == 0
        assert saved["context"]["text"] == DRAFT.decode()

    def test_json_holds_text_items_figures_and_status(self, sparring: Runner) -> None:
        result = sparring("counter", "--json", input=DRAFT)
        assert result.code == 0, result.stderr
        document = json.loads(result.stdout)
        [reply] = document["replies"]
        assert reply["status"] == "ok"
        assert reply["text"]
        assert isinstance(reply["items"], list)
        assert reply["tokens_per_second"] > 0

    def test_two_models_into_a_pipe_print_one_block_each_in_order(
        self, sparring: Runner, tmp_path: Path
    ) -> None:
        model_file = default_model_path()
        assert model_file is not None
        result = sparring(
            "questions",
            str(SAMPLE_DRAFT),
            "-m",
            "local",
            "--vs",
            f"local:{model_file}",
            "--count",
            "3",
        )
        assert result.code == 0, result.stderr
        headings = [line for line in result.stdout.splitlines() if line.startswith("=== ")]
        assert len(headings) == 2
        assert headings[0].startswith("=== local (local:SmolLM2")
        assert headings[1].startswith(f"=== local:{model_file}")
        assert all("local · on this machine" in line and "tok/s" in line for line in headings)

    def test_a_draft_longer_than_the_context_window_is_refused_with_the_sizes(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        write_config(sparring_home, "[local]\nn_ctx = 512\nmax_tokens = 128\n")
        result = sparring("headlines", input=DRAFT * 10)
        assert result.code == 65
        assert "tokens" in result.stderr and "takes 384" in result.stderr
        assert "Traceback" not in result.stderr

    def test_a_missing_gguf_file_exits_69(self, sparring: Runner) -> None:
        result = sparring("headlines", "-m", "local:/no/such/model.gguf", input=DRAFT)
        assert result.code == 69
        assert "no GGUF model file at /no/such/model.gguf" in result.stderr


class TestNothingPrintedAtExit:
    """The embedded model is released before the interpreter's teardown, whatever ran it."""

    TEARDOWN = ("Exception ignored", "Traceback", "TypeError")

    def test_a_task_a_follow_up_and_a_rerun_end_without_a_traceback(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        task = sparring("headlines", "-m", "local", "--count", "3", input=DRAFT)
        follow = sparring("continue", "In three words?", "--max-tokens", "30")
        [path] = saved_sessions(sparring_home)
        rerun = sparring("rerun", path.stem.rsplit("-", 1)[-1], "-m", "local", "--json")
        for result in (task, follow, rerun):
            assert result.code in (0, 75), result.stderr  # 75: cut at the token limit
            assert not any(tell in result.stderr for tell in self.TEARDOWN), result.stderr
        # Only what the writer should know about the tiny model, nothing of the teardown.
        assert [line for line in task.stderr.splitlines() if "note:" not in line] == []
