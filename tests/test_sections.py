"""A long draft in parts that fit the model's window: at headings, then paragraphs, then
sentences; nothing of the draft left out."""

from __future__ import annotations

import pytest

from sparring import sections


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
        assert all(part.text.rstrip().endswith(".") for part in parts)

    def test_small_sections_are_run_together(self) -> None:
        draft = "".join(f"# Head {n}\n\nA line.\n\n" for n in range(1, 7))
        parts = sections.split(draft, budget=20)
        assert 1 < len(parts) < 6
        assert "…" in parts[0].title or ";" in parts[0].title

    def test_a_part_is_labelled_by_place_and_title(self) -> None:
        assert sections.Part(2, 5, "The costs", "").label == "2/5 The costs"
        assert sections.Part(1, 5, "", "").label == "1/5"
