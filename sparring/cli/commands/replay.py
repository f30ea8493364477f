"""`sparring replay`: a saved session in the TUI, printed, or re-streamed at its own pace."""

from __future__ import annotations

import asyncio
import sys

from sparring.cli.output import show_line
from sparring.cli.parsing import add_session_argument, command_parser
from sparring.cli.render import block
from sparring.sessions.model import Reply, Session


def print_session(session: Session) -> None:
    """Every turn (follow-ups with what was asked), its answers and vote, then the keepers.

    A turn whose blind vote is still to be cast shows its answers as A and B only.
    """
    from sparring.judging import blind
    from sparring.sessions.markdown import (
        hidden,
        keeper_line,
        shown_replies,
        turn_title,
        vote_of,
        vote_text,
    )

    show_line(f"# {session.title}  ({session.id})\n")
    for index, turn in enumerate(session.turns):
        show_line(f"## {index + 1}. {turn_title(turn)}\n")
        vote = vote_of(session, index)
        for label, reply in shown_replies(session, index):
            # As the model wrote it: the session's record, not a view of it.
            if hidden(vote):
                show_line(blind.block(label, reply, turn.count))
            else:
                show_line(block(reply, turn.count, raw=True))
        if vote is not None:
            show_line(f"{vote_text(session, vote)}\n")
    if session.keepers:
        show_line("## keepers\n")
        for keeper in session.keepers:
            show_line(f"- {keeper_line(session, keeper)}")


def paced_chunks(reply: Reply, speed: float = 1.0) -> list[tuple[float, str]]:
    """(delay, text) pairs that re-stream `reply` as fast as it first streamed.

    The first chunk waits the original time to first token; the rest follow at
    the original tokens per second, about four characters a token.
    """
    text = reply.text
    if not text:
        return []
    tokens = max(reply.output_tokens or len(text) // 4, 1)
    size = max(len(text) // tokens, 1)
    pieces = [text[start : start + size] for start in range(0, len(text), size)]
    rate = reply.tokens_per_second or 50.0
    gap = (tokens / len(pieces)) / rate / speed
    first = (reply.ttft or 0.0) / speed
    return [(first if index == 0 else gap, piece) for index, piece in enumerate(pieces)]


async def _pace(session: Session, speed: float) -> None:
    from sparring.cli.live import SideBySide
    from sparring.engine import LiveReply

    for turn in session.turns:
        view = SideBySide(len(turn.replies), raw=True)  # the stream, replayed as it came
        lives = [
            LiveReply(Reply(model=r.model, backend=r.backend, location=r.location))
            for r in turn.replies
        ]
        for index, live in enumerate(lives):
            view.follow(index, live)

        async def play(
            index: int, reply: Reply, view: SideBySide = view, lives: list[LiveReply] = lives
        ) -> None:
            for delay, piece in paced_chunks(reply, speed):
                await asyncio.sleep(delay)
                lives[index].add(piece)
                view.changed()
            # Finished: the column now shows the original figures under the text.
            lives[index].reply = reply
            view.changed()

        with view:
            ticker = asyncio.create_task(view.tick())
            await asyncio.gather(*(play(i, reply) for i, reply in enumerate(turn.replies)))
            ticker.cancel()


def run(argv: list[str]) -> int:
    from sparring.sessions import store

    parser = command_parser(
        "sparring replay", "Show a saved session: in the TUI, printed, or at its original pace."
    )
    add_session_argument(parser)
    parser.add_argument(
        "--print",
        action="store_true",
        dest="print_mode",
        help="print it instead of opening the TUI",
    )
    parser.add_argument(
        "--pace",
        action="store_true",
        help="re-stream the answers side by side at the speed they first came",
    )
    parser.add_argument("--speed", type=float, default=1.0, help="with --pace: 2 is twice as fast")
    options = parser.parse_args(argv)
    session = store.open_session(options.session)
    if options.pace:
        asyncio.run(_pace(session, max(options.speed, 0.01)))
        return 0
    if options.print_mode or not sys.stdout.isatty():
        print_session(session)
        return 0
    from sparring import config as config_module
    from sparring.tui.app import run_tui

    return run_tui(config=config_module.load(), session=session, read_only=True)
