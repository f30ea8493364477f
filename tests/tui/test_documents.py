"""ctrl+o opens the writer's documents into the draft as Markdown, off the UI thread;
what cannot be opened is said in a notification, and the draft stays."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

import samples
from sparring.tui.app import SparringApp
from sparring.tui.dialogs.open_file import OpenFileScreen
from sparring.tui.screens.main import MainScreen

from .helpers import DRAFT, SIZE, main, make_app, two_models, until


async def open_file(pilot: Pilot[None], app: SparringApp, path: Path) -> None:
    await pilot.press("ctrl+o")
    await until(pilot, lambda: isinstance(app.screen, OpenFileScreen))
    app.screen.query_one(Input).value = str(path)
    await pilot.press("enter")


def notified(app: SparringApp, fragment: str, severity: str) -> bool:
    return any(fragment in n.message and n.severity == severity for n in app._notifications)


KINDS = samples.WRITERS


class TestOpeningDocuments:
    @pytest.mark.parametrize("kind", list(KINDS))
    async def test_a_document_opens_into_the_draft_as_markdown(
        self, tmp_path: Path, kind: str
    ) -> None:
        write, expected = KINDS[kind]
        path = write(tmp_path / f"draft.{kind}")
        app = make_app(two_models(), context="")
        async with app.run_test(size=SIZE) as pilot:
            await open_file(pilot, app, path)
            await until(
                pilot,
                lambda: (
                    isinstance(app.screen, MainScreen) and main(app).context_pane.text == expected
                ),
            )
            assert main(app).context_pane.sources == [str(path)]

    async def test_a_scanned_pdf_is_refused_and_the_draft_stays(self, tmp_path: Path) -> None:
        path = samples.write_scanned_pdf(tmp_path / "scan.pdf")
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await open_file(pilot, app, path)
            await until(pilot, lambda: notified(app, "no text layer (a scan?)", "error"))
            assert main(app).context_pane.text == DRAFT

    async def test_pages_without_text_open_the_rest_with_a_warning(self, tmp_path: Path) -> None:
        path = samples.write_scanned_pdf(tmp_path / "mixed.pdf", text_pages=1, scanned_pages=1)
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await open_file(pilot, app, path)
            await until(pilot, lambda: notified(app, "page 2 has no text layer", "warning"))
            assert main(app).context_pane.text == f"{samples.INTRO}\n"

    async def test_an_image_is_refused_naming_the_kinds_that_open(self, tmp_path: Path) -> None:
        path = tmp_path / "photo.png"
        path.write_bytes(samples.png_bytes())
        app = make_app(two_models())
        async with app.run_test(size=SIZE) as pilot:
            await open_file(pilot, app, path)
            await until(pilot, lambda: notified(app, "is a PNG image; sparring reads", "error"))
            assert main(app).context_pane.text == DRAFT
