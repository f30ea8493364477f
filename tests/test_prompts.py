"""Prompt files: shipped prompts, user overrides, and safe substitution."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import Runner
from sparring import paths, prompts
from sparring.errors import PromptError, UsageError

MINIMAL = 'system = "s"\ntemplate = "Text: {context}"\n'


class TestShippedPrompts:
    def test_the_three_tasks_are_shipped_with_their_output_kind_and_count(self) -> None:
        shipped = prompts.load_all()
        assert {"headlines", "counter", "questions"} <= set(shipped)
        assert shipped["headlines"].output == "list"
        assert shipped["headlines"].count == 10

    def test_each_shipped_prompt_asks_for_the_language_of_the_text(self) -> None:
        for prompt in prompts.load_all().values():
            assert "same language" in prompt.system

    def test_the_count_default_and_override_reach_the_message(self) -> None:
        headlines = prompts.get("headlines")
        assert "Suggest 10 different" in headlines.render("draft")
        assert "Suggest 3 different" in headlines.render("draft", count=3)


class TestSubstitution:
    def test_a_draft_full_of_braces_is_inserted_literally(self) -> None:
        draft = "code: {count} {0} {context.__class__} {{x}} {"
        message = prompts.get("headlines").render(draft)
        assert draft in message

    def test_a_template_naming_an_unknown_field_is_refused_on_load(self) -> None:
        with pytest.raises(PromptError, match="unknown field '{audience}'"):
            prompts.parse("bad", 'system = "s"\ntemplate = "{context} for {audience}"\n')

    @pytest.mark.parametrize(
        "field", ["{context.__class__}", "{context[0]}", "{context!r}", "{count:>10}", "{0}", "{}"]
    )
    def test_no_template_can_reach_an_attribute_index_or_conversion(self, field: str) -> None:
        with pytest.raises(PromptError, match="not allowed"):
            prompts.parse("bad", f'system = "s"\ntemplate = "{{context}} {field}"\n')

    def test_declared_fields_have_defaults_and_can_be_set(self) -> None:
        questions = prompts.get("questions")
        assert "a critical reader" in questions.render("draft")
        assert "teachers would ask" in questions.render("draft", values={"audience": "teachers"})

    def test_setting_a_field_the_prompt_lacks_is_a_usage_error(self) -> None:
        with pytest.raises(UsageError, match="has no field 'tone'"):
            prompts.get("headlines").render("draft", values={"tone": "dry"})

    def test_an_instruction_is_appended_when_the_template_has_no_place_for_it(self) -> None:
        message = prompts.get("headlines").render("draft", instruction="Make them short.")
        assert message.endswith("Make them short.")


class TestPromptFiles:
    def test_a_user_prompt_adds_a_task(self) -> None:
        folder = paths.user_prompts_dir()
        folder.mkdir(parents=True)
        (folder / "angles.toml").write_text(MINIMAL, encoding="utf-8")
        assert "angles" in prompts.load_all()

    def test_a_user_prompt_overrides_a_shipped_one_of_the_same_name(self) -> None:
        folder = paths.user_prompts_dir()
        folder.mkdir(parents=True)
        (folder / "headlines.toml").write_text(MINIMAL, encoding="utf-8")
        assert prompts.get("headlines").template == "Text: {context}"

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ('system = "s"\ntemplate = "{context}"\ncount = "ten"\n', "'count' must be an integer"),
            ('system = "s"\ntemplate = "{context}"\noutput = "table"\n', "'output' must be"),
            ('system = "s"\ntemplate = "{context}"\nsytem = "x"\n', "unknown key 'sytem'"),
            ('template = "{context}"\n', "missing 'system'"),
            ('system = "s"\ntemplate = "no context here"\n', "never uses {context}"),
            ('system = "s"\ntemplate = "{context} {"\n', "malformed"),
            # A literal brace pair, not the field: the draft would never be sent.
            ('system = "s"\ntemplate = "Here: {{context}}"\n', "never uses {context}"),
            ("system = " + "[" * 50_000, "nested too deeply"),
        ],
    )
    def test_a_broken_prompt_file_is_refused_with_its_path_and_the_problem(
        self, text: str, message: str
    ) -> None:
        folder = paths.user_prompts_dir()
        folder.mkdir(parents=True)
        (folder / "broken.toml").write_text(text, encoding="utf-8")
        available = prompts.load_all()
        # One broken file stops its own task only.
        assert "broken" not in available and "headlines" in available
        with pytest.raises(PromptError) as caught:
            prompts.get("broken", available)
        assert message in str(caught.value)
        assert str(folder / "broken.toml") in str(caught.value)

    def test_a_broken_file_stops_only_its_own_task(self, sparring: Runner) -> None:
        folder = paths.user_prompts_dir()
        folder.mkdir(parents=True)
        (folder / "pitch.toml").write_text('template = "{context}"\n', encoding="utf-8")
        (folder / "counter.toml").write_text('system = "s"\n', encoding="utf-8")
        other = sparring("headlines", "-m", "nobody:x", input=b"A draft.")
        assert other.code == 2 and "unknown provider 'nobody'" in other.stderr
        assert "skipped a broken prompt file" in other.stderr and "pitch.toml" in other.stderr
        for task in ("pitch", "counter"):  # a broken override does not run the shipped one
            own = sparring(task, input=b"A draft.")
            assert own.code == 2 and f"{task}.toml: missing" in own.stderr
        listed = sparring("prompts").stdout
        assert "pitch" in listed and "broken" in listed and "headlines" in listed

    def test_an_unknown_task_gets_a_suggestion(self) -> None:
        with pytest.raises(UsageError) as caught:
            prompts.get("headlnes")
        assert "did you mean 'headlines'" in caught.value.one_line()


def test_the_shipped_prompts_live_in_the_top_level_prompts_folder() -> None:
    assert paths.builtin_prompts_dir().resolve() == (Path(__file__).parent.parent / "prompts")
