"""A long draft in parts that fit the model's window: at headings, then paragraphs, then
sentences; nothing of the draft left out."""

from __future__ import annotations

import re

import pytest

from fakes import FakeOllama, OllamaModel
from sparring import engine, prompts, sections
from sparring.config import Config, Endpoint, LocalSettings, ModelSettings
from sparring.providers.scripted import Script, ScriptedFactory
from sparring.sessions.model import Context, Reply, Session, Turn
from sparring.sessions.turns import section_turns


def long_draft(sections_count: int = 6, paragraphs: int = 5, words: int = 80) -> str:
    parts = []
    for number in range(1, sections_count + 1):
        body = "\n\n".join(
            " ".join(f"s{number}p{paragraph}w{word}" for word in range(words)) + "."
            for paragraph in range(paragraphs)
        )
        parts.append(f"## Section {number}\n\n{body}\n\n")
    return "Lead paragraph before any heading.\n\n" + "".join(parts)


class TestSplitting:
    def test_a_draft_that_fits_is_one_part(self) -> None:
        [part] = sections.split("# Title\n\nShort.\n", budget=1000)
        assert (part.number, part.total, part.text) == (1, 1, "# Title\n\nShort.\n")

    @pytest.mark.parametrize("budget", [120, 400, 900, 2500])
    def test_every_part_fits_and_nothing_is_left_out(self, budget: int) -> None:
        draft = long_draft()
        parts = sections.split(draft, budget)
        assert "".join(part.text for part in parts) == draft
        assert all(draft[part.start :].startswith(part.text) for part in parts)
        assert all(sections.tokens(part.text) <= budget for part in parts)
        assert [part.number for part in parts] == list(range(1, len(parts) + 1))
        assert {part.total for part in parts} == {len(parts)}

    def test_parts_are_cut_at_headings_when_sections_fit(self) -> None:
        draft = long_draft(sections_count=3, paragraphs=2, words=40)
        section = sections.tokens(draft) // 3
        parts = sections.split(draft, budget=section + 40)
        assert all(part.text.lstrip().startswith(("## Section", "Lead")) for part in parts)
        assert "Section 2" in parts[1].title or "Section 2" in parts[0].title

    def test_a_section_too_long_is_cut_at_paragraphs_and_says_which_piece(self) -> None:
        draft = long_draft(sections_count=1, paragraphs=6, words=60)
        parts = sections.split(draft, budget=250)
        titled = [part.title for part in parts if part.title]
        assert titled and all(title.startswith("Section 1 (") for title in titled)
        assert all(part.text.endswith(("\n\n", ".", "\n")) for part in parts)

    def test_one_endless_paragraph_is_cut_at_sentences(self) -> None:
        draft = " ".join(f"Sentence number {n} is here." for n in range(300))
        parts = sections.split(draft, budget=200)
        assert len(parts) > 1
        assert "".join(part.text for part in parts) == draft
        assert all(draft[part.start :].startswith(part.text) for part in parts)
        assert all(part.text.rstrip().endswith(".") for part in parts)

    def test_small_sections_are_run_together(self) -> None:
        draft = "".join(f"# Head {n}\n\nA line.\n\n" for n in range(1, 7))
        parts = sections.split(draft, budget=20)
        assert 1 < len(parts) < 6
        assert "…" in parts[0].title or ";" in parts[0].title

    def test_a_part_is_labelled_by_place_and_title(self) -> None:
        assert sections.Part(2, 5, "The costs", "").label == "2/5 The costs"
        assert sections.Part(1, 5, "", "").label == "1/5"


class TestTheRoom:
    """How much draft a model takes is asked before anything is sent."""

    async def test_the_embedded_models_room_is_its_window_less_the_answer(self) -> None:
        config = Config(local=LocalSettings(n_ctx=4096, max_tokens=512))
        assert await engine.prompt_room(["local"], config) == 4096 - 512

    async def test_ollamas_room_comes_from_api_show(self) -> None:
        # /api/show's model_info "<family>.context_length" (docs/api.md, "Show Model
        # Information"): sparring asks for a num_ctx up to it.
        model = OllamaModel("smollm2:135m", "llama", ("completion",), 8192, "135M")
        server = FakeOllama(models=(model,)).start()
        try:
            config = Config(endpoints={}, max_tokens=1024)
            with pytest.MonkeyPatch.context() as patch:
                patch.setenv("OLLAMA_HOST", server.url)
                room = await engine.prompt_room(["ollama:smollm2:135m"], config)
        finally:
            server.stop()
        assert room == 8192 - 1024

    async def test_a_configured_window_is_taken_at_its_word_and_the_smallest_wins(self) -> None:
        config = Config(
            models={"groq:big": ModelSettings(context=2048)},
            local=LocalSettings(n_ctx=4096, max_tokens=512),
            max_tokens=1024,
        )
        assert await engine.prompt_room(["local", "groq:big"], config) == 2048 - 1024

    async def test_a_server_that_cannot_be_asked_gives_no_room(self) -> None:
        config = Config(endpoints={"lan": Endpoint(name="lan", base_url="http://127.0.0.1:9/v1")})
        assert await engine.prompt_room(["lan:m"], config) is None


class TestSectionTurns:
    def test_a_draft_that_fits_is_one_turn_on_the_whole(self) -> None:
        prompt = prompts.get("counter")
        [turn] = section_turns(prompt, "A short draft.", ["local"], room=3000)
        assert (turn.part, turn.parts, turn.section) == (0, 0, "")

    def test_a_long_draft_is_one_turn_a_part_each_with_its_section(self) -> None:
        prompt = prompts.get("counter")
        draft = long_draft()
        turns = section_turns(prompt, draft, ["local"], room=1200)
        assert len(turns) > 1
        assert [turn.part for turn in turns] == list(range(1, len(turns) + 1))
        assert all(turn.parts == len(turns) and turn.anchor for turn in turns)
        assert all(sections.tokens(turn.system + turn.user) <= 1200 for turn in turns)
        # Every word of the draft is sent, once.
        words = re.findall(r"s\d+p\d+w\d+", draft)
        sent = [word for turn in turns for word in re.findall(r"s\d+p\d+w\d+", turn.user)]
        assert sent == words and len(words) == 6 * 5 * 80
        assert "Section 3" in " ".join(turn.section for turn in turns)

    def test_an_unknown_room_sends_the_whole(self) -> None:
        [turn] = section_turns(prompts.get("counter"), long_draft(), ["x"], room=None)
        assert turn.parts == 0


async def test_items_carry_their_parts_section() -> None:
    turn = Turn(
        task="counter",
        user="u",
        output="list",
        part=2,
        parts=3,
        section="Costs",
        replies=[Reply("a")],
    )
    session = Session(context=Context("draft"), turns=[turn])
    factory = ScriptedFactory({"a": Script(["1. Who pays?\n"])})
    await engine.run_turn(session, turn, Config(aliases={"a": "local"}), backend_factory=factory)
    assert [item.section for item in turn.replies[0].items] == ["Costs"]
