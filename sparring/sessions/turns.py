"""Starting a turn, the one way every view does it: a task, a follow-up, or a turn run again.

A turn carries the rendered message as it is sent, so what a session file
says was asked is exactly what the models saw.
"""

from __future__ import annotations

import secrets

from sparring import items as items_module
from sparring import sections
from sparring.prompts import Prompt, messages
from sparring.sections import Part
from sparring.sessions.model import Context, Reply, Session, Turn, make_title

FOLLOW_UP = "follow-up"
#: Seeds are drawn below this: every backend that takes one takes a 31-bit integer.
SEED_LIMIT = 2**31
#: A part of a long draft shorter than this (in tokens) is too little to ask about.
MIN_SECTION_TOKENS = 200


def new_seed() -> int:
    """A fresh seed for a turn: asking again gives new ideas, not the same answer."""
    return secrets.randbelow(SEED_LIMIT)


def task_turn(
    prompt: Prompt,
    context: str,
    models: list[str],
    *,
    instruction: str = "",
    count: int | None = None,
    values: dict[str, str] | None = None,
    think: str | None = None,
    part: Part | None = None,
    seed: int | None = None,
) -> Turn:
    """The task `prompt` on `context` (or on one `part` of it), to every model in `models`.

    `think` is the run's thinking setting; without one, the task's own. `seed`
    repeats a run's seed; without one, a new one is drawn.
    """
    think = think if think is not None else prompt.think
    system, user, shared = messages(
        prompt,
        part.text if part is not None else context,
        count=count,
        instruction=instruction,
        values=values,
    )
    return Turn(
        task=prompt.name,
        user=user,
        system=system,
        shared=shared,
        instruction=instruction,
        output=prompt.output,
        to="",
        think="" if think == "auto" else think,
        seed=new_seed() if seed is None else seed,
        count=(count or prompt.count) if prompt.output == "list" else 0,
        shape=prompt.shape(count),
        anchor=prompt.anchor and prompt.output == "list",
        part=part.number if part is not None else 0,
        parts=part.total if part is not None else 0,
        section=part.title if part is not None else "",
        span=(part.start, part.start + len(part.text)) if part is not None else None,
        replies=[Reply(model=model) for model in models],
    )


def section_turns(
    prompt: Prompt,
    context: str,
    models: list[str],
    room: int | None,
    *,
    instruction: str = "",
    count: int | None = None,
    values: dict[str, str] | None = None,
    think: str | None = None,
    seed: int | None = None,
) -> list[Turn]:
    """The task on `context` in parts that fit `room` tokens of prompt (one turn a part),
    or on the whole of it when it fits or the room is not known. Every part is sent
    the run's one seed (`seed`, else a new one)."""
    seed = new_seed() if seed is None else seed

    def turn(draft: str, part: Part | None = None) -> Turn:
        return task_turn(
            prompt,
            draft,
            models,
            instruction=instruction,
            count=count,
            values=values,
            think=think,
            part=part,
            seed=seed,
        )

    whole = turn(context)
    if room is None or sections.tokens(whole.system + whole.user) <= room:
        return [whole]
    bare = turn("")
    # The prompt around the draft, and a few tokens a message for the chat template.
    budget = room - sections.tokens(bare.system + bare.user) - 16
    if budget < MIN_SECTION_TOKENS:
        return [whole]  # no room for a part worth asking about: the model will say so
    return [turn(context, part) for part in sections.split(context, budget)]


def follow_up_turn(
    session: Session, text: str, models: list[str], to: str = "", *, seed: int | None = None
) -> Turn:
    """A follow-up to every column (`to` empty) or to one model, in the last task's role."""
    system = next((turn.system for turn in reversed(session.turns) if turn.system), "")
    think = session.turns[-1].think if session.turns else ""
    return Turn(
        task=FOLLOW_UP,
        user=text,
        system=system,
        output="text",
        to=to,
        think=think,
        seed=new_seed() if seed is None else seed,
        replies=[Reply(model=model) for model in models],
    )


def again(turn: Turn, models: list[str]) -> Turn:
    """`turn` as it was sent, to other models (a re-run)."""
    return Turn(
        task=turn.task,
        user=turn.user,
        system=turn.system,
        instruction=turn.instruction,
        output=turn.output,
        to="",
        think=turn.think,
        seed=new_seed(),
        count=turn.count,
        shape=turn.shape,
        anchor=turn.anchor,
        part=turn.part,
        parts=turn.parts,
        section=turn.section,
        replies=[Reply(model=model) for model in models],
    )


def new_session(
    context: str, sources: list[str], *, task: str = "", turns: list[Turn] | None = None
) -> Session:
    """A session on `context`, titled by its task and first words."""
    return Session(
        title=make_title(task, context) if task else "",
        context=Context(context, list(sources)),
        turns=list(turns or []),
    )


def heading(turn: Turn) -> str:
    """What a reply answers, as shown above it in its column: `counter · part 2/5 · Costs`
    for a part of a long draft."""
    if turn.task == FOLLOW_UP:
        return f"› {turn.user}"
    asked = f"{turn.task}: {turn.instruction}" if turn.instruction else turn.task
    if not turn.parts:
        return asked
    shown = (asked, f"part {turn.part}/{turn.parts}", turn.section)
    return " · ".join(part for part in shown if part)


def ideas(turn: Turn) -> list[str]:
    """The distinct items of every reply to `turn`, folded across the replies."""
    return [text for text, _models in ideas_with_models(turn)]


def ideas_with_models(turn: Turn) -> list[tuple[str, list[str]]]:
    """The distinct items of every reply to `turn`, folded across the replies, each with
    the models that proposed it."""
    texts: list[str] = []
    owners: list[str] = []
    for reply in turn.replies:
        own = [item.text for item in reply.items] or items_module.parse_items(reply.text)
        texts += own
        owners += [reply.model] * len(own)
    folded = items_module.fold(texts)
    proposed: list[list[str]] = [[] for _ in folded]
    for text, owner in zip(texts, owners, strict=True):
        for index, item in enumerate(folded):
            if (text == item.text or text in item.variants) and owner not in proposed[index]:
                proposed[index].append(owner)
                break
    return [(item.text, models) for item, models in zip(folded, proposed, strict=True)]
