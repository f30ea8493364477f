"""The metadata at the head of a GGUF file, read without llama.cpp.

`sparring models` shows each file's context length, which lives in the
header as `<architecture>.context_length`. Loading the file with llama-cpp-python
(even `vocab_only=True`) maps the whole model and takes seconds; the header
is a few hundred bytes before the tokenizer's arrays, so it is parsed here
with `struct`, following the GGUF spec (ggml's docs/gguf.md):

    magic "GGUF" | version u32 | tensor_count u64 | metadata_kv_count u64
    then each pair: key (u64 length + UTF-8) | value type u32 | value

Value types 0-12 are u8 i8 u16 i16 u32 i32 f32 bool string array u64 i64
f64; an array is an element type u32, a count u64, then the elements.
Little-endian unless the file was written big-endian (the version then reads
byte-swapped). Version 1 (u32 counts, 2023) is not read: llama.cpp no longer
loads it either. Reading stops as soon as the architecture and its context
length are known, so the multi-megabyte tokenizer arrays are never walked in
a file written in llama.cpp's usual order.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MAGIC = b"GGUF"

#: Bytes of a fixed-size value of each type (strings and arrays are sized as read).
_FIXED = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_FORMATS = {
    **{0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?"},
    **{10: "Q", 11: "q", 12: "d"},
}
_STRING = 8
_ARRAY = 9

# Bounds that only a damaged or hostile file exceeds: reading stops with an error instead.
_MAX_PAIRS = 1_000_000
_MAX_STRING = 64 * 1024 * 1024
_MAX_DEPTH = 4


class NotGguf(ValueError):
    """The file is not a GGUF file sparring can read the header of."""


@dataclass(frozen=True)
class GgufInfo:
    architecture: str | None
    context_length: int | None


def read_info(path: Path) -> GgufInfo:
    """The architecture and context length in the header of the GGUF file at `path`."""
    try:
        with path.open("rb") as handle:
            return _Reader(handle).info()
    except (struct.error, UnicodeDecodeError, OverflowError) as error:
        raise NotGguf(f"{path}: damaged GGUF header ({error})") from None


class _Reader:
    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.order = "<"

    def info(self) -> GgufInfo:
        if self.handle.read(4) != MAGIC:
            raise NotGguf("no GGUF magic")
        version = self._unpack("I")
        if version > 0xFFFF:  # written big-endian: the version reads byte-swapped
            self.order = ">"
            version = struct.unpack(">I", struct.pack("<I", version))[0]
        if version not in (2, 3):
            raise NotGguf(f"GGUF version {version} is not read (2 and 3 are)")
        self._unpack("Q")  # tensor count
        pairs = self._unpack("Q")
        if pairs > _MAX_PAIRS:
            raise NotGguf(f"{pairs} metadata pairs")
        architecture: str | None = None
        context_lengths: dict[str, int] = {}
        for _ in range(pairs):
            key = self._string()
            kind = self._unpack("I")
            if key == "general.architecture" and kind == _STRING:
                architecture = self._string()
            elif key.endswith(".context_length") and kind in _FORMATS:
                context_lengths[key] = int(self._value(kind))
            else:
                self._skip(kind, depth=0)
            if architecture and f"{architecture}.context_length" in context_lengths:
                break
        length = context_lengths.get(f"{architecture}.context_length") if architecture else None
        return GgufInfo(architecture, length)

    def _unpack(self, code: str) -> int:
        size = struct.calcsize(code)
        data = self.handle.read(size)
        if len(data) != size:
            raise NotGguf("the header ends early")
        value: int = struct.unpack(self.order + code, data)[0]
        return value

    def _value(self, kind: int) -> int | float | bool:
        data = self.handle.read(_FIXED[kind])
        if len(data) != _FIXED[kind]:
            raise NotGguf("the header ends early")
        value: int | float | bool = struct.unpack(self.order + _FORMATS[kind], data)[0]
        return value

    def _string(self) -> str:
        length = self._unpack("Q")
        if length > _MAX_STRING:
            raise NotGguf(f"a string of {length} bytes")
        data = self.handle.read(length)
        if len(data) != length:
            raise NotGguf("the header ends early")
        return data.decode("utf-8")

    def _skip(self, kind: int, depth: int) -> None:
        if kind in _FIXED:
            self._seek(_FIXED[kind])
        elif kind == _STRING:
            self._seek(self._unpack("Q"))
        elif kind == _ARRAY:
            if depth >= _MAX_DEPTH:
                raise NotGguf("arrays nested too deep")
            element = self._unpack("I")
            count = self._unpack("Q")
            if element in _FIXED:
                self._seek(_FIXED[element] * count)
            else:
                for _ in range(count):
                    self._skip(element, depth + 1)
        else:
            raise NotGguf(f"unknown value type {kind}")

    def _seek(self, count: int) -> None:
        if count > _MAX_STRING * 16:
            raise NotGguf(f"a value of {count} bytes")
        self.handle.seek(count, 1)
