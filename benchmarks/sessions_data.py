"""Generated data for the sessions benchmark: 10,000 session files and 200-item answers.

Every session is written by sparring's own `to_toml`, so the files are
exactly what sparring writes: a draft of a few paragraphs, one task turn
with two replies of ten items each. A rare word, `RARE`, is in the title of
a few of them, so a search has something to find among everything else.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sparring.items import Item
from sparring.sessions.model import Context, Reply, Session, Turn
from sparring.sessions.toml_format import to_toml

RARE = "zeppelin"
WITH_RARE = (17, 4_321, 9_876)
VOCABULARY = (
    *("trees", "shade", "city", "street", "council", "summer", "heat", "cool", "plant"),
    *("canopy", "park", "green", "air", "walk", "shops", "money", "budget", "future"),
    *("children", "water", "roots", "birds", "river", "bridge", "market", "school"),
    *("library", "bus", "bike", "rain", "storm", "flood", "garden", "roof", "wall"),
    *("square", "night", "light", "noise"),
)


def sentence(rng: random.Random, low: int = 6, high: int = 14) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(low, high))).capitalize()


def answer_lines(rng: random.Random, count: int) -> list[str]:
    """A list answer as a small model writes one: a quarter are near-repeats."""
    lines: list[str] = []
    for index in range(count):
        if index % 4 == 3:
            lines.append(rng.choice(lines).replace(" the ", " our ", 1) + "!")
        else:
            lines.append(sentence(rng, 4, 9))
    return lines


def numbered(lines: list[str]) -> str:
    return "\n".join(f"{number}. {line}" for number, line in enumerate(lines, start=1))


def session(index: int, rng: random.Random, created: datetime) -> Session:
    draft = "\n\n".join(sentence(rng, 20, 40) + "." for _ in range(4))
    title_words = sentence(rng, 4, 7)
    if index in WITH_RARE:
        title_words += f" {RARE}"
    replies = []
    for model in ("local", "anthropic:claude-opus-4-1"):
        lines = answer_lines(rng, 10)
        replies.append(
            Reply(
                model=model,
                backend=model,
                location="local" if model == "local" else "cloud",
                status="ok",
                text=numbered(lines),
                items=[Item(line) for line in lines],
                input_tokens=420,
                output_tokens=130,
                ttft=0.3,
                seconds=2.1,
                cost=0.0,
                started=created.isoformat(timespec="seconds"),
            )
        )
    stamp = created.isoformat(timespec="seconds")
    turn = Turn(
        task="headlines",
        user=draft,
        system="You are a sharp editor.",
        output="list",
        replies=replies,
        created=stamp,
    )
    return Session(
        id=f"{index:08x}",
        created=stamp,
        title=f"headlines: {title_words}",
        context=Context(draft, ["draft.md"]),
        turns=[turn],
    )


def write_sessions(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261123)
    newest = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    for index in range(count):
        item = session(index, rng, newest - timedelta(minutes=17 * index))
        (folder / item.file_name()).write_text(to_toml(item), encoding="utf-8")


def two_answers(count: int = 200) -> tuple[str, str]:
    """Two list answers of `count` items that share about a third of their ideas."""
    rng = random.Random(200)
    left = answer_lines(rng, count)
    right = [line if index % 3 == 0 else sentence(rng, 4, 9) for index, line in enumerate(left)]
    rng.shuffle(right)
    return numbered(left), numbered(right)
