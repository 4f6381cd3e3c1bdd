"""The dispatcher's error handler: whatever failed, the citizen hears that it did."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Bot
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.types import ErrorEvent

from backend.context import Context
from bots.citizen import service
from bots.citizen.middlewares import chat_language
from bots.citizen.report_draft import DraftUnreadable, StepUnknown
from bots.citizen.storage import album_told
from bots.citizen.texts import t
from bots.once import handling_failed

log = logging.getLogger("zan.bots.citizen")


async def unexpected_error(event: ErrorEvent, bot: Bot, ctx: Context, state: FSMContext | None = None) -> None:
    """The dispatcher's error handler: an update that failed anywhere (a handler, a middleware, the FSM storage)
    still gets a reply. The webhook has already answered Telegram, so it will not be delivered again; without this
    the citizen — possibly reporting an emergency — would hear nothing at all. `state`: the chat's, when the FSM
    middleware got as far as resolving it."""
    # a report draft unreadable for a moment (Redis away after its state was read), or the chat's step (a draft not
    # started over it): nothing was changed, nothing failed but the read, so the citizen is asked to send it again
    # rather than told of a failure
    unread = event.exception if isinstance(event.exception, DraftUnreadable) else None
    if unread is not None:
        log.warning("citizen bot update %s: its report draft could not be read", event.update.update_id)
    else:
        log.error("citizen bot update %s failed", event.update.update_id, exc_info=event.exception)
    handling_failed()  # a copy of the update delivered meanwhile (webhook) is handled, not dropped as done
    context = UserContextMiddleware.resolve_event_context(event.update)
    chat = context.chat
    callback = event.update.callback_query
    if callback is not None:
        # stop the button's spinner; the handler may have answered the query already, which Telegram refuses
        with contextlib.suppress(TelegramAPIError):
            await bot.answer_callback_query(callback.id)
    if chat is None or chat.type != ChatType.PRIVATE:
        return  # never in a group (see PrivateChatOnly), and an update without a chat has no one to tell
    # an album's files are refused alike over a step unknown, one update each: the album is told once
    album = event.update.message.media_group_id if event.update.message is not None else None
    if isinstance(unread, StepUnknown) and album and state is not None and album_told(state, album):
        return
    lang = await _error_language(ctx, chat.id, context.user.language_code if context.user else None)
    await bot.send_message(chat.id, t(unread.said if unread is not None else "bot_unavailable", lang))


async def _error_language(ctx: Context, chat_id: int, telegram_language: str | None) -> str:
    """The chat's chosen language if the database still answers, else the Telegram client's."""
    try:
        linked = await service.chat_user(ctx, chat_id)
    except Exception:  # the failure being reported may be the database itself: the apology must not depend on it
        linked = None
    return chat_language(linked, telegram_language)
