"""The core never imports the TUI, and nothing heavy is imported before it is needed."""

from __future__ import annotations

import json
import subprocess
import sys


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
HEAVY = [
    "textual",
    "ollama",
    "openai",
    "anthropic",
    "llama_cpp",
    "numpy",
    "rich",
    "huggingface_hub",
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


def test_models_lists_gguf_files_without_llama_cpp_or_huggingface_hub() -> None:
    code = "from sparring.cli import main\nmain(['models'])"
    modules = loaded_after(code)
    assert not {"llama_cpp", "huggingface_hub", "textual"} & modules


def test_looking_a_local_model_up_by_name_imports_neither_llama_cpp_nor_huggingface_hub() -> None:
    code = (
        "from sparring.config import Config\n"
        "from sparring.errors import ModelNotFound\n"
        "from sparring.providers import resolve, open_backend\n"
        "try:\n    open_backend(resolve('local:Qwen3-4B-Q4_K_M', Config()), Config())\n"
        "except ModelNotFound:\n    pass"
    )
    modules = loaded_after(code)
    assert not {"llama_cpp", "huggingface_hub"} & modules
