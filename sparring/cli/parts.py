"""`--sections`: a draft longer than the models' window, asked about part by part.

The draft is split where it fits (sections.py: at headings, then paragraphs),
and each part is asked in its own turn of one session, so the session keeps
which part each answer came from. As each part ends its items are printed
under the part's heading, each with the passage it quoted and where that is
in the whole draft; an idea an earlier part had already is not printed again
but counted. `--json` prints one document at the end: every part's replies,
and the items folded across the parts.

A part that fails or is interrupted ends the run there: the parts not asked
are named on stderr, and what was answered is saved and printed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from dataclasses import dataclass, field, replace
from typing import Any

from sparring import engine
from sparring.cli.pipe import Output, PipeRequest, run_in_session, warn
from sparring.cli.render import folded_list, item_json, json_document
from sparring.config import Config, Privacy
from sparring.fitness import caveat, turn_notes
from sparring.items import Item, Kinds
from sparring.sessions.model import Reply, Session, Turn
from sparring.sessions.turns import new_session, section_turns
from sparring.visible import json_visible


def part_turns(request: PipeRequest, config: Config) -> list[Turn]:
    """The run's turns: one a part when the draft does not fit every model, else one."""
    room = asyncio.run(engine.prompt_room(request.models, config))
    turns = section_turns(
        request.prompt,
        request.context,
        request.models,
        room,
        instruction=request.instruction,
        count=request.count,
        values=request.values,
        think=request.think,
        seed=request.seed,
    )
    if room is None:
        warn(
            "note: --sections: no model's window is known before asking, so the draft is "
            'sent whole; set it with [models."NAME"] context = TOKENS in config.toml'
        )
    elif len(turns) == 1:
        warn("note: --sections: the draft fits the model's window; it is sent whole")
    if request.free:
        for turn in turns:
            turn.shape = None
    return turns


def run_parts(request: PipeRequest, turns: list[Turn], config: Config) -> int:
    """Ask every part in turn, print each as it ends (or one JSON document); the exit code."""
    options = replace(request.options, show=False)
    if options.blind:
        from sparring.errors import UsageError

        raise UsageError("--blind and --sections do not go together", hint="drop one of them")
    session = new_session(request.context, request.sources, task=request.prompt.name, turns=[])
    out = Output(sys.stdout)
    across = {model: Across() for model in request.models}
    for note in turn_notes(request.models, request.prompt.name, request.context, config):
        warn(f"note: {note}")
    code = 0
    for index, turn in enumerate(turns):
        session.turns.append(turn)
        warn(f"part {part_heading(turn)}")
        code = run_in_session(session, turn, options, config)
        if not options.privacy.local_only:
            # Sending the draft was agreed to (or refused, and nothing ran) at the first
            # part: the other parts are the same draft to the same models.
            options = replace(options, privacy=Privacy(allow_cloud=True))
        for reply in turn.replies:
            new = across[reply.model].add(reply.items)
            reply_new = replace(reply, items=new)
            if not options.as_json:
                out.write(part_text(turn, reply_new, several=len(turn.replies) > 1))
        if code != 0:
            left = turns[index + 1 :]
            if left:
                numbers = ", ".join(str(later.part) for later in left)
                warn(
                    f"parts {numbers} of {turn.parts} were not asked: the run stopped at part "
                    f"{turn.part}"
                )
            break
    if options.as_json:
        document = parts_document(session, across, saved=options.save)
        out.write(json_visible(json.dumps(document, ensure_ascii=False, indent=2)) + "\n")
    else:
        for model, seen in across.items():
            if seen.repeated:
                owner = f"{model}: " if len(across) > 1 else ""
                warn(f"{owner}{seen.repeated} ideas that an earlier part had already were folded")
            if seen.items and (note := caveat(model, config)):
                warn(f"note: {note}")
    return code


def part_heading(turn: Turn) -> str:
    """`2/5 · The costs`: the part, and the sections it covers."""
    title = f" · {turn.section}" if turn.section else ""
    return f"{turn.part}/{turn.parts}{title}"


def part_text(turn: Turn, reply: Reply, *, several: bool) -> str:
    """One part's answer from one model, under the part's heading."""
    heading = f"## Part {part_heading(turn)}"
    if several:
        heading += f" · {reply.model}"
    if reply.status != "ok" and not reply.text:
        return f"{heading}\n(no answer: {reply.error or reply.status})\n\n"
    body = folded_list(reply) if turn.output == "list" else reply.text
    return f"{heading}\n{body.rstrip()}\n\n" if body.strip() else f"{heading}\n(nothing new)\n\n"


@dataclass
class Across:
    """The items of one model, folded across the parts: the first of a kind is kept,
    and later ones that say the same count into it and add their section."""

    items: list[Item] = field(default_factory=list)
    sections: list[list[str]] = field(default_factory=list)
    kinds: Kinds = field(default_factory=Kinds)
    repeated: int = 0

    def add(self, items: list[Item]) -> list[Item]:
        """Take one part's items; the ones that are new."""
        new: list[Item] = []
        for item in items:
            index = self.kinds.first_of_kind(item.text)
            if index is None:
                self.items.append(replace(item, variants=list(item.variants)))
                self.sections.append([item.section])
                new.append(item)
                continue
            self.items[index].count += item.count
            if item.section not in self.sections[index]:
                self.sections[index].append(item.section)
            self.repeated += 1
        return new


def parts_document(session: Session, across: dict[str, Across], *, saved: bool) -> dict[str, Any]:
    """The run as one JSON document: each part's turn, and each model's folded items."""
    turns = [json_document(session, turn, saved=saved) for turn in session.turns]
    first = turns[0]
    return {
        "session": first["session"],
        "task": first["task"],
        "seed": first["seed"],
        "context_sources": first["context_sources"],
        "sections": [
            {
                "part": turn.part,
                "parts": turn.parts,
                "section": turn.section,
                "replies": document["replies"],
            }
            for turn, document in zip(session.turns, turns, strict=True)
        ],
        "items": {
            model: [
                {**item_json(item), "sections": sections}
                for item, sections in zip(seen.items, seen.sections, strict=True)
            ]
            for model, seen in across.items()
        },
    }
