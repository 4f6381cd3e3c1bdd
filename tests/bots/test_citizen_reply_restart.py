"""The citizen bot's Reply flow ended by something else than the answer or its "Cancel": /start, /language or the
menu's "Language" during an answer delete the files kept for it at once (as every other end of an answer does)
instead of leaving them to the unused-media purge; an album whose answer is cancelled while it settles gets no
answer of its own. Real aiogram against the fake Bot API."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from backend.context import Context
from bots.citizen import service as citizen_bot
from bots.citizen.notify import notify_report_event
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_reply import (
    REASON,
    _asked,
    _comments,
    answering_mid_report,
    answering_with_a_file,
    file_for_the_answer,
)
from tests.bots.test_citizen_reply_edges import _media_of
from tests.fakes.telegram import FakeBot, make_user, sample_jpeg

pytestmark = pytest.mark.anyio
USER = 737500


async def test_start_during_an_answer_deletes_its_files(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER
    user, report = await answering_with_a_file(ctx, tg, chat, "ru")

    tg.user_sends_text(chat, user, "/start")
    asked = await tg.wait_for_message_async(chat, contains="Выберите язык")
    assert asked.button("Русский")["callback_data"] == "lang:ru"
    assert await _media_of(ctx, report.citizen_id) == 0  # deleted with the answer, not left for the purge
    assert await _comments(ctx, report.id) == []


async def test_the_menus_language_during_an_answer_paused_mid_report_deletes_its_files_in_kazakh(
        ctx: Context, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER + 1
    user, linked, report, _ = await answering_mid_report(ctx, tg, chat, "kk")

    tg.user_sends_text(chat, user, "🌐 Тіл")
    await tg.wait_for_message_async(chat, contains="Тілді таңдаңыз")
    assert await _media_of(ctx, linked.citizen_id) == 0
    assert await _comments(ctx, report.id) == []


async def test_language_command_during_an_answer_deletes_its_files(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER + 2
    user, report = await answering_with_a_file(ctx, tg, chat, "en")

    tg.user_sends_text(chat, user, "/language")
    await tg.wait_for_message_async(chat, contains="Choose your language")
    assert await _media_of(ctx, report.citizen_id) == 0
    assert await _comments(ctx, report.id) == []


async def test_an_album_whose_answer_is_cancelled_while_it_settles_gets_no_answer(ctx: Context,
                                                                                 citizen_tg: FakeBot) -> None:
    """The album's files and /cancel arrive together: each file is kept and lets the chat go while the album
    settles, /cancel ends the answer (its files deleted), and the album, its answer gone, says nothing after that."""
    chat = Chat(ctx, citizen_tg, USER + 3)
    linked = await citizen_bot.link_chat(ctx, user_id=chat.id, chat_id=chat.id, language="ru", chosen=True)
    report, event = await _asked(ctx, linked.citizen_id)
    await notify_report_event(ctx, report, event)
    await chat.taps(f"reply:{report.id}")
    assert "Напишите ответ" in chat.texts()[-1]
    before = len(chat.texts())

    album = [citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(70 + i, 40), media_group_id="reply-gone")
             for i in range(3)]
    # each handled to its end (the album's settle included) once gathered; the chat's lock takes them in this order
    await asyncio.gather(*(chat.feed(update) for update in [*album, citizen_tg.user_sends_text(
        chat.id, chat.user, "/cancel")]))
    assert chat.texts()[before:] == ["Отменено."], chat.texts()[before:]
    assert await _media_of(ctx, report.citizen_id) == 0
    assert await _comments(ctx, report.id) == []


async def test_file_a_report_under_a_legal_answer_during_an_answer_deletes_its_files(
        ctx: Context, legal_index: Path, citizen_polling: FakeBot) -> None:
    """The "File a report" button of a legal answer given before, tapped during an answer: a report starts, and the
    answer's files go with the answer (the report's start cleared the chat and left them to the purge)."""
    tg, chat = citizen_polling, USER + 4
    user = make_user(chat, language_code="ru")
    linked = await citizen_bot.link_chat(ctx, user_id=chat, chat_id=chat, language="ru", chosen=True)
    tg.user_sends_text(chat, user, "Муж бьёт меня прямо сейчас и угрожает ножом, что делать?")
    legal = await tg.wait_for_message_async(chat, contains="102", timeout=30)
    report, event = await _asked(ctx, linked.citizen_id)
    await notify_report_event(ctx, report, event)
    pushed = await tg.wait_for_message_async(chat, contains=REASON)
    tg.user_taps_button(pushed, f"reply:{report.id}", user=user)
    await file_for_the_answer(tg, chat, user, "ru")

    tg.user_taps_button(legal, "report:start", user=user)
    await tg.wait_for_message_async(chat, contains="Опишите, что произошло")
    assert await _media_of(ctx, linked.citizen_id) == 0
    assert await _comments(ctx, report.id) == []


async def test_the_paused_drafts_cancel_during_an_answer_ends_both_and_deletes_the_files(
        ctx: Context, legal_index: Path, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER + 5
    user, linked, report, prompt = await answering_mid_report(ctx, tg, chat, "ru")

    tg.user_taps_button(prompt, "report:cancel", user=user)
    await tg.wait_for_message_async(chat, contains="Отменено")
    assert await _media_of(ctx, linked.citizen_id) == 0
    assert await _comments(ctx, report.id) == []
    tg.user_sends_text(chat, user, "Какое наказание за кражу?")  # the answer is over: a legal question, no comment
    await tg.wait_for_message_async(chat, contains="188", timeout=30)
    assert await _comments(ctx, report.id) == []
