"""Honesty about the model: the draft's language, what a model cannot do, how many items came."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes import FakeOllama, OllamaModel
from fakes import Reply as Scripted
from helpers import REPO, Runner, write_config
from sparring import engine
from sparring.config import Config, ModelSettings
from sparring.figures import item_summary
from sparring.fitness import notes
from sparring.items import Item
from sparring.language import detect
from sparring.providers import resolve
from sparring.providers.scripted import Script, ScriptedFactory
from sparring.sessions.model import Context, Reply, Session, Turn

SWEDISH = (REPO / "tests" / "data" / "draft-sv.md").read_text()
ENGLISH = (REPO / "tests" / "data" / "draft.md").read_text()


class TestLanguage:
    """A stop-word count told all six study drafts' languages apart (small-models.md)."""

    def test_the_drafts_languages_are_recognised(self) -> None:
        assert (detect(ENGLISH), detect(SWEDISH)) == ("en", "sv")

    @pytest.mark.parametrize(
        ("text", "code"),
        [
            ("Die Stadt will auf jeder Straße Bäume pflanzen, und das ist nicht billig.", "de"),
            ("Kommunen vil plante træer i alle gader, og det er ikke gratis for borgerne.", "da"),
            ("La ville veut planter des arbres dans les rues, et ce n'est pas gratuit.", "fr"),
        ],
    )
    def test_other_languages_are_recognised(self, text: str, code: str) -> None:
        assert detect(text) == code

    def test_too_little_text_is_not_guessed(self) -> None:
        assert detect("Trees!") is None


def embedded(config: Config | None = None) -> list[str]:
    return notes(resolve("local", config or Config()), "headlines", "sv", config or Config())


class TestWhatAModelCannotDo:
    def test_a_swedish_draft_on_the_embedded_model_gets_a_note(self) -> None:
        [note] = embedded()
        assert "looks Swedish" in note and "English only" in note and "larger model" in note

    def test_a_model_configured_as_handling_swedish_gets_none(self) -> None:
        config = Config(models={"local": ModelSettings(languages=("en", "sv"))})
        assert embedded(config) == []

    def test_counter_on_the_embedded_model_says_what_to_expect(self) -> None:
        [note] = notes(resolve("local", Config()), "counter", "en", Config())
        assert "can't judge an argument" in note

    def test_a_model_sparring_knows_nothing_about_gets_no_note(self) -> None:
        assert notes(resolve("ollama:qwen3:4b", Config()), "counter", "sv", Config()) == []


class TestInPipeMode:
    @pytest.fixture
    def smollm(self) -> FakeOllama:
        # Ollama serves SmolLM2 too; the note goes by the model's name.
        model = OllamaModel("smollm2:135m", "llama", ("completion",), 8192, "135M")
        server = FakeOllama(models=(model,)).start()
        yield server  # type: ignore[misc]
        server.stop()

    def test_the_note_comes_on_stderr_before_the_answer(
        self, sparring: Runner, smollm: FakeOllama
    ) -> None:
        result = sparring(
            "headlines",
            "--free",
            "-m",
            "ollama:smollm2:135m",
            input=SWEDISH,
            env={"OLLAMA_HOST": smollm.url},
        )
        assert result.code == 0, result.stderr
        first = result.stderr.splitlines()[0]
        assert first.startswith("sparring: note: your text looks Swedish")
        assert "Swedish" not in result.stdout

    def test_a_model_configured_for_swedish_gets_no_note(
        self, sparring: Runner, sparring_home: Path, smollm: FakeOllama
    ) -> None:
        write_config(sparring_home, '[models."ollama:smollm2:135m"]\nlanguages = ["en", "sv"]\n')
        result = sparring(
            "headlines",
            "--free",
            "-m",
            "ollama:smollm2:135m",
            input=SWEDISH,
            env={"OLLAMA_HOST": smollm.url},
        )
        assert result.code == 0, result.stderr
        assert "looks Swedish" not in result.stderr

    def test_fewer_items_than_asked_are_said_not_hidden(
        self, sparring: Runner, smollm: FakeOllama
    ) -> None:
        smollm.script(Scripted(chunks=("1. Trees\n", "2. Shade\n", "3. Trees\n")))
        result = sparring(
            "headlines",
            "--free",
            "-m",
            "ollama:smollm2:135m",
            "--count",
            "10",
            input=ENGLISH,
            env={"OLLAMA_HOST": smollm.url},
        )
        assert "the model gave 2 of the 10 asked (1 folded)" in result.stderr


class TestItemCounts:
    def reply(self, *texts: str, counts: tuple[int, ...] = ()) -> Reply:
        items = [
            Item(text, count) for text, count in zip(texts, counts or [1] * len(texts), strict=True)
        ]
        return Reply("m", status="ok", items=items)

    def test_as_many_as_asked_says_nothing(self) -> None:
        assert item_summary(self.reply("a", "b"), asked=2) == ""

    def test_folded_duplicates_are_counted(self) -> None:
        assert (
            item_summary(self.reply("a", "b", counts=(3, 1)), asked=2) == "2 suggestions (2 folded)"
        )

    def test_fewer_than_asked_says_so(self) -> None:
        assert item_summary(self.reply("a"), asked=10) == "the model gave 1 of the 10 asked"


async def test_items_in_another_language_than_the_drafts_are_marked() -> None:
    english = "1. How will the city pay for the trees?\n2. Vem ska vattna träden på sommaren?\n"
    turn = Turn(task="questions", user="u", output="list", replies=[Reply(model="a")])
    session = Session(context=Context(SWEDISH), turns=[turn])
    factory = ScriptedFactory({"a": Script([english])})
    await engine.run_turn(session, turn, Config(aliases={"a": "local"}), backend_factory=factory)
    [first, second] = turn.replies[0].items
    assert (first.language, second.language) == ("en", "")
    assert "1 not in the draft's language" in item_summary(turn.replies[0], asked=2)
