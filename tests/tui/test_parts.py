"""The TUI's plain parts, without an app: figures, turns, keepers as Markdown, saving."""

from __future__ import annotations

from pathlib import Path

import pytest

from sparring.config import Privacy
from sparring.egress import Refused, check_model
from sparring.engine import LiveReply
from sparring.errors import CannotSave, UsageError
from sparring.figures import live_figures, short_figures, where_label
from sparring.prompts import free_text_prompt
from sparring.sessions.markdown import keepers_markdown
from sparring.sessions.model import Context, Keeper, Reply, Session, Turn
from sparring.sessions.saving import Saver
from sparring.sessions.turns import follow_up_turn, heading, task_turn
from sparring.tui.export import default_export_path, write_markdown
from sparring.tui.widgets.reply import status_line

from . import fakes

LOCAL_ONLY = Privacy(local_only=True)


class TestFigures:
    def test_a_finished_reply_shows_ttft_speed_tokens_and_cost(self) -> None:
        reply = Reply(
            "flagship", location="cloud", ttft=0.5, seconds=2.5, output_tokens=41, cost=0.0123
        )
        assert short_figures(reply) == "ttft 0.50s · 20 tok/s · 41 tok · $0.0123"

    def test_a_local_reply_is_free_and_an_unpriced_one_says_so(self) -> None:
        assert short_figures(Reply("small", location="local", output_tokens=3, cost=0.0)).endswith(
            "free"
        )
        assert short_figures(Reply("x", location="cloud", output_tokens=3)).endswith("cost unknown")

    def test_estimated_tokens_are_marked(self) -> None:
        assert "~12 tok" in short_figures(Reply("x", output_tokens=12, tokens_estimated=True))

    def test_live_figures_come_from_the_deltas_seen_so_far(self) -> None:
        live = LiveReply(Reply("flagship"), "big-model", "cloud", input_tokens=1000, started=10.0)
        assert live_figures(live, 11.0, fakes.config()) == "waiting 1.0s"
        live.add("x" * 40)
        live.add("x" * 40)
        live.first_delta_at = 10.5
        expected = "ttft 0.50s · 10 tok/s · ~20 tok · $0.0033"
        assert live_figures(live, 12.5, fakes.config()) == expected

    def test_where_a_model_runs_is_said_plainly(self) -> None:
        assert where_label("local") == "local · on this machine"
        assert where_label("cloud") == "cloud"


class TestStatusLines:
    @pytest.mark.parametrize(
        ("status", "error", "shown"),
        [
            ("ok", None, ""),
            ("streaming", None, "streaming…"),
            ("cancelled", None, "⏹ cancelled; the partial answer is kept"),
            ("error", "no key (set X)", "✗ no key (set X)"),
            ("interrupted", "cut (run again)", "⚠ cut off: cut (run again)"),
        ],
    )
    def test_each_status_says_what_happened(
        self, status: str, error: str | None, shown: str
    ) -> None:
        assert status_line(Reply("m", status=status, error=error)) == shown  # type: ignore[arg-type]

    def test_control_characters_from_a_model_are_shown_not_obeyed(self) -> None:
        assert "\x1b" not in status_line(Reply("m", status="error", error="bad \x1b[2J"))


class TestTurns:
    def test_an_unknown_model_is_refused_with_a_hint(self) -> None:
        refused = check_model("smal", fakes.config(), Privacy())
        assert isinstance(refused, Refused)
        reply = refused.as_reply()
        assert (reply.status, reply.exit_code) == ("error", 2)
        assert "did you mean 'small'" in (reply.error or "")

    def test_local_only_refuses_a_cloud_model_but_not_a_local_one(self) -> None:
        assert isinstance(check_model("flagship", fakes.config(), LOCAL_ONLY), Refused)
        assert not isinstance(check_model("small", fakes.config(), LOCAL_ONLY), Refused)

    def test_an_empty_model_name_is_refused(self) -> None:
        refused = check_model("  ", fakes.config(), Privacy())
        assert isinstance(refused, Refused) and isinstance(refused.error, UsageError)

    def test_a_task_turn_renders_the_prompt_for_every_model(self) -> None:
        turn = task_turn(free_text_prompt(), "my draft", ["a", "b"], instruction="too long?")
        assert turn.user.endswith("too long?") and "my draft" in turn.user
        assert [reply.model for reply in turn.replies] == ["a", "b"]
        assert heading(turn) == "ask: too long?"

    def test_a_follow_up_keeps_the_role_of_the_last_task(self) -> None:
        session = Session(turns=[Turn(task="headlines", user="u", system="be an editor")])
        turn = follow_up_turn(session, "shorter", ["a"], to="a")
        assert (turn.task, turn.system, turn.to, turn.output) == (
            "follow-up",
            "be an editor",
            "a",
            "text",
        )
        assert heading(turn) == "› shorter"


class TestKeepersAsMarkdown:
    def test_keepers_are_a_titled_list_naming_their_model(self) -> None:
        session = Session(title="headlines: trees", keepers=[Keeper("Shade\nmatters", "small")])
        assert (
            keepers_markdown(session)
            == "# Keepers: headlines: trees\n\n- Shade\n  matters (small)\n"
        )

    def test_the_default_export_sits_next_to_the_draft_not_among_the_sessions(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        draft = tmp_path / "drafts" / "trees.md"
        draft.parent.mkdir()
        session = Session(id="abcd1234", context=Context("x", [str(draft)]))
        assert default_export_path(session) == tmp_path / "drafts" / "trees-keepers.md"
        monkeypatch.chdir(tmp_path)
        typed = Session(id="abcd1234", context=Context("x", ["stdin"]))
        assert default_export_path(typed) == tmp_path / "keepers-abcd1234.md"

    def test_a_chosen_path_is_written_privately_and_its_folder_left_as_it_is(
        self, tmp_path: Path
    ) -> None:
        folder = tmp_path / "shared"
        folder.mkdir(mode=0o755)
        folder.chmod(0o755)
        target = folder / "ideas.md"
        write_markdown("- one\n", target)
        assert target.read_text(encoding="utf-8") == "- one\n"
        assert target.stat().st_mode & 0o777 == 0o600
        assert folder.stat().st_mode & 0o777 == 0o755


class TestSaving:
    def test_a_failing_save_is_reported_once_and_retried_quietly(self, sparring_home: Path) -> None:
        sparring_home.parent.mkdir(parents=True, exist_ok=True)
        sparring_home.write_text("not a dir")
        reports: list[Exception] = []
        saver = Saver(Session(), reports.append)
        assert not saver.save() and not saver.save()
        assert len(reports) == 1 and isinstance(reports[0], CannotSave)
        sparring_home.unlink()
        assert saver.save() and saver.path is not None and saver.path.exists()
