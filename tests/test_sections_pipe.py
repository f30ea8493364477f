"""`--sections` in pipe mode: a draft longer than the model's window, asked part by part, each
item under its part with the passage it quoted, in the text output, `--json` and `export`.

The window is Ollama's own, from /api/show's model_info "<family>.context_length"
(docs/api.md, "Show Model Information"), which the fake reports as the real server does.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes import FakeOllama, OllamaModel, Reply
from helpers import Runner, saved_sessions

MODEL = "ollama:smollm2:135m"
ARGS = ("counter", "-m", MODEL, "--free", "--max-tokens", "256")
#: The sentence every section says: each part's item is pinned in its own part.
SAID_EVERYWHERE = "The council has not counted the cost."
TOPICS = ["parking", "buses", "bollards", "deliveries"]
#: One point a part, each unlike the others (a point that folds into an earlier one is
#: not printed again).
POINTS = [
    "Shops lose trade before anyone measures it",
    "Residents with permits are never counted",
    "Ambulances need a route nobody drew",
    "Summer tourists change every figure",
    "Night deliveries wake the neighbours",
    "Snow closes the bicycle lanes",
    "The election decides more than the survey",
    "Parking at the edge fills by nine",
]


def draft() -> str:
    sections = []
    for number, topic in enumerate(TOPICS, start=1):
        body = " ".join(f"Fact {k} about {topic} in section {number} is plain." for k in range(45))
        sections.append(f"## About {topic}\n\n{body}\n\n{SAID_EVERYWHERE}\n\n")
    return "Why the centre should close to cars.\n\n" + "".join(sections)


def answer(part: int) -> Reply:
    return Reply(
        chunks=[
            f'1. "{SAID_EVERYWHERE}" - {POINTS[part - 1]}\n',
            '2. "Bicycles fly over the river at dawn" - An invented claim\n',
            f'3. "{SAID_EVERYWHERE}" - Who pays for {"it" if part < 3 else "it?"}\n',
        ]
    )


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    small = OllamaModel("smollm2:135m", "llama", ("completion",), 2048, "135M")
    with FakeOllama(models=(small, "qwen3:4b")) as server:
        server.script(*(answer(part) for part in range(1, 9)))
        yield server


def env(server: FakeOllama) -> dict[str, str]:
    return {"OLLAMA_HOST": server.url}


def parts_sent(server: FakeOllama) -> list[str]:
    return [request.body["messages"][-1]["content"] for request in server.chat_requests]


class TestTheTextOutput:
    def test_every_part_is_asked_and_printed_under_its_heading(
        self, sparring: Runner, ollama: FakeOllama, sparring_home: Path
    ) -> None:
        text = draft()
        result = sparring(*ARGS, "--sections", input=text, env=env(ollama))
        assert result.code == 0, result.stderr
        sent = parts_sent(ollama)
        total = len(sent)
        assert total >= 2
        # Nothing of the draft is dropped: every paragraph went out in some part.
        for paragraph in text.split("\n\n"):
            if paragraph.strip():
                assert any(paragraph.strip() in part for part in sent), paragraph[:40]
        headings = re.findall(r"^## Part (\d+)/(\d+)", result.stdout, re.MULTILINE)
        assert headings == [(str(n), str(total)) for n in range(1, total + 1)]
        assert [f"part {n}/{total}" in result.stderr for n in range(1, total + 1)] == [True] * total
        # Each item is followed by its passage and where it is; each part's is its own. "Who
        # pays for it" is said in every part and printed once, in the first.
        pins = re.findall(
            r'^   ¶(\d+) "The council has not counted the cost\."$', result.stdout, re.M
        )
        assert len(pins) == total + 1 and len(set(pins)) == total
        assert result.stdout.count("Who pays for it") == 1
        assert result.stdout.count('unanchored "Bicycles fly over the river at dawn"') == 1
        assert "ideas that an earlier part had already were folded" in result.stderr

    def test_the_session_keeps_which_part_each_answer_came_from(
        self, sparring: Runner, ollama: FakeOllama, sparring_home: Path
    ) -> None:
        assert sparring(*ARGS, "--sections", input=draft(), env=env(ollama)).code == 0
        [path] = saved_sessions(sparring_home)
        saved = tomllib.loads(path.read_text())
        turns = saved["turns"]
        assert len(turns) >= 2
        assert [turn["part"] for turn in turns] == list(range(1, len(turns) + 1))
        assert {turn["parts"] for turn in turns} == {len(turns)}
        for turn in turns:
            [reply] = turn["replies"]
            assert reply["status"] == "ok"
            assert {item["section"] for item in reply["items"]} == {turn["section"]}
        covered = " ".join(turn["section"] for turn in turns)
        first, last = (f"About {TOPICS[0]}", f"About {TOPICS[-1]}")
        assert first in covered and last in covered

        export = sparring("export", saved["id"], env=env(ollama))
        assert export.code == 0, export.stderr
        for number in range(1, len(turns) + 1):
            assert f"counter · part {number}/{len(turns)}" in export.stdout
        assert export.stdout.count("*¶") >= len(turns)
        assert '*unanchored "Bicycles fly over the river at dawn"*' in export.stdout


class TestTwoModels:
    def test_each_part_has_each_models_answer_and_the_smaller_window_decides(
        self, sparring: Runner, ollama: FakeOllama
    ) -> None:
        big = "ollama:qwen3:4b"  # the fake's default: a 40,960-token window
        result = sparring(*ARGS, "--vs", big, "--sections", input=draft(), env=env(ollama))
        assert result.code == 0, result.stderr
        parts = re.findall(r"^## Part (\d+)/(\d+) .*· (\S+)$", result.stdout, re.MULTILINE)
        total = len(parts) // 2
        assert total >= 2
        assert sorted(parts) == sorted(
            (str(n), str(total), model) for n in range(1, total + 1) for model in (MODEL, big)
        )


class TestJson:
    def test_one_document_with_every_part_and_the_items_folded_across_them(
        self, sparring: Runner, ollama: FakeOllama
    ) -> None:
        result = sparring(*ARGS, "--sections", "--json", input=draft(), env=env(ollama))
        assert result.code == 0, result.stderr
        document = json.loads(result.stdout)
        parts = document["sections"]
        assert len(parts) >= 2
        assert [part["part"] for part in parts] == list(range(1, len(parts) + 1))
        for part in parts:
            [reply] = part["replies"]
            assert {item["section"] for item in reply["items"]} == {part["section"]}
        folded = document["items"][MODEL]
        texts = [item["text"] for item in folded]
        # "Who pays for it" in parts 1 and 2 (and "it?" later) is one idea, in every part.
        [who_pays] = [item for item in folded if item["text"].startswith("Who pays")]
        assert who_pays["count"] == len(parts)
        assert who_pays["sections"] == [part["section"] for part in parts]
        assert [text for text in texts if text in POINTS] == POINTS[: len(parts)]
        assert who_pays["anchor"]["paragraph"] >= 1


class TestWithoutSections:
    def test_a_draft_too_long_is_refused_with_the_way_through(
        self, sparring: Runner, ollama: FakeOllama
    ) -> None:
        result = sparring(*ARGS, input=draft(), env=env(ollama))
        assert result.code == 65
        assert "--sections" in result.stderr
        assert ollama.chat_requests == []

    def test_a_draft_that_fits_is_sent_whole_and_said_so(
        self, sparring: Runner, ollama: FakeOllama
    ) -> None:
        result = sparring(*ARGS, "--sections", input="A short draft.\n", env=env(ollama))
        assert result.code == 0, result.stderr
        assert "fits the model's window" in result.stderr
        assert len(ollama.chat_requests) == 1
        assert "## Part" not in result.stdout
