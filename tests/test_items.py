"""Items: list replies parsed, near-duplicates folded, ideas matched across answers."""

from __future__ import annotations

from sparring.items import fold, items_of, match_items, parse_items, shared_ideas


class TestParsing:
    def test_numbered_and_bulleted_lines_are_items_and_the_introduction_is_not(self) -> None:
        reply = (
            "Here are some headlines:\n\n1. Trees cool cities\n2) Buses or trees?\n- Plant now\n"
        )
        assert parse_items(reply) == ["Trees cool cities", "Buses or trees?", "Plant now"]

    def test_quotes_and_bold_around_an_item_are_dropped(self) -> None:
        reply = '1. "Trees cool cities"\n2. **Plant now**\n3. "Shade" - why it works\n'
        assert parse_items(reply) == ["Trees cool cities", "Plant now", "Shade"]

    def test_a_number_inside_bold_or_without_a_space_is_not_part_of_the_item(self) -> None:
        assert parse_items("**1. Trees cool**\n**2. Shade pays**") == ["Trees cool", "Shade pays"]
        assert parse_items("1.Trees cool\n2.Shade pays") == ["Trees cool", "Shade pays"]
        assert parse_items("1. 3.5 degrees cooler\n2. 2030 or never") == [
            "3.5 degrees cooler",
            "2030 or never",
        ]

    def test_every_numbering_style_models_write_keeps_every_item(self) -> None:
        # Measured on SmolLM2 (../shared/small-models.md): 15 of 54 answers numbered lines
        # as **1. ...** or ### 1., and those lines were dropped.
        reply = (
            "Headlines for your op-ed:\n"
            "**1. Stop building parking garages downtown.**\n"
            "### 2. The $38M question\n"
            "3) Buses or garages?\n"
            "(4) Who parks downtown anyway\n"
            "**5.** A garage nobody needs\n"
            "[6] Spend it on the bus\n"
        )
        assert parse_items(reply) == [
            "Stop building parking garages downtown.",
            "The $38M question",
            "Buses or garages?",
            "Who parks downtown anyway",
            "A garage nobody needs",
            "Spend it on the bus",
        ]

    def test_numbers_that_are_not_markers_stay_text(self) -> None:
        reply = "1. Plant 100 trees by 2030\n2. 2030 is too late\n"
        assert parse_items(reply) == ["Plant 100 trees by 2030", "2030 is too late"]

    def test_a_reply_without_markers_is_read_one_item_per_line(self) -> None:
        assert parse_items("Headlines:\nTrees cool cities\nPlant now\n") == [
            "Trees cool cities",
            "Plant now",
        ]


class TestFolding:
    def test_seven_copies_of_one_headline_fold_into_one_item_counted_seven(self) -> None:
        reply = "\n".join(
            f"{n}. {text}"
            for n, text in enumerate(
                [
                    "The Future of Trees",
                    "The future of trees.",
                    "THE FUTURE OF TREES!",
                    "The Future of Trees",
                    "The Future of Tree",
                    "the future of trees",
                    "The Future of Trees?",
                ],
                start=1,
            )
        )
        folded = items_of(reply)
        assert len(folded) == 1
        assert folded[0].count == 7
        assert folded[0].text == "The Future of Trees"

    def test_different_ideas_are_not_folded(self) -> None:
        folded = fold(["Trees cool cities", "Buses beat trees", "Plant in the hottest districts"])
        assert [item.count for item in folded] == [1, 1, 1]


class TestMatching:
    def test_the_same_idea_in_other_words_is_matched_once(self) -> None:
        left = ["Why cities need trees", "Buses are cheaper"]
        right = ["Plant in summer", "Cities need trees: why", "Shade for schools"]
        pairs = match_items(left, right)
        assert [(i, j) for i, j, _score in pairs] == [(0, 1)]

    def test_the_threshold_decides_how_loose_a_match_may_be(self) -> None:
        left = ["Buses are cheaper"]
        right = ["Cheap buses"]
        assert len(match_items(left, right)) == 1
        assert match_items(left, right, threshold=90) == []

    def test_an_idea_several_answers_share_names_the_other_models(self) -> None:
        marks = shared_ideas(
            [
                ("small", ["Trees cool the city", "More buses"]),
                ("flagship", ["Shade is free", "trees cool the city!"]),
                ("third", ["Trees cool the city"]),
            ]
        )
        assert marks == [
            {0: ["flagship", "third"]},
            {1: ["small", "third"]},
            {0: ["small", "flagship"]},
        ]
