"""Tiny GGUF files for tests: a valid header, no tensors, padded to the size asked for.

The header follows the GGUF spec (ggml's docs/gguf.md), version 3: magic,
version, tensor count, metadata count, then key/type/value triples. A
tokenizer array and an integer array come before `<arch>.context_length`, as
llama.cpp writes general.* keys first but other converters do not, so a
reader must skip arrays of strings and of numbers to get there.
"""

from __future__ import annotations

import struct
from pathlib import Path

_UINT32, _STRING, _ARRAY = 4, 8, 9


def gguf_bytes(
    *,
    architecture: str = "qwen3",
    context_length: int = 40960,
    size: int = 4096,
    order: str = "<",
) -> bytes:
    """A GGUF v3 file of at least `size` bytes whose header says `architecture` and
    `context_length`; `order` ">" writes it big-endian."""

    def string(text: str) -> bytes:
        data = text.encode()
        return struct.pack(order + "Q", len(data)) + data

    def pair(key: str, kind: int, value: bytes) -> bytes:
        return string(key) + struct.pack(order + "I", kind) + value

    tokens = ["<|im_start|>", "hello", "wörld", ""]
    pairs = [
        pair("general.architecture", _STRING, string(architecture)),
        pair("general.name", _STRING, string("Tiny Test Model")),
        pair(
            "tokenizer.ggml.tokens",
            _ARRAY,
            struct.pack(order + "IQ", _STRING, len(tokens)) + b"".join(map(string, tokens)),
        ),
        pair(
            "tokenizer.ggml.token_type",
            _ARRAY,
            struct.pack(order + "IQ", _UINT32, 4) + struct.pack(order + "4I", 1, 1, 1, 3),
        ),
        pair(f"{architecture}.context_length", _UINT32, struct.pack(order + "I", context_length)),
        pair(f"{architecture}.embedding_length", _UINT32, struct.pack(order + "I", 64)),
    ]
    header = b"GGUF" + struct.pack(order + "IQQ", 3, 0, len(pairs)) + b"".join(pairs)
    return header + b"\0" * max(0, size - len(header))


def write_gguf(path: Path, **kwargs: int | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gguf_bytes(**kwargs))  # type: ignore[arg-type]
    return path


def hf_cache_file(cache: Path, repo_id: str, filename: str, **kwargs: int | str) -> Path:
    """`filename` of `repo_id` as huggingface_hub caches it: a blob, and a symlink to it in
    snapshots/COMMIT/ (file_download.py's docstring draws this layout)."""
    import hashlib

    data = gguf_bytes(**kwargs)  # type: ignore[arg-type]
    folder = cache / f"models--{repo_id.replace('/', '--')}"
    blob = folder / "blobs" / hashlib.sha256(data).hexdigest()
    blob.parent.mkdir(parents=True, exist_ok=True)
    blob.write_bytes(data)
    commit = hashlib.sha1(repo_id.encode()).hexdigest()
    (folder / "refs").mkdir(exist_ok=True)
    (folder / "refs" / "main").write_text(commit)
    link = folder / "snapshots" / commit / filename
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(Path("../" * (len(Path(filename).parts) + 1)) / "blobs" / blob.name)
    return link
