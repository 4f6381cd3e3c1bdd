"""What every handler knows of its chat: private chats only, the chat's language, and its citizen.

Every handler gets `ctx` (the process Context, from the Dispatcher's workflow data) and, from `LanguageMiddleware`,
`lang` (the chat's chosen language, or the user's Telegram language until they choose) and `linked` (the chat's
citizen, if the chat is linked).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import CallbackQuery, Message, TelegramObject, User

from backend.context import Context
from bots.citizen import service
from bots.citizen.texts import normalize_lang, t

Next = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def chat_language(linked: service.ChatUser | None, telegram_language: str | None) -> str:
    """The language of the chat's link (chosen in /start, or stored when it was linked), else the Telegram client's."""
    return linked.language if linked else normalize_lang(telegram_language)


class PrivateChatOnly(BaseMiddleware):
    """Refuses every update from a group, supergroup or channel before any handler (or the chat's link) is read.

    A citizen is found by the chat: in a group every member would read — and file as — the citizen linked to that
    chat, and the group would see their reports and pushes."""

    async def __call__(self, handler: Next, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat = data.get("event_chat")
        if chat is None or chat.type == ChatType.PRIVATE:
            return await handler(event, data)
        user = data.get("event_from_user")
        lang = chat_language(None, user.language_code if user else None)  # never the group's link: that is the leak
        if isinstance(event, CallbackQuery):
            await event.answer(t("private_only", lang), show_alert=True)
        elif isinstance(event, Message) and (event.text or event.caption):
            # with Telegram's default privacy mode a bot gets only what is addressed to it (commands, replies,
            # mentions) plus service messages; it answers the former and stays silent on joins and leaves
            await event.answer(t("private_only", lang))
        return None


class LanguageMiddleware(BaseMiddleware):
    """Puts the chat's language into handler data: the one chosen in /start, else the Telegram client's."""

    async def __call__(self, handler: Next, event: TelegramObject, data: dict[str, Any]) -> Any:
        ctx: Context = data["ctx"]
        chat = data.get("event_chat")
        user = data.get("event_from_user")
        linked = await service.chat_user(ctx, chat.id) if chat is not None else None
        data["lang"] = chat_language(linked, user.language_code if user else None)
        data["linked"] = linked
        return await handler(event, data)


async def citizen_of(ctx: Context, linked: service.ChatUser | None, user: User | None, chat_id: int,
                     lang: str) -> service.ChatUser:
    """The chat's citizen, linked on first use (a user may file a report without pressing /start)."""
    if linked is not None:
        return linked
    assert user is not None  # a private chat's messages and button taps always name their user
    return await service.link_chat(ctx, user_id=user.id, chat_id=chat_id, language=lang)
