"""Exactly N distinct items: the shapes each backend takes, the filling, the real model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakes import FakeOllama, FakeOpenAI
from fakes import Reply as Scripted
from helpers import SAMPLE_DRAFT, Runner, only_reply, write_config
from sparring import engine
from sparring.config import Config, Endpoint, ModelSettings
from sparring.egress import EgressGate, always
from sparring.providers.listing import JsonItems, ListShape, Renumber, grammar_text, json_schema
from sparring.providers.scripted import Script, ScriptedFactory
from sparring.sessions.model import Context, Reply, Session, Turn

SHAPE = ListShape(count=3, min_chars=8, max_chars=90)


class TestShapes:
    def test_the_grammar_allows_exactly_n_numbered_lines(self) -> None:
        # The measured grammar (small-models.md, "techniques that clearly help"): each line
        # ends with a newline so the model can stop it.
        grammar = grammar_text(SHAPE)
        assert grammar.startswith('root ::= "1. " item "\\n" "2. " item "\\n" "3. " item "\\n"\n')
        assert 'item ::= [^\\n\\t #*"\\-] [^\\n]{7,89}' in grammar

    def test_questions_end_with_a_question_mark(self) -> None:
        assert grammar_text(ListShape(1, 8, 150, question=True)).rstrip().endswith('{7,149} "?"')

    def test_the_schema_is_n_required_keys_which_every_api_takes(self) -> None:
        # Anthropic accepts minItems of 0 or 1 only (anthropic-sdk-python
        # lib/_parse/_transform.py); N required keys is the portable form.
        schema = json_schema(SHAPE)
        assert schema["required"] == ["item_1", "item_2", "item_3"]
        assert schema["additionalProperties"] is False

    def test_the_llama_cpp_grammar_parses(self) -> None:
        from llama_cpp.llama_grammar import LlamaGrammar

        assert LlamaGrammar.from_string(grammar_text(SHAPE), verbose=False) is not None


class TestJsonItems:
    def test_values_become_numbered_lines_as_they_complete(self) -> None:
        reader = JsonItems()
        pieces = ['{"item_1": "Trees', ' cool"', ', "item_2": "Say \\"no\\"\\nto', ' cars"}']
        lines = [line for piece in pieces for line in reader.feed(piece)]
        assert lines == ["1. Trees cool\n", '2. Say "no" to cars\n']

    def test_a_stream_cut_mid_value_keeps_the_whole_items(self) -> None:
        reader = JsonItems()
        assert reader.feed('{"item_1": "Shade", "item_2": "Bu') == ["1. Shade\n"]


class TestRenumber:
    @pytest.mark.parametrize("size", [1, 2, 5])
    def test_lines_are_numbered_on_across_answers_however_they_are_chunked(self, size: int) -> None:
        renumber = Renumber()
        text = "1. a\n2. b\n" + "1. c\n2. 100 trees\n"
        out = "".join(renumber.feed(text[i : i + size]) for i in range(0, len(text), size))
        assert out + renumber.close() == "1. a\n2. b\n3. c\n4. 100 trees\n"


def list_turn(count: int, *models: str) -> tuple[Session, Turn]:
    turn = Turn(
        task="headlines",
        user="Suggest headlines",
        output="list",
        count=count,
        shape=ListShape(count),
        replies=[Reply(model=model) for model in models],
    )
    return Session(turns=[turn]), turn


CONFIG = Config(aliases={"a": "local", "cloud": "lab:big"})


class TestFilling:
    async def test_duplicates_are_asked_again_until_n_are_distinct(self) -> None:
        factory = ScriptedFactory(
            {
                "a": [
                    Script(
                        takes_shape=True, deltas=["1. Trees cool streets\n", "2. Shade is free\n"]
                    ),
                    Script(
                        takes_shape=True, deltas=["1. Trees cool streets!\n", "2. Buses or trees\n"]
                    ),
                    Script(takes_shape=True, deltas=["1. Plant now\n", "2. Shade is free\n"]),
                    Script(takes_shape=True, deltas=["1. Who pays for trees\n"]),
                ]
            }
        )
        session, turn = list_turn(5, "a")
        await engine.run_turn(session, turn, CONFIG, backend_factory=factory)
        [reply] = turn.replies
        assert [item.text for item in reply.items] == [
            "Trees cool streets",
            "Shade is free",
            "Buses or trees",
            "Plant now",
            "Who pays for trees",
        ]
        assert reply.calls == 4
        asked = factory.requests["a"]
        assert [request.shape.count for request in asked if request.shape] == [2, 2, 2, 1]
        assert len({request.seed for request in asked}) == 4  # a new seed each call
        # The same prompt every call, so a prompt cache serves them all.
        assert len({request.messages for request in asked}) == 1
        assert reply.text.splitlines()[2].startswith("3. ")

    async def test_two_points_on_one_quoted_passage_count_as_two(self) -> None:
        # Found by CI: the filling read `"quote" - point` items by their quote and saw one
        # idea where the answer keeps two, so a list of 10 ended with 11 items.
        passage = "The council should start with the hottest districts first."
        factory = ScriptedFactory(
            {
                "a": Script(
                    takes_shape=True,
                    deltas=[
                        f'1. "{passage}" - It never says which districts are hottest\n',
                        f'2. "{passage}" - Cooler districts pay the same taxes\n',
                    ],
                )
            }
        )
        turn = Turn(
            task="counter",
            user="Find weak spots",
            output="list",
            count=2,
            anchor=True,
            shape=ListShape(2, quote=True),
            replies=[Reply(model="a")],
        )
        session = Session(context=Context(f"Trees cost money. {passage}", []), turns=[turn])
        await engine.run_turn(session, turn, CONFIG, backend_factory=factory)
        [reply] = turn.replies
        assert reply.calls == 1
        assert [item.quote for item in reply.items] == [passage, passage]

    async def test_the_calls_are_bounded(self) -> None:
        factory = ScriptedFactory(
            {"a": Script(takes_shape=True, deltas=["1. The same headline\n"])}
        )
        session, turn = list_turn(4, "a")
        await engine.run_turn(session, turn, CONFIG, backend_factory=factory)
        [reply] = turn.replies
        assert reply.calls == 6 and len(reply.items) == 1
        assert reply.items[0].count == 6

    async def test_the_figures_add_up_every_call(self) -> None:
        factory = ScriptedFactory(
            {
                "a": [
                    Script(takes_shape=True, deltas=[f"1. idea {n}\n", f"2. other {n}\n"])
                    for n in range(3)
                ]
            }
        )
        session, turn = list_turn(6, "a")
        await engine.run_turn(session, turn, CONFIG, backend_factory=factory)
        [reply] = turn.replies
        assert reply.calls == 3 and reply.input_tokens == 300 and reply.output_tokens == 6

    async def test_a_cloud_model_writes_freely_unless_configured(self) -> None:
        cloud = Script(takes_shape=True, deltas=["1. a\n"], location="cloud")
        endpoints = {"lab": Endpoint(name="lab", base_url="http://127.0.0.1:9", location="cloud")}
        session, turn = list_turn(3, "cloud")
        factory = ScriptedFactory({"cloud": cloud})
        await engine.run_turn(
            session,
            turn,
            Config(aliases=CONFIG.aliases, endpoints=endpoints),
            backend_factory=factory,
            gate=_open_gate(session),
        )
        assert factory.requests["cloud"][0].shape is None
        configured = Config(
            aliases=CONFIG.aliases,
            endpoints=endpoints,
            models={"cloud": ModelSettings(exact_count=True)},
        )
        session, turn = list_turn(3, "cloud")
        factory = ScriptedFactory({"cloud": cloud})
        await engine.run_turn(
            session, turn, configured, backend_factory=factory, gate=_open_gate(session)
        )
        assert factory.requests["cloud"][0].shape is not None

    async def test_a_model_set_to_write_freely_does(self) -> None:
        factory = ScriptedFactory({"a": Script(takes_shape=True, deltas=["1. a\n"])})
        session, turn = list_turn(3, "a")
        free = Config(aliases=CONFIG.aliases, models={"a": ModelSettings(exact_count=False)})
        await engine.run_turn(session, turn, free, backend_factory=factory)
        assert factory.requests["a"][0].shape is None


def _open_gate(session: Session) -> EgressGate:
    return EgressGate(session, always, Config())


class TestTheConstraintReachesEachServer:
    def test_ollama_gets_a_json_schema_in_format(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        # docs.ollama.com/capabilities/structured-outputs: format takes a JSON schema.
        answer = (
            '{"item_1": "Shade',
            ' for all", "item_2": "Trees',
            ' or buses", "item_3": "Plant"}',
        )
        with FakeOllama(models=("llama3.2:1b",)) as server:
            server.script(Scripted(chunks=answer))
            result = sparring(
                "headlines",
                "-m",
                "ollama:llama3.2:1b",
                "--count",
                "3",
                input=SAMPLE_DRAFT.read_bytes(),
                env={"OLLAMA_HOST": server.url},
            )
            [chat] = server.chats
        assert result.code == 0, result.stderr
        # Three items asked a third at a time; the fake answered all three at once.
        assert chat.format["required"] == ["item_1"]
        assert chat.format["additionalProperties"] is False
        assert [item["text"] for item in only_reply(sparring_home)["items"]] == [
            "Shade for all",
            "Trees or buses",
            "Plant",
        ]

    def test_an_openai_compatible_server_gets_response_format(
        self, sparring: Runner, sparring_home: Path
    ) -> None:
        # llama.cpp tools/server/README.md: response_format {"type": "json_schema", ...}.
        with FakeOpenAI(models=("m",), flavor="llama.cpp") as server:
            server.script(Scripted(chunks=('{"item_1": "A"', ', "item_2": "B"}')))
            write_config(
                sparring_home,
                f'[endpoints.lab]\nbase_url = "{server.base_url}"\nlocation = "local"\n',
            )
            result = sparring(
                "headlines", "-m", "lab:m", "--count", "2", input=SAMPLE_DRAFT.read_bytes()
            )
            [request] = server.chat_requests
        assert result.code == 0, result.stderr
        format_ = request.body["response_format"]
        assert format_["type"] == "json_schema"
        assert format_["json_schema"]["schema"]["required"] == ["item_1", "item_2"]
        assert result.stdout == "1. A\n2. B\n"

    @pytest.mark.parametrize("configured", [False, True])
    def test_a_cloud_model_gets_it_only_when_configured(
        self, sparring: Runner, sparring_home: Path, configured: bool
    ) -> None:
        with FakeOpenAI(models=("big",)) as server:
            setting = '[models."groq:big"]\nexact_count = true\n' if configured else ""
            write_config(
                sparring_home,
                f'[endpoints.groq]\nbase_url = "{server.base_url}"\nlocation = "cloud"\n' + setting,
            )
            server.script(Scripted(chunks=('{"item_1": "A", "item_2": "B", "item_3": "C"}',)))
            result = sparring(
                "headlines",
                "-m",
                "groq:big",
                "--count",
                "3",
                "--yes",
                input=SAMPLE_DRAFT.read_bytes(),
            )
            assert result.code == 0, result.stderr
            assert ("response_format" in server.chat_requests[0].body) is configured


@pytest.mark.model
class TestTheEmbeddedModel:
    @pytest.mark.parametrize("task", ["headlines", "counter", "questions"])
    @pytest.mark.parametrize("draft", ["draft.md", "draft.md", "draft-sv.md"])
    def test_count_10_gives_10_distinct_items_run_after_run(
        self, sparring: Runner, task: str, draft: str
    ) -> None:
        path = SAMPLE_DRAFT.parent / draft
        result = sparring(task, str(path), "-m", "local", "--count", "10", "--json", "--no-save")
        assert result.code == 0, result.stderr
        [reply] = json.loads(result.stdout)["replies"]
        # A counter-argument or question is a point on a passage (its quote, anchors.py): the
        # same point on two passages is two findings (found by CI: one point, two quotes).
        items = [(item["text"], item.get("quote", "")) for item in reply["items"]]
        assert len(items) == 10  # folded already: ten distinct ideas
        assert len({(text.casefold(), quote.casefold()) for text, quote in items}) == 10
