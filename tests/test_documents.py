"""The writer's files as the draft: Word, OpenDocument, PDF, HTML and RTF are read
as Markdown (by their content, whatever their name), what cannot be read says so
in one line with a hint, and what is sent to the model is the converted text."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import samples
from fakes import FakeOllama, FakeOpenAI
from helpers import Runner, saved_sessions, write_config
from sparring.documents import EXTRA_HINT, read_document
from sparring.documents.kinds import SUPPORTED
from sparring.errors import BadInput, ReaderMissing
from terminal import TerminalFactory, sparring_command
from test_cli_input import assert_one_line_error

OLLAMA_MODEL = "ollama:qwen3:4b"
OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office 97-2003
WRITERS = samples.WRITERS


def converted(path: Path) -> str:
    return read_document(path.read_bytes(), str(path)).text


def sent_to(server: FakeOllama | FakeOpenAI) -> str:
    """Everything the model was sent, one message after another."""
    [request] = server.chat_requests
    return "\n".join(message["content"] for message in request.body["messages"])


class TestStructure:
    def test_a_word_file_keeps_its_headings_paragraphs_lists_and_table(
        self, tmp_path: Path
    ) -> None:
        assert converted(samples.write_docx(tmp_path / "draft.docx")) == samples.EXPECTED

    def test_an_opendocument_file_keeps_its_headings_paragraphs_lists_and_table(
        self, tmp_path: Path
    ) -> None:
        assert converted(samples.write_odt(tmp_path / "draft.odt")) == samples.EXPECTED

    def test_a_web_page_keeps_its_article_and_drops_scripts_navigation_and_footer(
        self, tmp_path: Path
    ) -> None:
        markdown = converted(samples.write_html(tmp_path / "page.html"))
        assert markdown == samples.EXPECTED
        for boilerplate in ("reklam", "Hem", "Nyheter", "parkerna", "©", "Dold", "font-family"):
            assert boilerplate not in markdown

    def test_a_pdf_gets_headings_from_font_sizes_whole_paragraphs_and_lists(
        self, tmp_path: Path
    ) -> None:
        assert converted(samples.write_pdf(tmp_path / "draft.pdf")) == samples.EXPECTED_PDF

    def test_an_rtf_file_keeps_its_paragraphs_and_lists(self, tmp_path: Path) -> None:
        assert converted(samples.write_rtf(tmp_path / "draft.rtf")) == samples.EXPECTED_RTF

    def test_word_numbering_counts_on_and_a_title_is_a_top_heading(self, tmp_path: Path) -> None:
        import docx

        document = docx.Document()
        document.add_paragraph("Rubriken", style="Title")
        for step in ["Ett", "Två", "Tre"]:
            document.add_paragraph(step, style="List Number")
        document.add_paragraph("Under", style="List Bullet 2")
        path = tmp_path / "steps.docx"
        document.save(str(path))
        assert converted(path) == "# Rubriken\n\n1. Ett\n2. Två\n3. Tre\n\n- Under\n"

    def test_word_tracked_changes_read_as_word_shows_them(self, tmp_path: Path) -> None:
        import docx
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn

        document = docx.Document()
        paragraph = document.add_paragraph("Träden är ")
        for wrapper, tag, text in (("w:del", "w:delText", "fula"), ("w:ins", "w:t", "vackra")):
            change, run, content = OxmlElement(wrapper), OxmlElement("w:r"), OxmlElement(tag)
            change.set(qn("w:id"), "1")
            change.set(qn("w:author"), "Redaktören")
            content.text = text
            run.append(content)
            change.append(run)
            paragraph._p.append(change)
        path = tmp_path / "changes.docx"
        document.save(str(path))
        assert converted(path) == "Träden är vackra\n"

    def test_opendocument_spacing_is_kept_and_footnotes_left_out(self, tmp_path: Path) -> None:
        from odf.opendocument import OpenDocumentText
        from odf.text import LineBreak, Note, NoteBody, NoteCitation, P, S

        document = OpenDocumentText()
        paragraph = P(text="Två")
        paragraph.addElement(S(c=2))
        paragraph.addText("mellanslag")
        note = Note(noteclass="footnote")
        note.addElement(NoteCitation(text="1"))
        body = NoteBody()
        body.addElement(P(text="En fotnot."))
        note.addElement(body)
        paragraph.addElement(note)
        paragraph.addElement(LineBreak())
        paragraph.addText("ny rad")
        document.text.addElement(paragraph)
        path = tmp_path / "spaces.odt"
        document.save(str(path))
        assert converted(path) == "Två  mellanslag\nny rad\n"

    def test_a_web_page_in_latin_1_is_read_by_its_own_charset(self) -> None:
        page = '<html><head><meta charset="iso-8859-1"></head><p>Smörgåsbord</p></html>'
        text = read_document(page.encode("latin-1"), "page.html").text
        assert text == "Smörgåsbord\n"


class TestPdf:
    def test_a_paragraph_runs_on_over_a_page_break_and_page_numbers_are_left_out(
        self, tmp_path: Path
    ) -> None:
        pdf = samples.new_pdf()
        pdf.set_auto_page_break(False)
        halves = ["Den här meningen börjar på första sidan", "och slutar här."]
        for number, text in enumerate(halves, 1):
            pdf.add_page()
            samples.line(pdf, text)
            pdf.set_y(-15)
            pdf.cell(0, 10, str(number), align="C")
        path = tmp_path / "pages.pdf"
        pdf.output(str(path))
        assert converted(path) == "Den här meningen börjar på första sidan och slutar här.\n"

    def test_a_running_head_is_left_out_and_the_title_it_repeats_kept(self, tmp_path: Path) -> None:
        pdf = samples.new_pdf()
        pages = [samples.INTRO, samples.BODY, "Ekar blir gamla.", "Björkar växer fort."]
        for number, text in enumerate(pages, 1):
            pdf.add_page()
            if number == 1:
                samples.line(pdf, samples.TITLE, size=20, bold=True, space=4)
            else:
                samples.line(pdf, samples.TITLE, size=9, space=4)  # the running head
            samples.line(pdf, text)
        path = tmp_path / "running.pdf"
        pdf.output(str(path))
        assert converted(path) == f"# {samples.TITLE}\n\n" + "\n\n".join(pages) + "\n"

    def test_a_scanned_pdf_is_refused_with_a_hint_instead_of_sending_nothing(
        self, tmp_path: Path
    ) -> None:
        path = samples.write_scanned_pdf(tmp_path / "scan.pdf")
        with pytest.raises(BadInput) as refused:
            converted(path)
        assert "has no text layer (a scan?)" in refused.value.message
        assert refused.value.hint is not None and "OCR" in refused.value.hint

    def test_scanned_pages_among_text_pages_are_named_in_a_warning(self, tmp_path: Path) -> None:
        path = samples.write_scanned_pdf(tmp_path / "mixed.pdf", text_pages=1, scanned_pages=2)
        document = read_document(path.read_bytes(), "mixed.pdf")
        assert document.text == f"{samples.INTRO}\n"
        assert document.warnings == (
            "mixed.pdf: pages 2, 3 have no text layer (scanned?); their text is missing "
            "(run OCR on the PDF first, e.g. ocrmypdf)",
        )

    def test_a_pdf_locked_with_a_password_says_so(self, tmp_path: Path) -> None:
        pdf = samples.new_pdf()
        pdf.set_encryption(owner_password="ägare", user_password="hemligt")
        pdf.add_page()
        samples.line(pdf, samples.INTRO)
        path = tmp_path / "locked.pdf"
        pdf.output(str(path))
        with pytest.raises(BadInput, match="protected by a password"):
            converted(path)

    def test_a_damaged_pdf_is_one_clear_error(self) -> None:
        with pytest.raises(BadInput, match="cannot read broken.pdf as a PDF"):
            read_document(b"%PDF-1.7\nnot really a PDF at all", "broken.pdf")


class TestKinds:
    def test_the_content_decides_over_the_name(self, tmp_path: Path) -> None:
        misnamed = tmp_path / "notes.txt"
        misnamed.write_bytes(samples.write_docx(tmp_path / "draft.docx").read_bytes())
        assert converted(misnamed) == samples.EXPECTED

    @pytest.mark.parametrize("kind", ["docx", "odt", "pdf", "rtf"])
    def test_a_document_on_stdin_is_recognised_by_its_bytes(
        self, tmp_path: Path, kind: str
    ) -> None:
        write, expected = WRITERS[kind]
        data = write(tmp_path / f"draft.{kind}").read_bytes()
        assert read_document(data, "stdin").text == expected

    def test_a_web_page_on_stdin_is_recognised_by_how_it_starts(self) -> None:
        text = read_document(samples.HTML_PAGE.encode(), "stdin").text
        assert text == samples.EXPECTED

    def test_markdown_that_starts_with_a_tag_stays_as_written(self) -> None:
        draft = "<!-- utkast 2 -->\n# Träd\n\n*Skugga* och _vatten_.\n"
        assert read_document(draft.encode(), "draft.md").text == draft
        assert read_document(draft.encode(), "stdin").text == draft

    @pytest.mark.parametrize(
        ("name", "data", "what"),
        [
            ("photo.png", samples.png_bytes(), "is a PNG image"),
            ("budget.xlsx", samples.xlsx_bytes(), "is an Excel spreadsheet"),
            ("old.doc", OLE_HEADER + bytes(504), "is an old Word document"),
            ("song.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00", "is binary, not UTF-8 text"),
        ],
    )
    def test_a_kind_it_cannot_read_names_the_kinds_it_can(
        self, name: str, data: bytes, what: str
    ) -> None:
        with pytest.raises(BadInput) as refused:
            read_document(data, name)
        assert what in refused.value.message
        assert refused.value.message.endswith(f"sparring reads {SUPPORTED}")
        assert refused.value.hint

    def test_a_zip_that_unpacks_to_more_than_the_limit_is_refused_before_it_is_unpacked(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import zipfile

        from sparring.documents import kinds

        monkeypatch.setattr(kinds, "MAX_UNPACKED", 2 * 2**20)  # 512 MiB takes long to make
        path = tmp_path / "bomb.docx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("word/document.xml", "<w:document/>")
            archive.writestr("word/media/zeros.bin", bytes(3 * 2**20))
        assert path.stat().st_size < 2**20 / 10
        with pytest.raises(BadInput, match="unpacks to 3 MiB; sparring reads documents up to 2"):
            converted(path)

    def test_a_docx_that_is_not_one_says_so(self) -> None:
        with pytest.raises(BadInput, match="draft.docx is not a Word document"):
            read_document(b"just some text", "draft.docx")


class TestReaderMissing:
    def test_without_the_extra_a_word_file_gives_the_install_hint(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = samples.write_docx(tmp_path / "draft.docx")
        monkeypatch.setitem(sys.modules, "docx", None)  # `import docx` now fails
        monkeypatch.delitem(sys.modules, "sparring.documents.word", raising=False)
        with pytest.raises(ReaderMissing) as missing:
            converted(path)
        assert missing.value.exit_code == 69
        assert "the Word reader (python-docx) is not installed" in missing.value.message
        assert missing.value.hint == EXTRA_HINT == "pip install 'sparring[documents]'"

    def test_without_the_extra_pipe_mode_says_so_in_one_line(self, tmp_path: Path) -> None:
        path = samples.write_pdf(tmp_path / "draft.pdf")
        script = (
            "import sys; sys.modules['pypdf'] = None\n"
            "from sparring.cli import main; sys.exit(main())"
        )
        done = subprocess.run(
            [sys.executable, "-c", script, "headlines", "--free", str(path), "-m", OLLAMA_MODEL],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 69
        assert_one_line_error(done.stderr, "the PDF reader (pypdf) is not installed", EXTRA_HINT)


class TestPipeMode:
    @pytest.mark.parametrize("kind", ["docx", "odt", "pdf", "html"])
    def test_the_model_is_sent_the_converted_text(
        self,
        sparring: Runner,
        sparring_home: Path,
        ollama_server: FakeOllama,
        tmp_path: Path,
        kind: str,
    ) -> None:
        write, expected = WRITERS[kind]
        path = write(tmp_path / f"draft.{kind}")
        result = sparring(
            "headlines",
            "--free",
            str(path),
            "-m",
            OLLAMA_MODEL,
            env={"OLLAMA_HOST": ollama_server.url},
        )
        assert result.code == 0, result.stderr
        assert expected.strip() in sent_to(ollama_server)
        [saved] = saved_sessions(sparring_home)
        assert tomllib.loads(saved.read_text())["context"]["text"] == expected

    def test_a_word_file_piped_in_is_read_as_one(
        self, sparring: Runner, ollama_server: FakeOllama, tmp_path: Path
    ) -> None:
        data = samples.write_docx(tmp_path / "draft.docx").read_bytes()
        result = sparring(
            "headlines",
            "--free",
            "-m",
            OLLAMA_MODEL,
            input=data,
            env={"OLLAMA_HOST": ollama_server.url},
        )
        assert result.code == 0, result.stderr
        assert samples.EXPECTED.strip() in sent_to(ollama_server)

    def test_an_image_exits_65_naming_the_kinds_that_work(
        self, sparring: Runner, ollama_server: FakeOllama, tmp_path: Path
    ) -> None:
        path = tmp_path / "photo.png"
        path.write_bytes(samples.png_bytes())
        result = sparring(
            "headlines",
            "--free",
            str(path),
            "-m",
            OLLAMA_MODEL,
            env={"OLLAMA_HOST": ollama_server.url},
        )
        assert result.code == 65
        assert_one_line_error(result.stderr, f"{path} is a PNG image", SUPPORTED)
        assert ollama_server.chat_requests == []

    def test_a_scanned_pdf_exits_65_and_sends_nothing(
        self, sparring: Runner, ollama_server: FakeOllama, tmp_path: Path
    ) -> None:
        path = samples.write_scanned_pdf(tmp_path / "scan.pdf")
        result = sparring(
            "headlines",
            "--free",
            str(path),
            "-m",
            OLLAMA_MODEL,
            env={"OLLAMA_HOST": ollama_server.url},
        )
        assert result.code == 65
        assert_one_line_error(result.stderr, "no text layer (a scan?)", "OCR")
        assert ollama_server.chat_requests == []

    def test_pages_without_text_are_a_warning_on_stderr_and_the_rest_is_sent(
        self, sparring: Runner, ollama_server: FakeOllama, tmp_path: Path
    ) -> None:
        path = samples.write_scanned_pdf(tmp_path / "mixed.pdf", text_pages=1, scanned_pages=1)
        result = sparring(
            "headlines",
            "--free",
            str(path),
            "-m",
            OLLAMA_MODEL,
            env={"OLLAMA_HOST": ollama_server.url},
        )
        assert result.code == 0, result.stderr
        assert f"sparring: warning: {path}: page 2 has no text layer" in result.stderr
        assert "Traceback" not in result.stderr
        assert samples.INTRO in sent_to(ollama_server)

    def test_the_egress_preview_counts_the_converted_text_that_is_sent(
        self, terminal: TerminalFactory, sparring_home: Path, tmp_path: Path
    ) -> None:
        path = samples.write_docx(tmp_path / "draft.docx")
        with FakeOpenAI() as cloud:
            write_config(
                sparring_home,
                f'[endpoints.groq]\nbase_url = "{cloud.base_url}"\n'
                'api_key_env = "GROQ_API_KEY"\nlocation = "cloud"\n',
            )
            screen = terminal(
                sparring_command("headlines", "--free", str(path), "-m", "groq:llama"),
                {"GROQ_API_KEY": "gsk-test"},
            )
            asked = screen.wait_for(lambda text: "Send it? [y/N]" in text)
            screen.keys("y", "Enter")
            screen.wait_for(lambda text: "EXITED 0" in text)
            sent = sent_to(cloud)
        assert samples.EXPECTED.strip() in sent
        assert f"what:  {path}: {len(sent):,} characters" in asked.replace("\n", "")
        assert len(sent) < path.stat().st_size  # the text, not the zipped file
