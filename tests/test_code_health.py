"""The habits CI keeps: ruff clean and formatted, types checked, the import contract kept.

Each check runs the tool the README's test command installs (the dev extra),
from the repository's root, with the settings in pyproject.toml.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import REPO

LINT_IMPORTS = (
    "import sys; from importlinter.cli import lint_imports_command; "
    "sys.exit(lint_imports_command())"
)

CHECKS = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "."],
    "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "."],
    # strict, over sparring/ (see [tool.mypy] in pyproject.toml)
    "mypy": [sys.executable, "-m", "mypy"],
    # the contracts in [tool.importlinter] in pyproject.toml
    "import contract": [sys.executable, "-c", LINT_IMPORTS],
}


@pytest.mark.parametrize("check", list(CHECKS))
def test_the_code_passes(check: str) -> None:
    done = subprocess.run(
        CHECKS[check], cwd=REPO, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, f"{check} failed:\n{done.stdout}\n{done.stderr}"


def test_every_core_module_is_held_to_the_core_contract() -> None:
    # A module added beside the others is core (no Textual, no CLI) unless it is one of
    # the two views: the contract must name it, or it is not checked at all.
    import tomllib

    settings = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    [core] = [
        contract
        for contract in settings["tool"]["importlinter"]["contracts"]
        if contract["name"].startswith("The core imports neither")
    ]
    package = REPO / "sparring"
    modules = {
        f"sparring.{path.stem}"
        for path in package.iterdir()
        if (path.suffix == ".py" or (path / "__init__.py").is_file())
        and path.stem not in ("__init__", "__main__", "cli", "tui")
    }
    assert modules - set(core["source_modules"]) == set()
