"""The citizen bot's Router: thin adapters from Telegram updates to `bots.citizen.service`, one module per
conversation, attached here in the order that decides which handler takes an update.

- commands: /start, /language and the choice of language
- follow_up: /reports and the "Show" button of a discreet update
- report_flow: reporting an offence (its steps and FSM data: report_draft)
- reply_flow: answering staff's request for information on a report ("Reply")
- own_steps: the citizen's withdrawal, rating and appeal of a report from /reports (the appeal's grounds: an FSM
  flow, its /cancel, "Cancel", "Report" and "Language" attached before the commands, as the answer's)
- legal_flow: legal questions, and the prompt for anything else outside a report; last, as it takes what is left
- middlewares: private chats only (`PrivateChatOnly`), then the chat's language and link (`LanguageMiddleware`)
- errors: the dispatcher's error handler (`unexpected_error`)
"""

from __future__ import annotations

from aiogram import Router

from bots.citizen import commands, follow_up, legal_flow, own_steps, reply_flow, report_flow
from bots.citizen.errors import unexpected_error
from bots.citizen.middlewares import LanguageMiddleware, PrivateChatOnly
from bots.citizen.report_draft import shortened

# a button of an earlier report's messages is refused before anything (report_flow.earlier): each handler after it
# would take it for the draft being written. Commands and follow-up take their commands and buttons at any step; the
# report's steps and the answer to a request for information come before the legal flow, whose handlers (state None)
# take any text or message no one else did. The answer comes after the report flow, but its own /start, /language,
# /cancel, "Cancel" and "Report" (reply_flow.cancelling) before the commands and the report flow: theirs clear the
# chat, which would leave the answer's files to the unused-media purge and drop a report draft paused for the answer
# along with it
CONVERSATIONS = (report_flow.earlier, reply_flow.cancelling, own_steps.cancelling, commands.handlers,
                 follow_up.handlers, own_steps.handlers, report_flow.handlers, reply_flow.handlers, legal_flow.handlers)

# `shortened` and `unexpected_error` were defined here before the split: still importable from here
__all__ = ["CONVERSATIONS", "build_router", "shortened", "unexpected_error"]


def build_router() -> Router:
    """A new Router with every citizen-bot handler and the middlewares."""
    built = Router(name="citizen")
    for observer in (built.message, built.edited_message, built.callback_query):
        observer.outer_middleware(PrivateChatOnly())  # first registered runs first: before the link is looked up
        observer.outer_middleware(LanguageMiddleware())
    for conversation in CONVERSATIONS:
        for kind, filters, handler in conversation.items:
            getattr(built, kind).register(handler, *filters)
    from bots.citizen.notify import membership_changed  # notify → runtime → this module: imported when built

    built.my_chat_member.register(membership_changed)  # blocked / unblocked: no language or link lookup needed
    return built
