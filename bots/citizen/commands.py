"""/start, /language and the choice of language: the chat's settings."""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from backend.context import Context
from bots.citizen import keyboards, service
from bots.citizen.registry import Handlers
from bots.citizen.report_draft import drop_draft, resume
from bots.citizen.texts import all_languages, normalize_lang, t

handlers = Handlers()


@handlers.message(CommandStart())
async def start(message: Message, state: FSMContext, ctx: Context) -> None:
    await drop_draft(state, ctx)  # in the middle of a report: it is abandoned, as with /cancel
    await choose(message)


@handlers.message(Command("language"))
@handlers.message(F.text.in_(all_languages("btn_language")))
async def choose(message: Message) -> None:
    """The languages offered. A report being written is kept (the menu's "Language" is on screen at its steps):
    changing the language is no reason to lose what the citizen sent, and the choice takes them back to it."""
    await message.answer(t("choose_language", "kk") + "\n" + t("choose_language", "ru") + "\n"
                         + t("choose_language", "en"), reply_markup=keyboards.languages())


@handlers.callback_query(F.data.startswith("lang:"))
async def choose_language(callback: CallbackQuery, state: FSMContext, ctx: Context) -> None:
    lang = normalize_lang((callback.data or "").split(":", 1)[1])
    message = callback.message
    await callback.answer()
    if not isinstance(message, Message):
        return
    await service.link_chat(ctx, user_id=callback.from_user.id, chat_id=message.chat.id, language=lang, chosen=True)
    if await resume(message, state, ctx, lang, t("report_resumed", lang), lead_alone=False):
        return  # a report was being written: its step asked again in the new language, with its keyboard
    await message.answer(t("welcome", lang), reply_markup=keyboards.main_menu(lang))
