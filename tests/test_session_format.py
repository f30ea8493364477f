"""The session file: versioned TOML that round-trips exactly, written atomically."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sparring.errors import NewerFormat, SessionFormatError
from sparring.items import Item
from sparring.sessions import store
from sparring.sessions.model import FORMAT_VERSION, Context, Keeper, Reply, Session, Turn, Vote
from sparring.sessions.toml_format import from_toml, to_toml

# Any text a draft or a model may hold: control characters, CRLF, quotes, emoji.
hostile_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300) | st.sampled_from(
    ["a\r\nb", '"""', "'''", "\\", "\x00\x1b[31mred\x1b[0m", "[bold]x[/]", "\r"]
)


votes = st.lists(
    st.builds(
        Vote,
        turn=st.just(0),  # the sessions made here have one turn; a vote must name a turn
        order=st.lists(hostile_text, min_size=2, max_size=2),
        choice=st.sampled_from(["A", "B", "tie", "both-bad", ""]),
        blind=st.booleans(),
        created=hostile_text,
    ),
    max_size=3,
)


def make_session(
    context: str, reply_text: str, item: str, session_votes: list[Vote] | None = None
) -> Session:
    reply = Reply(
        model="local",
        backend="local:SmolLM2",
        status="interrupted",
        text=reply_text,
        items=[Item(text=item, count=3)],
        error="cut off",
        exit_code=75,
        input_tokens=12,
        output_tokens=7,
        ttft=0.25,
        seconds=1.5,
        cost=0.0,
    )
    turn = Turn(
        task="headlines", user=f"Text:\n{context}", system="s", output="list", replies=[reply]
    )
    return Session(
        title=context[:20],
        context=Context(text=context, sources=["draft.md"]),
        turns=[turn],
        keepers=[Keeper(text=item, model="local", turn=0)],
        votes=list(session_votes or []),
    )


class TestRoundTrip:
    @settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(context=hostile_text, reply_text=hostile_text, item=hostile_text, session_votes=votes)
    def test_any_text_survives_save_and_load_exactly(
        self, context: str, reply_text: str, item: str, session_votes: list[Vote]
    ) -> None:
        session = make_session(context, reply_text, item, session_votes)
        assert from_toml(to_toml(session)) == session

    def test_a_long_draft_survives(self) -> None:
        draft = "Ett långt utkast. " * 50_000
        session = make_session(draft, "1. x", "x")
        assert from_toml(to_toml(session)).context.text == draft

    def test_the_file_is_readable_text_with_its_format_version(self) -> None:
        text = to_toml(make_session("line one\nline two", "1. Trees", "Trees"))
        assert text.startswith(f"format = {FORMAT_VERSION}\n")
        assert "line one\nline two" in text


class TestRefusals:
    def test_a_newer_format_is_refused(self) -> None:
        text = to_toml(make_session("x", "y", "z")).replace(
            f"format = {FORMAT_VERSION}", f"format = {FORMAT_VERSION + 1}"
        )
        with pytest.raises(NewerFormat, match="newer sparring"):
            from_toml(text)

    def test_a_newer_file_is_never_overwritten(self, sparring_home: Path) -> None:
        session = make_session("x", "y", "z")
        path = store.save(session)
        newer = path.read_text().replace(f"format = {FORMAT_VERSION}", "format = 99")
        path.write_text(newer)
        with pytest.raises(NewerFormat):
            store.save(session)
        assert path.read_text() == newer

    def test_a_truncated_file_is_not_a_session(self) -> None:
        text = to_toml(make_session("x" * 100, "y", "z"))
        with pytest.raises(SessionFormatError):
            from_toml(text[: len(text) // 2])


class TestStore:
    def test_files_are_private_and_replaced_atomically(self, sparring_home: Path) -> None:
        session = make_session("x", "y", "z")
        path = store.save(session)
        assert path.stat().st_mode & 0o777 == 0o600
        assert (sparring_home / "sessions").stat().st_mode & 0o777 == 0o700
        session.turns[0].replies[0].text = "longer now"
        store.save(session)
        assert [p.name for p in (sparring_home / "sessions").iterdir()] == [path.name]

    def test_a_corrupt_file_is_reported_by_name_and_the_others_still_list(
        self, sparring_home: Path
    ) -> None:
        good = store.save(make_session("x", "y", "z"))
        bad = good.parent / "20200101T000000-deadbeef.toml"
        bad.write_text("format = 1\nid = \n")
        entries = list(store.iter_sessions())
        assert [type(entry).__name__ for entry in entries] == ["Session", "Unreadable"]
        assert entries[1].path == bad

    def test_an_id_prefix_finds_the_session(self, sparring_home: Path) -> None:
        session = make_session("x", "y", "z")
        store.save(session)
        assert store.open_session(session.id[:4]).id == session.id

    def test_an_unwritable_dir_is_a_cannot_save_error(self, sparring_home: Path) -> None:
        if os.geteuid() == 0:
            blocker = sparring_home / "sessions"
            sparring_home.mkdir(parents=True, exist_ok=True)
            blocker.write_text("a file where the dir should be")
        else:
            (sparring_home / "sessions").mkdir(parents=True)
            (sparring_home / "sessions").chmod(0o500)
        from sparring.errors import CannotSave

        with pytest.raises(CannotSave, match="cannot write"):
            store.save(make_session("x", "y", "z"))
