"""`sparring pull hf:OWNER/REPO[:FILE]`, against a local stand-in for the Hugging Face hub.

The fake hub (tests/fakehub.py) answers what huggingface_hub 2.x requests, as
its hf_api.py and file_download.py show; the files are tiny GGUF files with
valid headers (tests/ggufs.py), except where a test needs more than one of
huggingface_hub's 10 MiB write chunks (constants.DOWNLOAD_CHUNK_SIZE) to see
a partial file.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from fakehub import FakeFile, FakeHub, GitFile
from fakes import FakeOllama
from ggufs import gguf_bytes
from helpers import OUTPUTS, Runner
from sparring.errors import ModelNotFound, UsageError
from sparring.gguf.hub import HubFile, Listing, choose
from terminal import TerminalFactory, sparring_command

REPO = "Qwen/Tiny-GGUF"
CHUNK = 10 * 1024 * 1024  # huggingface_hub writes a download in chunks of this size


def tiny_repo(hub: FakeHub, repo_id: str = REPO, **extra: FakeFile | GitFile) -> None:
    """A GGUF repo as quantizers publish them: several quantisations, a projector, a README."""
    hub.add(
        repo_id,
        {
            "README.md": GitFile(b"# Tiny\n"),
            "Tiny-Q8_0.gguf": FakeFile(gguf_bytes(size=6000)),
            "Tiny-Q4_K_M.gguf": FakeFile(gguf_bytes(size=3000, context_length=32768)),
            "Tiny-Q4_0.gguf": FakeFile(gguf_bytes(size=2900)),
            "Tiny-F16.gguf": FakeFile(gguf_bytes(size=9000)),
            "mmproj-Tiny-F16.gguf": FakeFile(gguf_bytes(size=700)),
            **extra,
        },
    )


def models_dir(home: Path) -> Path:
    return home / "models"


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def wait_until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the condition never held")
        time.sleep(0.05)


class TestPull:
    def test_the_preferred_quantisation_lands_in_the_models_dir_with_progress_on_stderr(
        self, sparring: Runner, hub: FakeHub, sparring_home: Path
    ) -> None:
        tiny_repo(hub)
        result = sparring("pull", f"hf:{REPO}")
        assert result.code == 0, result.stderr
        assert result.stdout == ""
        assert "picked Tiny-Q4_K_M.gguf (Q4_K_M, 2.9 KB)" in result.stderr
        assert "Tiny-Q4_K_M.gguf" in result.stderr and "100%" in result.stderr
        assert "use it with -m local:Tiny-Q4_K_M" in result.stderr
        pulled = models_dir(sparring_home) / REPO / "Tiny-Q4_K_M.gguf"
        assert pulled.read_bytes() == gguf_bytes(size=3000, context_length=32768)
        assert files_under(models_dir(sparring_home)) == [f"{REPO}/Tiny-Q4_K_M.gguf"]

    def test_it_asks_the_hub_as_huggingface_hub_does_pinned_to_the_listed_commit(
        self, sparring: Runner, hub: FakeHub
    ) -> None:
        tiny_repo(hub)
        assert sparring("pull", f"hf:{REPO}").code == 0
        commit = hub.repos[REPO].commit
        [listing] = [r for r in hub.requests("hub") if r.path.startswith("/api/models/")]
        assert listing.path == f"/api/models/{REPO}"
        [head] = hub.requests("hub", "HEAD")
        assert head.path == f"/{REPO}/resolve/{commit}/Tiny-Q4_K_M.gguf"
        assert head.status == 302
        [download] = hub.requests("cdn")
        assert (download.status, download.range, download.body_bytes) == (200, None, 3000)

    def test_a_quantisation_can_be_named(self, sparring: Runner, hub: FakeHub, sparring_home: Path):
        tiny_repo(hub)
        result = sparring("pull", f"hf:{REPO}:q8_0")
        assert result.code == 0, result.stderr
        assert "picked" not in result.stderr
        assert files_under(models_dir(sparring_home)) == [f"{REPO}/Tiny-Q8_0.gguf"]

    def test_a_file_can_be_named(self, sparring: Runner, hub: FakeHub, sparring_home: Path):
        tiny_repo(hub)
        result = sparring("pull", f"hf:{REPO}:Tiny-F16.gguf")
        assert result.code == 0, result.stderr
        assert files_under(models_dir(sparring_home)) == [f"{REPO}/Tiny-F16.gguf"]

    def test_every_part_of_a_split_model_is_pulled(
        self, sparring: Runner, hub: FakeHub, sparring_home: Path
    ) -> None:
        hub.add(
            "big/Split-GGUF",
            {
                "Q4_K_M/Split-Q4_K_M-00002-of-00002.gguf": FakeFile(b"\0" * 1500),
                "Q4_K_M/Split-Q4_K_M-00001-of-00002.gguf": FakeFile(gguf_bytes(size=2500)),
                "Split-Q8_0.gguf": FakeFile(gguf_bytes(size=5000)),
            },
        )
        result = sparring("pull", "hf:big/Split-GGUF")
        assert result.code == 0, result.stderr
        assert "part 1/2 Split-Q4_K_M-00001-of-00002.gguf" in result.stderr
        assert "part 2/2 Split-Q4_K_M-00002-of-00002.gguf" in result.stderr
        assert "use it with -m local:Split-Q4_K_M" in result.stderr
        assert files_under(models_dir(sparring_home) / "big/Split-GGUF") == [
            "Q4_K_M/Split-Q4_K_M-00001-of-00002.gguf",
            "Q4_K_M/Split-Q4_K_M-00002-of-00002.gguf",
        ]

    def test_a_pulled_file_is_not_downloaded_again(self, sparring: Runner, hub: FakeHub) -> None:
        tiny_repo(hub)
        assert sparring("pull", f"hf:{REPO}").code == 0
        again = sparring("pull", f"hf:{REPO}")
        assert again.code == 0
        assert "Tiny-Q4_K_M is already pulled" in again.stderr
        assert len(hub.requests("cdn")) == 1

    def test_an_unknown_repo_exits_69_in_one_line(self, sparring: Runner, hub: FakeHub) -> None:
        result = sparring("pull", "hf:nobody/Nothing-GGUF")
        assert result.code == 69
        assert result.stderr.strip().splitlines() == [
            f"sparring: error: no repo nobody/Nothing-GGUF on the Hugging Face hub at {hub.url} "
            "(check OWNER/REPO; a private repo needs a token: set HF_TOKEN)"
        ]

    def test_a_missing_quantisation_exits_69_naming_those_there_are(
        self, sparring: Runner, hub: FakeHub
    ) -> None:
        tiny_repo(hub)
        result = sparring("pull", f"hf:{REPO}:Q2_K")
        assert result.code == 69
        assert "has no GGUF file Q2_K" in result.stderr
        assert "quantisations Q4_K_M, Q4_0, Q8_0, F16" in result.stderr

    def test_an_unreachable_hub_exits_69(self, sparring: Runner) -> None:
        result = sparring("pull", f"hf:{REPO}")  # HF_ENDPOINT is a closed port
        assert result.code == 69
        assert "the Hugging Face hub is not reachable at http://127.0.0.1:9" in result.stderr
        assert "Traceback" not in result.stderr

    def test_hf_hub_offline_is_obeyed(self, sparring: Runner, hub: FakeHub) -> None:
        tiny_repo(hub)
        result = sparring("pull", f"hf:{REPO}", env={"HF_HUB_OFFLINE": "1"})
        assert result.code == 69
        assert "HF_HUB_OFFLINE is set" in result.stderr
        assert hub.log == []

    def test_a_malformed_name_is_a_usage_error(self, sparring: Runner) -> None:
        result = sparring("pull", "hf:just-a-name")
        assert result.code == 2
        assert "write hf:OWNER/REPO" in result.stderr

    def test_a_name_without_hf_still_pulls_from_ollama(
        self, sparring: Runner, ollama_server: FakeOllama
    ) -> None:
        result = sparring("pull", "llama3.2:1b", env={"OLLAMA_HOST": ollama_server.url})
        assert result.code == 0, result.stderr
        assert "pulled llama3.2:1b; use it with -m ollama:llama3.2:1b" in result.stderr


class TestResume:
    def test_a_cut_download_is_resumed_from_the_partial_file_by_a_range_request(
        self, sparring: Runner, hub: FakeHub, sparring_home: Path
    ) -> None:
        # Bigger than one write chunk, so that the cut leaves a chunk on disk.
        content = gguf_bytes(size=CHUNK + CHUNK // 2)
        hub.add("big/Resume-GGUF", {"Resume-Q4_K_M.gguf": FakeFile(content)})
        hub.cut("Resume-Q4_K_M.gguf", after=CHUNK + 1000)

        first = sparring("pull", "hf:big/Resume-GGUF")
        assert first.code == 75
        [error] = [line for line in first.stderr.splitlines() if "error" in line]
        assert "the download of Resume-Q4_K_M.gguf stopped at 10.0 MB of 15.0 MB" in error
        assert "run the same command again: it resumes where it stopped" in error
        folder = models_dir(sparring_home) / "big/Resume-GGUF"
        [partial] = folder.glob("*.part")
        assert partial.stat().st_size == CHUNK
        assert not (folder / "Resume-Q4_K_M.gguf").exists()

        hub.reopen()
        second = sparring("pull", "hf:big/Resume-GGUF")
        assert second.code == 0, second.stderr
        resumed = hub.requests("cdn")[-1]
        assert (resumed.range, resumed.status) == (f"bytes={CHUNK}-", 206)
        assert resumed.body_bytes == len(content) - CHUNK
        assert (folder / "Resume-Q4_K_M.gguf").read_bytes() == content
        assert list(folder.glob("*.part")) == []


class TestChecksum:
    def test_a_file_whose_sha256_is_not_the_hubs_is_refused_and_removed(
        self, sparring: Runner, hub: FakeHub, sparring_home: Path
    ) -> None:
        wrong = hashlib.sha256(b"other content").hexdigest()
        hub.add("bad/Corrupt-GGUF", {"Corrupt-Q4_K_M.gguf": FakeFile(gguf_bytes(), wrong)})
        result = sparring("pull", "hf:bad/Corrupt-GGUF")
        assert result.code == 75
        [error] = [line for line in result.stderr.splitlines() if "error" in line]
        assert error.startswith("sparring: error: Corrupt-Q4_K_M.gguf does not match the hub's ")
        assert f"is not {wrong[:12]}…); the download was removed" in error
        assert error == result.stderr.splitlines()[-1]
        assert files_under(models_dir(sparring_home)) == []

    def test_a_file_kept_in_git_is_checked_by_its_blob_id(
        self, sparring: Runner, hub: FakeHub, sparring_home: Path
    ) -> None:
        hub.add("small/Git-GGUF", {"Git-Q4_K_M.gguf": GitFile(gguf_bytes(size=100))})
        result = sparring("pull", "hf:small/Git-GGUF")
        assert result.code == 0, result.stderr
        assert files_under(models_dir(sparring_home)) == ["small/Git-GGUF/Git-Q4_K_M.gguf"]


GB = 1024**3


def big_repo(hub: FakeHub) -> bytes:
    """A repo whose Q4_K_M the hub says is 2.5 GB; the CDN sends one chunk of it, then stalls."""
    content = gguf_bytes(size=CHUNK + 100)
    hub.add(
        "big/Large-GGUF", {"Large-Q4_K_M.gguf": FakeFile(content, advertised_size=int(2.5 * GB))}
    )
    hub.stall("Large-Q4_K_M.gguf", after=CHUNK + 100)
    return content


class TestSizeQuestion:
    def test_without_a_terminal_a_multi_gb_download_is_refused_unless_yes(
        self, sparring: Runner, hub: FakeHub, sparring_home: Path
    ) -> None:
        big_repo(hub)
        result = sparring("pull", "hf:big/Large-GGUF")
        assert result.code == 2
        assert result.stderr.strip().splitlines()[-1] == (
            "sparring: error: not downloading 2.5 GB without confirmation, and there is no "
            "terminal to ask on (pass --yes to download it)"
        )
        assert hub.requests("cdn") == []
        assert files_under(models_dir(sparring_home)) == []

    def test_yes_downloads_without_asking_and_ctrl_c_keeps_what_came(
        self, hub: FakeHub, sparring_home: Path
    ) -> None:
        big_repo(hub)
        process = subprocess.Popen(
            [sys.executable, "-m", "sparring", "pull", "hf:big/Large-GGUF", "--yes"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # no terminal: a question would be refused, not asked
        )
        try:
            folder = models_dir(sparring_home) / "big/Large-GGUF"
            wait_until(lambda: any(p.stat().st_size == CHUNK for p in folder.glob("*.part")))
            process.send_signal(signal.SIGINT)
            stdout, stderr = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        OUTPUTS.append((stdout + stderr).decode())
        assert process.returncode == 130
        assert stderr.decode().splitlines()[-1] == (
            "sparring: error: interrupted; the part of Large-Q4_K_M downloaded so far is kept "
            "(run the same command again to resume)"
        )
        [partial] = folder.glob("*.part")
        assert partial.stat().st_size == CHUNK

    def test_on_a_terminal_the_size_is_asked_and_no_downloads_nothing(
        self, hub: FakeHub, terminal: TerminalFactory, sparring_home: Path
    ) -> None:
        big_repo(hub)
        screen = terminal(sparring_command("pull", "hf:big/Large-GGUF"), hub_env(hub))
        screen.wait_for(lambda text: "Download Large-Q4_K_M (2.5 GB) from big/Large-GGUF?" in text)
        screen.keys("n", "Enter")
        shown = screen.wait_for(lambda text: "EXITED" in text)
        assert "nothing was downloaded" in shown and "EXITED 2" in shown
        assert hub.requests("cdn") == []

    def test_on_a_terminal_yes_starts_the_download(
        self, hub: FakeHub, terminal: TerminalFactory
    ) -> None:
        big_repo(hub)
        screen = terminal(sparring_command("pull", "hf:big/Large-GGUF"), hub_env(hub))
        screen.wait_for(lambda text: "[y/N]" in text)
        screen.keys("y", "Enter")
        wait_until(lambda: len(hub.requests("cdn")) == 1)
        assert hub.requests("cdn")[0].range is None


def hub_env(hub: FakeHub) -> dict[str, str]:
    names = ("HF_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "LLAMA_CACHE")
    return {"HF_ENDPOINT": hub.url, **{name: os.environ[name] for name in names}}


def listing(*paths: str) -> Listing:
    return Listing("o/r", "c" * 40, tuple(HubFile(p, 100, "a" * 64, None) for p in paths))


class TestChoice:
    def test_q4_k_m_comes_first(self) -> None:
        files = listing("M-Q8_0.gguf", "M-Q4_0.gguf", "M-Q4_K_M.gguf", "M-Q5_K_M.gguf")
        assert choose(files, None).stem == "M-Q4_K_M"

    def test_then_q4_k_s_then_q5_k_m_then_q4_0_then_q8_0(self) -> None:
        order = ["M-Q4_K_S.gguf", "M-Q5_K_M.gguf", "M-Q4_0.gguf", "M-Q8_0.gguf", "M-F16.gguf"]
        for index, expected in enumerate(order):
            assert choose(listing(*order[index:]), None).files[0].path == expected

    def test_lower_case_names_and_dotted_tags_are_read(self) -> None:
        files = listing("model.Q8_0.gguf", "qwen2.5-7b-instruct-q4_k_m.gguf")
        assert choose(files, None).stem == "qwen2.5-7b-instruct-q4_k_m"

    def test_a_projector_is_never_picked(self) -> None:
        assert choose(listing("mmproj-M-Q4_K_M.gguf", "M-Q8_0.gguf"), None).stem == "M-Q8_0"
        with pytest.raises(UsageError, match="multimodal projector"):
            choose(listing("mmproj-M-Q4_K_M.gguf", "M-Q8_0.gguf"), "mmproj-M-Q4_K_M.gguf")

    def test_the_parts_of_a_split_model_come_together_in_order(self) -> None:
        files = listing("M-Q4_K_M-00002-of-00002.gguf", "M-Q4_K_M-00001-of-00002.gguf")
        choice = choose(files, None)
        assert [file.path for file in choice.files] == [
            "M-Q4_K_M-00001-of-00002.gguf",
            "M-Q4_K_M-00002-of-00002.gguf",
        ]

    def test_a_split_model_missing_a_part_is_refused(self) -> None:
        with pytest.raises(ModelNotFound, match="some are missing"):
            choose(listing("M-Q4_K_M-00001-of-00003.gguf", "M-Q4_K_M-00003-of-00003.gguf"), None)

    def test_one_file_of_unknown_quantisation_is_taken_but_several_must_be_named(self) -> None:
        assert choose(listing("model.gguf"), None).stem == "model"
        with pytest.raises(UsageError, match="none is named by a usual quantisation") as refused:
            choose(listing("a.gguf", "b.gguf"), None)
        assert refused.value.hint == "name one: sparring pull hf:o/r:FILE (files a.gguf, b.gguf)"

    def test_a_repo_without_gguf_files_is_refused(self) -> None:
        with pytest.raises(ModelNotFound, match="holds no GGUF model file"):
            choose(listing("model.safetensors", "README.md"), None)
