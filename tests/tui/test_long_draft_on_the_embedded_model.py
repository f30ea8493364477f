"""A 12,000-word feature on the embedded model, section by section, for real: every part is
answered, every item is tagged with its part's section, nothing of the draft is left out,
in pipe mode (`--json`), in `export` and in the TUI that opens the saved session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import Runner
from longdraft import long_draft
from sparring.config import Config
from sparring.sessions import store
from sparring.tui.app import SparringApp

from .helpers import SIZE, main, until

pytestmark = pytest.mark.model


async def test_a_12000_word_draft_by_sections_everywhere(
    sparring: Runner, sparring_home: Path, tmp_path: Path
) -> None:
    draft = long_draft()
    assert len(draft.split()) >= 12_000
    path = tmp_path / "feature.md"
    path.write_text(draft, encoding="utf-8")

    # Without --sections the embedded model's window refuses it, and says the way through.
    refused = sparring("counter", str(path), "-m", "local", "--no-save")
    assert refused.code == 65 and "--sections" in refused.stderr

    result = sparring(
        "counter", str(path), "-m", "local", "--sections", "--count", "3", "--json", timeout=1800
    )
    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    parts = document["sections"]
    total = len(parts)
    assert total >= 4  # ~23,000 tokens of draft in a 4,096-token window
    assert [part["part"] for part in parts] == list(range(1, total + 1))
    for part in parts:
        [reply] = part["replies"]
        assert reply["status"] == "ok", reply.get("error")
        assert reply["items"], f"part {part['part']} has no items"
        assert {item["section"] for item in reply["items"]} == {part["section"]}
    assert document["items"]["local"]
    for item in document["items"]["local"]:
        assert set(item["sections"]) <= {part["section"] for part in parts}

    # Nothing of the draft is left out: every paragraph went to the model in some part.
    session = store.open_session(document["session"])
    sent = [turn.user for turn in session.turns]
    for paragraph in draft.split("\n\n"):
        if paragraph.strip():
            assert any(paragraph.strip() in user for user in sent), paragraph[:60]

    exported = sparring("export", session.id)
    assert exported.code == 0, exported.stderr
    for number in range(1, total + 1):
        assert f"counter · part {number}/{total}" in exported.stdout

    # The TUI opens the saved session with each part's answer under its section.
    app = SparringApp(config=Config(), session=session, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: len(main(app).columns[0].replies) == total, 30)
        headings = [
            str(view.query_one(".heading").content) for view in main(app).columns[0].replies
        ]
    assert [f"part {n}/{total}" in heading for n, heading in enumerate(headings, 1)] == [
        True
    ] * total
