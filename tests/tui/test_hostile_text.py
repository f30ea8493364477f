"""Nothing the TUI draws obeys an escape sequence, whatever its source.

Drafts, answers, thinking, errors, items, keepers, model names, file names and
session titles can all hold escape sequences (from a model, a server, a file
or a session file edited by hand). Textual draws text as it is, so each must
pass `visible` on its way in: Rich's `Text` strips only BEL, BS, VT, FF and CR
(rich/control.py, strip_control_codes), so an ESC reaches the terminal; a
TextArea draws each line from `TextArea.get_line` (textual 8.2.8, "You can
stylize the Text object returned here"), the hook VisibleTextArea overrides.
These tests fill every source with a hostile string and read back every cell
the compositor would send to the terminal: not one control character may be
among them, and the hostile text must be there, shown (so the test can see what
it is looking for). tests/test_escapes.py checks the same in a real terminal
(tmux): title, clipboard and screen.
"""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.widgets import DirectoryTree

from sparring.items import Item
from sparring.sessions import store
from sparring.sessions.model import Context, Keeper, Reply, Session, Turn
from sparring.tui.dialogs.ask_path import AskPathScreen
from sparring.tui.dialogs.browser import SessionBrowser
from sparring.tui.dialogs.confirm_egress import ConfirmEgressScreen
from sparring.tui.dialogs.keep_passage import KeepPassageScreen
from sparring.tui.dialogs.open_file import OpenFileScreen

from . import fakes
from .fakes import FakeBackends, Script
from .helpers import SIZE, main, make_app, until

#: Set the title, write the clipboard (OSC 52), clear the screen, an 8-bit CSI, and markup.
HOSTILE = "\x1b]0;PWNED\x07\x1b]52;c;cHduZWQ=\x07\x1b[2J\x9b31m[bold]b[/bold]\x07"
#: How the start of it looks once made visible.
SHOWN = "␛]0;PWNED"
#: What a terminal obeys: C0 (but newline), DEL and C1.
CONTROLS = {chr(code) for code in [*range(0x00, 0x20), *range(0x7F, 0xA0)]} - {"\n"}


def drawn(app: App[object]) -> str:
    """Every cell of the current screen, as the compositor would send it to the terminal."""
    update = app.screen._compositor.render_full_update()
    return "\n".join("".join(strip.text for strip in line) for line in update.strips)


def assert_shown_not_obeyed(app: App[object]) -> None:
    screen = drawn(app)
    obeyed = sorted({f"{ord(char):#04x}" for char in screen if char in CONTROLS})
    assert not obeyed, f"control characters drawn: {obeyed}\n{screen}"
    assert SHOWN in screen, screen


def hostile_session(*, follow_up: bool = False) -> Session:
    list_turn = Turn(
        task="headlines",
        user="Here is my text",
        output="list",
        instruction=HOSTILE,
        replies=[
            Reply(
                model="small",
                backend=f"fake:{HOSTILE}",
                status="ok",
                text=f"1. one {HOSTILE}\n2. two\n",
                items=[Item(f"one {HOSTILE}"), Item("two")],
                thinking=f"thought {HOSTILE}",
                thinking_tokens=3,
            ),
            Reply(model="flagship", backend="fake:big", status="error", error=f"boom {HOSTILE}"),
        ],
    )
    text_turn = Turn(
        task="follow-up",
        user=f"why {HOSTILE}",
        replies=[Reply(model="small", status="ok", text=f"because {HOSTILE}")],
    )
    return Session(
        id="0badc0de",
        title=f"headlines: {HOSTILE}",
        context=Context(f"My draft {HOSTILE}\nsecond line", [f"draft{HOSTILE}.md"]),
        turns=[list_turn, text_turn] if follow_up else [list_turn],
        keepers=[Keeper(f"kept {HOSTILE}", f"small{HOSTILE}")],
    )


class TestEveryViewShowsControlCharacters:
    async def test_a_replayed_session_draft_answers_thinking_errors_items_and_keepers(
        self,
    ) -> None:
        app = make_app(FakeBackends({}), session=hostile_session(), read_only=True)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: main(app).columns[1].replies)
            await pilot.pause()
            assert_shown_not_obeyed(app)
            # The thinking, folded away until opened.
            before = drawn(app).count(SHOWN)
            main(app).columns[0].replies[0].thinking.collapsed = False
            await pilot.pause()
            assert drawn(app).count(SHOWN) > before
            assert_shown_not_obeyed(app)

    async def test_a_follow_up_heads_its_answer_with_what_was_asked(self) -> None:
        app = make_app(FakeBackends({}), session=hostile_session(follow_up=True), read_only=True)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: len(main(app).columns[0].replies) == 2)
            await pilot.pause()
            assert "› why" in drawn(app)
            assert_shown_not_obeyed(app)

    async def test_a_model_named_with_escapes_in_a_session_file(self) -> None:
        session = hostile_session()
        for turn in session.turns:
            for reply in turn.replies:
                reply.model = f"small{HOSTILE}" if reply.model == "small" else reply.model
        app = make_app(FakeBackends({}), session=session, read_only=True)
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: main(app).columns[0].replies)
            await pilot.pause()
            assert_shown_not_obeyed(app)

    async def test_a_notification_from_an_error_body_or_a_file_name(self) -> None:
        app = make_app(fakes.FakeBackends({}))
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            app.notify(f"Not opened: {HOSTILE}", title=HOSTILE)
            await until(pilot, lambda: app.screen.query("Toast"))
            await pilot.pause()
            assert_shown_not_obeyed(app)

    async def test_the_session_browser(self) -> None:
        store.save(hostile_session())
        app = make_app(fakes.FakeBackends({}))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+r")
            await until(
                pilot, lambda: isinstance(app.screen, SessionBrowser) and app.screen.entries
            )
            await pilot.pause()
            assert_shown_not_obeyed(app)

    async def test_the_egress_question_names_the_files(self) -> None:
        backends = FakeBackends(
            {"small": Script(["ok"]), "flagship": Script(["ok"], location="cloud")}
        )
        app = make_app(
            backends,
            config=fakes.config(privacy="ask"),
            context=f"My draft {HOSTILE}",
            sources=[f"draft{HOSTILE}.md"],
        )
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await until(pilot, lambda: isinstance(app.screen, ConfirmEgressScreen))
            await pilot.pause()
            assert_shown_not_obeyed(app)

    async def test_the_passage_to_keep(self) -> None:
        app = make_app(fakes.FakeBackends({}))
        async with app.run_test(size=SIZE) as pilot:
            app.push_screen(KeepPassageScreen(f"an answer {HOSTILE}"))
            await until(pilot, lambda: isinstance(app.screen, KeepPassageScreen))
            await pilot.pause()
            assert_shown_not_obeyed(app)

    async def test_the_open_file_tree_names_files_of_any_name(self, tmp_path: Path) -> None:
        # Any bytes but a slash make a file name.
        (tmp_path / f"draft{HOSTILE.replace('/', '')}.md").write_text("x")
        app = make_app(fakes.FakeBackends({}))
        async with app.run_test(size=SIZE) as pilot:
            app.push_screen(OpenFileScreen(tmp_path))
            await until(pilot, lambda: isinstance(app.screen, OpenFileScreen))
            await until(
                pilot,
                lambda: any(
                    len(tree.root.children) == 1 for tree in app.screen.query(DirectoryTree)
                ),
            )
            await pilot.pause()
            assert_shown_not_obeyed(app)

    async def test_the_export_path_of_a_session_with_any_id(self) -> None:
        app = make_app(fakes.FakeBackends({}))
        async with app.run_test(size=SIZE) as pilot:
            app.push_screen(AskPathScreen("Export", Path(f"x{HOSTILE[:20]}.md")))
            await until(pilot, lambda: isinstance(app.screen, AskPathScreen))
            await pilot.pause()
            assert_shown_not_obeyed(app)
