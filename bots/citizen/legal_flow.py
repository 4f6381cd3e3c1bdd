"""Legal questions: any text outside a report is a question, answered by the legal assistant within the chat's
limit (ZAN_CITIZEN_BOT_LEGAL_PER_10MIN); anything else outside a report is answered with the prompt and the menu.

Registered after the other conversations: its handlers take what no command or report step took.

The chat's last few questions are kept in its FSM data (LEGAL_CONTEXT) and sent with the next one, so a follow-up
("а если ему 15 лет?") is answered on their topic. They expire with the FSM data (FSM_TTL_S), and /start or a report
started clears them with the rest of the conversation's data (`drop_draft`)."""

from __future__ import annotations

import math

from aiogram import Bot, F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from backend.context import Context
from backend.lib.errors import ZanError
from bots.citizen import keyboards, service
from bots.citizen.answers import format_answer
from bots.citizen.registry import Handlers
from bots.citizen.texts import all_languages, normalize_lang, t
from ml.lang import decided_language
from ml.pii import mask_pii

handlers = Handlers()
# FSM data: the chat's last legal questions, oldest first (as many as the API takes as context)
LEGAL_CONTEXT = "legal_context"
MAX_CONTEXT = 3


@handlers.message(StateFilter(None), F.text.in_(all_languages("btn_ask")))
async def ask_prompt(message: Message, lang: str) -> None:
    await message.answer(t("ask_prompt", lang))


@handlers.message(StateFilter(None), F.text, ~F.text.startswith("/"))
async def legal_question(message: Message, bot: Bot, ctx: Context, state: FSMContext, lang: str,
                         linked: service.ChatUser | None) -> None:
    from backend.legal import service as legal

    # Only a language the user picked in /start (or /language) is a choice. Otherwise `lang` is the phone's interface
    # language, which says nothing of the language the person writes in: an English phone asking in Russian gets a
    # Russian answer (language=None: the question's own). A chat linked by filing a report, attaching media or
    # opening /reports without /start has a link holding that interface language, with `language_chosen` false.
    chosen = linked.language if linked is not None and linked.language_chosen else None
    question = (message.text or "")[:2000]
    # the refusals below in the language the answer would have been written in: the question's own when it decides
    # one (a Kazakh question from a Russian phone was answered in Kazakh, but told in Russian to wait), else `lang`
    said = chosen or decided_language(question) or lang
    wait = await service.legal_wait(ctx, message.chat.id)
    if wait is not None:
        # over the chat's limit only the emergency lead is given (it takes no legal slot): an urgent question is
        # never refused, yet urgent words cannot carry a flood past the limit to the slots
        urgent = await service.urgent_answer(question, chosen)
        if urgent is None:
            await message.answer(t("legal_rate_limited", said, minutes=max(1, math.ceil(wait / 60))))
            return
        answer = urgent
    else:
        await bot.send_chat_action(message.chat.id, "typing")
        earlier = [str(q) for q in (await state.get_data()).get(LEGAL_CONTEXT) or []]
        try:
            answer = await legal.ask(ctx, question=question, language=chosen, context=earlier)
        except ZanError:
            # not the chat's use of the service: "ask again later" must not be answered with "you ask too often"
            await service.legal_unused(ctx, message.chat.id)
            await message.answer(t("legal_unavailable", said))
            return
        # the question is remembered once answered: the next one may continue it
        # masked: the FSM data lives in Redis for hours, and an IIN or a phone number is no part of a topic
        await state.update_data({LEGAL_CONTEXT: [*earlier, mask_pii(question)][-MAX_CONTEXT:]})
    # the headings and the button around the answer in the answer's language, not a mix of two
    reply_lang = chosen or normalize_lang(answer.language)
    offer = answer.urgent or answer.suggested_action == "report"
    await message.answer(format_answer(answer, reply_lang),
                         reply_markup=keyboards.offer_report(reply_lang) if offer else None)


@handlers.message(StateFilter(None))
async def fallback(message: Message, lang: str) -> None:
    await message.answer(t("ask_prompt", lang), reply_markup=keyboards.main_menu(lang))
