"""Bad input gets one clear line on stderr, the right exit code, and never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import Runner, write_config


def assert_one_line_error(stderr: str, *fragments: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("sparring: error: ")
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in lines[0]


class TestBadInput:
    def test_empty_stdin_exits_66(self, sparring: Runner) -> None:
        result = sparring("headlines", input=b"")
        assert result.code == 66
        assert_one_line_error(result.stderr, "stdin was empty", "cat draft.md | sparring")
        assert result.stdout == ""

    def test_whitespace_only_stdin_exits_66(self, sparring: Runner) -> None:
        assert sparring("headlines", input=b"  \n\t\n").code == 66

    def test_stdin_that_is_not_utf8_exits_65(self, sparring: Runner) -> None:
        result = sparring("headlines", input="Café crème".encode("latin-1"))
        assert result.code == 65
        assert_one_line_error(result.stderr, "stdin is not UTF-8", "iconv")

    def test_a_file_that_is_not_utf8_exits_65_and_is_named(
        self, sparring: Runner, tmp_path: Path
    ) -> None:
        draft = tmp_path / "latin.md"
        draft.write_bytes("Smörgåsbord".encode("latin-1"))
        result = sparring("headlines", str(draft))
        assert result.code == 65
        assert_one_line_error(result.stderr, f"{draft} is not UTF-8")

    def test_a_missing_file_exits_66(self, sparring: Runner) -> None:
        result = sparring("counter", "nowhere.md")
        assert result.code == 66
        assert_one_line_error(result.stderr, "no such file: nowhere.md")

    def test_an_unknown_model_exits_2_with_a_suggestion(self, sparring: Runner) -> None:
        result = sparring("headlines", "-m", "locl", input=b"draft")
        assert result.code == 2
        assert_one_line_error(result.stderr, "unknown model 'locl'", "did you mean 'local'")

    def test_an_unknown_task_exits_2_with_a_suggestion(self, sparring: Runner) -> None:
        result = sparring("questons", input=b"draft")
        assert result.code == 2
        assert_one_line_error(result.stderr, "unknown task 'questons'", "did you mean 'questions'")

    def test_a_config_of_the_wrong_type_names_file_line_and_key(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        path = write_config(sparring_home, '[local]\nn_ctx = "large"\n')
        result = sparring("headlines", input=b"draft")
        assert result.code == 2
        assert_one_line_error(result.stderr, f"{path}, line 2", "'local.n_ctx'", "an integer")

    def test_a_bad_option_is_a_usage_error(self, sparring: Runner) -> None:
        result = sparring("headlines", "--count", "many", input=b"draft")
        assert result.code == 2
        assert_one_line_error(result.stderr, "--count")

    def test_a_draft_over_the_size_limit_is_refused_with_the_sizes(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        write_config(sparring_home, "max_context_chars = 100\n")
        result = sparring("headlines", input=b"x" * 150)
        assert result.code == 65
        assert_one_line_error(result.stderr, "150 characters", "limit is 100")

    def test_the_tui_without_a_terminal_says_so_instead_of_hanging(self, sparring: Runner) -> None:
        result = sparring(input=b"a draft", timeout=30)
        assert result.code == 2
        assert_one_line_error(result.stderr, "needs a terminal", "pipe mode")

    @pytest.mark.parametrize("command", [["--help"], ["prompts"], ["models"], ["sessions"]])
    def test_informational_commands_succeed(self, sparring: Runner, command: list[str]) -> None:
        result = sparring(*command)
        assert result.code == 0, result.stderr
        assert "Traceback" not in result.output
