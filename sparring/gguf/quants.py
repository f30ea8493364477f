"""GGUF file names: which quantisation, which model, which parts of a split one.

A GGUF repo holds one model in many quantisations (`Qwen3-4B-Q4_K_M.gguf`,
`...-Q8_0.gguf`), sometimes a vision projector (`mmproj-...gguf`) and
sometimes a model split by llama.cpp's gguf-split into parts named
`PREFIX-00001-of-00003.gguf`; llama.cpp loads such a model from its first
part when the others lie beside it. The same rules pick a file when
`sparring pull hf:OWNER/REPO` names none and when `local:OWNER/REPO` names a
repo that holds several.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

#: Quantisations in the order a writer on a laptop wants them: Q4_K_M is the usual
#: balance of size and quality; smaller ones lose much, bigger ones cost memory.
PREFERRED = (
    "Q4_K_M",
    "Q4_K_S",
    "Q5_K_M",
    "Q4_0",
    "Q8_0",
    "Q5_K_S",
    "Q5_0",
    "Q6_K",
    "IQ4_XS",
    "IQ4_NL",
    "Q4_1",
    "Q3_K_L",
    "Q3_K_M",
    "Q3_K_S",
    "Q2_K",
    "BF16",
    "F16",
    "F32",
)

_SPLIT = re.compile(r"^(?P<prefix>.+)-(?P<index>\d{5})-of-(?P<count>\d{5})\.gguf$", re.IGNORECASE)
_QUANT = re.compile(r"(?<![A-Za-z0-9])(I?Q\d(?:_[A-Z0-9]+)*|BF16|F16|F32)(?![A-Za-z0-9])", re.I)


@dataclass(frozen=True)
class ModelFiles:
    """One model: a GGUF file, or the parts of a split one (first part first)."""

    stem: str
    paths: tuple[str, ...]
    #: False for a split model some of whose parts are missing: llama.cpp cannot load it.
    complete: bool = True

    @property
    def first(self) -> str:
        return self.paths[0]

    @property
    def quant(self) -> str | None:
        return quant_of(self.stem)


def split_part(filename: str) -> tuple[str, int, int] | None:
    """(prefix, part number, part count) for a part of a split GGUF, else None."""
    found = _SPLIT.match(PurePosixPath(filename).name)
    if found is None:
        return None
    return found["prefix"], int(found["index"]), int(found["count"])


def model_stem(filename: str) -> str:
    """The model's name in a file name: no folder, no `.gguf`, no `-00001-of-00003`."""
    part = split_part(filename)
    if part is not None:
        return part[0]
    name = PurePosixPath(filename).name
    return name[: -len(".gguf")] if name.lower().endswith(".gguf") else name


def quant_of(name: str) -> str | None:
    """The quantisation a file or model name ends with (`Q4_K_M`), upper-cased, if any."""
    found = _QUANT.findall(model_stem(name))
    return found[-1].upper() if found else None


def is_projector(filename: str) -> bool:
    """A multimodal projector (`mmproj-*.gguf`): it goes with a model, it is not one."""
    return "mmproj" in PurePosixPath(filename).name.lower()


def group_models(filenames: Iterable[str]) -> list[ModelFiles]:
    """The models among GGUF file names (POSIX-style paths): split parts grouped, projectors
    left out, in name order."""
    singles: list[ModelFiles] = []
    splits: dict[tuple[str, str], list[tuple[int, str]]] = {}
    counts: dict[tuple[str, str], int] = {}
    for filename in filenames:
        if not filename.lower().endswith(".gguf") or is_projector(filename):
            continue
        part = split_part(filename)
        if part is None:
            singles.append(ModelFiles(model_stem(filename), (filename,)))
            continue
        key = (str(PurePosixPath(filename).parent), part[0])
        splits.setdefault(key, []).append((part[1], filename))
        counts[key] = max(counts.get(key, 0), part[2])
    for key, parts in splits.items():
        parts.sort()
        numbers = [number for number, _ in parts]
        complete = numbers == list(range(1, counts[key] + 1))
        singles.append(ModelFiles(key[1], tuple(name for _, name in parts), complete))
    return sorted(singles, key=lambda model: model.first)


def rank(quant: str | None) -> int:
    """Where a quantisation stands in PREFERRED; unknown ones after all known ones."""
    return PREFERRED.index(quant) if quant in PREFERRED else len(PREFERRED)


def preferred(models: list[ModelFiles]) -> ModelFiles | None:
    """The model to take when none is named: the best-ranked quantisation, then the shortest
    name; the only one when there is one; None when several have no known quantisation."""
    if len(models) == 1:
        return models[0]
    known = [model for model in models if rank(model.quant) < len(PREFERRED)]
    if not known:
        return None
    return min(known, key=lambda model: (rank(model.quant), len(model.stem), model.first))
