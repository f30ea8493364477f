"""Before a turn streams: which columns may run, and the one question about the cloud.

A plain helper the main screen holds. The question whether the draft may
leave the machine is asked before anything streams, when a column's model is
known to run in the cloud, so no column says "streaming…" while the writer
has not answered yet (the engine's gate still asks, later, about a model found
to be in the cloud only when it opens: an Ollama `-cloud` model). A column
that cannot run is refused in its own place, in the TUI's words.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from sparring.available import missing_key
from sparring.egress import EgressRequest, Refused, check_model, upfront_request
from sparring.errors import AuthenticationFailed, EgressRefused
from sparring.providers import ModelRef, expected_location
from sparring.sessions.model import Reply, Turn
from sparring.tui.hints import said
from sparring.tui.screens.streams import AskEgress

if TYPE_CHECKING:
    from sparring.tui.dialogs.confirm_egress import ConfirmEgressScreen
    from sparring.tui.screens.main import MainScreen

#: Why a cloud column was not sent the draft when the writer said no.
KEPT_HERE = "the draft was not sent: you kept it on this machine (F7 picks a model that runs here)"


class Sending:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        #: The question the engine's gate waits on, while it is open.
        self.late_question: ConfirmEgressScreen | None = None

    async def confirm_in_worker(self, request: EgressRequest) -> bool:
        """The gate's question, asked from the worker through the screen (see ask_late).

        A no is refused in the app's words (the gate's own hint is the command line's).
        """
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.screen.post_message(AskEgress(request, answer))
        if not await answer:
            raise EgressRefused(KEPT_HERE)
        return True

    def ask_late(self, message: AskEgress) -> None:
        """Show the gate's question about a model found to be in the cloud only as it opened."""
        from sparring.tui.dialogs.confirm_egress import ConfirmEgressScreen

        def answered(send: bool | None) -> None:
            self.late_question = None
            if not message.answer.done():
                message.answer.set_result(bool(send))

        self.late_question = ConfirmEgressScreen(message.request)
        self.screen.app.push_screen(self.late_question, answered)

    def turn_ended(self) -> None:
        """A turn stopped while the late question was open no longer needs its answer."""
        if self.late_question is not None:
            self.late_question.dismiss(False)

    def refusal(self, model: str, *, declined: bool = False) -> Reply | None:
        """The reply a column shows when its model cannot run at all, or None when it can.

        `declined`: the writer just said no to sending the draft to the cloud.
        """
        options = self.screen.options
        checked = check_model(model, options.config, options.privacy)
        if isinstance(checked, Refused):
            return _refused(model, said(checked.error.one_line()), checked.error.exit_code)
        needed = missing_key(model, options.config)
        if needed:
            text = f"{checked.full_name} needs {needed}: set it before starting sparring, or F7"
            return _refused(model, text, AuthenticationFailed.exit_code)
        if declined and expected_location(checked) == "cloud":
            return _refused(model, KEPT_HERE, EgressRefused.exit_code)
        return None

    def ask_first(self, turn: Turn, models: list[str], then: Callable[[bool], object]) -> None:
        """Ask whether the draft may go to the cloud columns, then call `then(declined)`.

        A yes holds for the session (the gate remembers it), a no for this run;
        not asked when the config or --yes allow the cloud, or no column is in
        the cloud.
        """
        screen = self.screen
        options = screen.options
        cloud = [ref for ref in self._refs(models) if expected_location(ref) == "cloud"]
        if options.privacy.allow_cloud or screen.gate.approved or not cloud:
            then(False)
            return
        from sparring.tui.dialogs.confirm_egress import ConfirmEgressScreen

        request = upfront_request(
            screen.session,
            [ref.full_name for ref in cloud],
            f"{turn.system}\n{turn.user}",
            options.config,
            [ref.model for ref in cloud],
        )

        def answered(send: bool | None) -> None:
            screen.gate.approved = bool(send)
            then(not send)

        screen.app.push_screen(ConfirmEgressScreen(request), answered)

    def _refs(self, models: list[str]) -> list[ModelRef]:
        options = self.screen.options
        refs = []
        for model in models:
            checked = check_model(model, options.config, options.privacy)
            if not isinstance(checked, Refused) and not missing_key(model, options.config):
                refs.append(checked)
        return refs


def _refused(model: str, text: str, exit_code: int) -> Reply:
    return Reply(model=model, status="error", error=text, exit_code=exit_code)
