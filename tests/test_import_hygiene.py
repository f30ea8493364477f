"""The core never imports the TUI, and nothing heavy is imported before it is needed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import samples


def _modules() -> list[str]:
    """Every module of sparring but the TUI's (and __main__, which runs the command)."""
    import pkgutil

    import sparring

    return [
        module.name
        for module in pkgutil.walk_packages(sparring.__path__, "sparring.")
        if not module.name.startswith("sparring.tui") and module.name != "sparring.__main__"
    ]


CORE = ["sparring", *_modules()]
# The readers of the documents extra, imported only when a file of their kind is read.
READERS = ["docx", "odf", "pypdf", "bs4", "markdownify", "striprtf", "lxml"]
HEAVY = [
    "textual",
    "ollama",
    "openai",
    "anthropic",
    "llama_cpp",
    "numpy",
    "rich",
    "huggingface_hub",
    *READERS,
]


def loaded_after(code: str) -> set[str]:
    script = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_no_core_module_imports_textual() -> None:
    modules = loaded_after("\n".join(f"import {name}" for name in CORE))
    assert "textual" not in modules


def test_the_cli_imports_no_sdk_textual_or_llama_at_start() -> None:
    modules = loaded_after("import sparring.cli")
    assert not {name for name in HEAVY if name in modules}


def test_help_runs_without_importing_any_backend() -> None:
    code = (
        "import sys\nfrom sparring.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    )
    modules = loaded_after(code)
    assert not {name for name in HEAVY if name in modules}


def test_opening_one_backend_imports_only_its_own_sdk() -> None:
    code = (
        "from sparring.config import Config\n"
        "from sparring.providers import resolve, open_backend\n"
        "open_backend(resolve('ollama:qwen3:4b', Config()), Config())"
    )
    modules = loaded_after(code)
    assert "ollama" in modules
    assert not {"openai", "anthropic", "textual", "llama_cpp"} & modules


def test_a_plain_text_draft_is_read_without_any_document_reader(tmp_path: Path) -> None:
    draft = tmp_path / "draft.md"
    draft.write_text("# Träd\n\nSkugga.\n", encoding="utf-8")
    code = (
        "import io\nfrom sparring.context import gather\n"
        f"gather([{str(draft)!r}], None, max_chars=10_000)\n"
        "gather([], io.BytesIO(b'<p>not a page</p>'), max_chars=10_000)"
    )
    assert not set(READERS) & loaded_after(code)


def test_a_word_file_imports_its_own_reader_and_no_other(tmp_path: Path) -> None:
    draft = samples.write_docx(tmp_path / "draft.docx")
    code = f"from sparring.context import gather\ngather([{str(draft)!r}], None, max_chars=10_000)"
    modules = loaded_after(code)
    assert "docx" in modules
    assert not {"pypdf", "odf", "bs4", "markdownify", "striprtf", "textual"} & modules
