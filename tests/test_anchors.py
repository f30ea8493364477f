"""Findings pinned to the draft: the quote taken off each item, found despite small changes,
and a quote that is not in the draft marked unanchored, never pinned to the wrong place."""

from __future__ import annotations

import pytest

from sparring import anchors, engine
from sparring.config import Config
from sparring.items import Item, items_of
from sparring.providers.listing import JsonItems, ListShape, grammar_text, json_schema
from sparring.providers.scripted import Script, ScriptedFactory
from sparring.sessions.model import Context, Reply, Session, Turn
from sparring.sessions.toml_format import from_toml, to_toml

# A known draft: four paragraphs, hand-written.
DRAFT = """# Why our town should ban cars from the old centre

The old centre is choked with traffic every weekday morning. Shop owners say that \
most of their customers arrive on foot, yet the council still plans for drivers first.

A ban on cars would make the streets safer for children. In Pontevedra, Spain, \
traffic deaths fell to zero after the centre was closed to cars in 1999.

The cost is small: a few signs and some bollards. The council could start next spring.
"""


class TestTheQuoteComesOffTheItem:
    @pytest.mark.parametrize(
        "text",
        [
            'One town is not evidence. "traffic deaths fell to zero"',
            'One town is not evidence — "traffic deaths fell to zero"',
            "One town is not evidence: “traffic deaths fell to zero”.",
            'One town is not evidence ("traffic deaths fell to zero")',
            'One town is not evidence - "traffic deaths fell to zero";',
        ],
    )
    def test_however_the_model_sets_it_off(self, text: str) -> None:
        item, quote = anchors.split_quote(text)
        assert item.rstrip(".") == "One town is not evidence"
        assert quote == "traffic deaths fell to zero"

    def test_an_item_without_a_quote_is_left_whole(self) -> None:
        assert anchors.split_quote("Who pays for the bollards?") == (
            "Who pays for the bollards?",
            "",
        )

    def test_an_item_that_is_only_a_quote_keeps_its_text(self) -> None:
        assert anchors.split_quote('"A car-free centre"') == ('"A car-free centre"', "")


class TestFinding:
    def test_a_verbatim_quote_is_found_where_it_is(self) -> None:
        quote = "a few signs and some bollards"
        found = anchors.find(quote, DRAFT)
        assert found is not None
        assert DRAFT[found.start : found.end] == quote
        assert found.paragraph == 4  # the heading is paragraph 1

    @pytest.mark.parametrize(
        "quote",
        [
            "Traffic Deaths Fell To Zero",  # case
            "traffic deaths fell to zero after the centre was closed to cars in 1999",
            "traffic deaths fell to zero, after the centre was closed",  # punctuation
            "traffic deaths dropped to zero after the centre was closed to cars",  # a word
            "after the center was closed to cars",  # spelling
        ],
    )
    def test_small_changes_still_find_the_passage(self, quote: str) -> None:
        found = anchors.find(quote, DRAFT)
        assert found is not None
        assert found.paragraph == 3
        passage = DRAFT[found.start : found.end]
        assert "zero" in passage or "closed" in passage

    @pytest.mark.parametrize(
        "quote",
        [
            "the mayor promised free parking for every resident",  # invented
            "This could have negative consequences for children who cannot travel",
            "cars",  # too short to say where
        ],
    )
    def test_a_quote_that_is_not_in_the_draft_is_not_found(self, quote: str) -> None:
        assert anchors.find(quote, DRAFT) is None

    def test_paragraphs_are_counted_by_blank_lines(self) -> None:
        assert anchors.paragraph_of("one\n\ntwo\n  \nthree", len("one\n\ntwo\n  \nth")) == 3


class TestPinning:
    def test_items_are_pinned_or_marked_unanchored(self) -> None:
        items = [
            Item('Pontevedra is one town. "traffic deaths fell to zero"'),
            Item('Nobody said this. "the mayor promised free parking"'),
            Item("Who pays for the bollards?"),
        ]
        anchors.pin(items, DRAFT)
        pinned, invented, bare = items
        assert (pinned.text, pinned.paragraph, pinned.unanchored) == (
            "Pontevedra is one town.",
            3,
            False,
        )
        assert pinned.anchor is not None
        assert (invented.quote, invented.anchor, invented.unanchored) == (
            "the mayor promised free parking",
            None,
            True,
        )
        assert (bare.quote, bare.anchor, bare.unanchored) == ("", None, False)

    def test_an_item_of_one_part_is_pinned_in_that_part(self) -> None:
        # A long draft sent in parts: a passage the draft says twice is the part's own, and
        # a quote from another part is not what the model was sent.
        draft = DRAFT + "\nThe cost is small: a few signs and some bollards. Or so they say.\n"
        second = len(DRAFT)
        [repeated, elsewhere] = [
            Item('"a few signs and some bollards" - Bollards are not free'),
            Item('"traffic deaths fell to zero" - One town is not evidence'),
        ]
        anchors.pin([repeated, elsewhere], draft, (second, len(draft)))
        assert repeated.anchor is not None and repeated.anchor[0] > second
        assert draft[repeated.anchor[0] : repeated.anchor[1]] == "a few signs and some bollards"
        assert repeated.paragraph == 5  # counted in the whole draft
        assert elsewhere.unanchored

    def test_items_of_two_models_on_one_passage_are_marked_shared(self) -> None:
        left = [Item("a"), Item("b")]
        right = [Item("c")]
        anchors.pin(left, DRAFT)
        left[0].anchor, left[1].anchor, right[0].anchor = (10, 40), (200, 230), (30, 60)
        shared = anchors.shared_passages([("small", left), ("big", right)])
        assert shared == [{0: ["big"]}, {0: ["small"]}]


async def test_the_engine_pins_the_items_of_a_task_that_asks_for_quotes() -> None:
    reply = (
        '1. One town proves little. "traffic deaths fell to zero"\n'
        '2. Who counted the customers? "most of their customers arrive on foot"\n'
        '3. Invented. "the bypass opened in 2004"\n'
    )
    turn = Turn(task="counter", user="u", output="list", anchor=True, replies=[Reply("a")])
    session = Session(context=Context(DRAFT), turns=[turn])
    factory = ScriptedFactory({"a": Script([reply])})
    await engine.run_turn(session, turn, Config(aliases={"a": "local"}), backend_factory=factory)
    items = turn.replies[0].items
    assert [item.paragraph for item in items] == [3, 2, 0]
    assert [item.unanchored for item in items] == [False, False, True]
    assert items[1].text == "Who counted the customers?"


async def test_a_task_that_asks_for_no_quotes_keeps_its_items_whole() -> None:
    reply = '1. "A car-free centre" - short and clear\n2. Streets for people "at last"\n'
    turn = Turn(task="headlines", user="u", output="list", replies=[Reply("a")])
    session = Session(context=Context(DRAFT), turns=[turn])
    factory = ScriptedFactory({"a": Script([reply])})
    await engine.run_turn(session, turn, Config(aliases={"a": "local"}), backend_factory=factory)
    assert [item.text for item in turn.replies[0].items] == [
        "A car-free centre",
        'Streets for people "at last"',
    ]


def test_the_session_file_keeps_where_each_item_points() -> None:
    item = Item("One town.", quote="traffic deaths fell", anchor=(120, 139), paragraph=3)
    lost = Item("Invented.", quote="the bypass opened in 2004")
    turn = Turn(task="counter", user="u", output="list", anchor=True)
    turn.replies.append(Reply("a", status="ok", items=[item, lost]))
    session = Session(context=Context(DRAFT), turns=[turn])
    [read] = from_toml(to_toml(session)).turns
    assert read.anchor
    assert read.replies[0].items == [item, lost]


class TestTheShapeAsksForTheQuote:
    """The embedded model is held to `N. "quote" - item` lines by a GBNF grammar (llama.cpp's
    grammars/README.md: character classes, repetition {m,n}); the quote then always comes,
    first, as a small model copies a passage well (measured: with the quote last, the item
    ran to its length cap and the quote went on from it, 0 of 21 found; first, 3 of 7),
    and whether it is really in the draft is for `find` to say."""

    def test_the_grammar_opens_each_item_with_a_quote(self) -> None:
        grammar = grammar_text(ListShape(2, 20, 220, question=True, quote=True))
        assert (
            'item ::= "\\"" [^\\n"]{8,160} "\\" - " [^\\n\\t #*"\\-] [^\\n"?]{19,219} "?"'
            in grammar
        )

    def test_a_schema_asks_for_each_quote_before_its_item(self) -> None:
        # llama.cpp's json-schema-to-grammar writes required properties in the order of
        # `properties` (llama_cpp/llama_grammar.py SchemaConverter._build_object_rule), so
        # a schema-held model writes the quote first too.
        schema = json_schema(ListShape(2, quote=True))
        assert list(schema["properties"]) == ["quote_1", "item_1", "quote_2", "item_2"]
        assert schema["required"] == ["quote_1", "item_1", "quote_2", "item_2"]

    def test_quote_and_item_values_make_one_line_as_the_model_was_asked(self) -> None:
        reader = JsonItems(quote=True)
        pieces = ['{"quote_1": "fell to \\"zero\\"", "item_1": "One', ' town.", "quote_2": "a']
        lines = [line for piece in pieces for line in reader.feed(piece)]
        assert lines == ["1. \"fell to 'zero'\" - One town.\n"]
        [item] = items_of(lines[0], quoted=True)
        anchors.pin([item], DRAFT)
        assert (item.text, item.quote) == ("One town.", "fell to 'zero'")

    def test_the_llama_cpp_grammar_parses(self) -> None:
        from llama_cpp.llama_grammar import LlamaGrammar

        grammar = grammar_text(ListShape(3, 20, 220, quote=True))
        assert LlamaGrammar.from_string(grammar, verbose=False) is not None
