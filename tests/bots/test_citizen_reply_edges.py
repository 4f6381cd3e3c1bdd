"""The citizen bot's Reply flow at its edges: an album sent as the answer's files is answered once (a captioned one
is the answer, with all its files); /cancel and the menu's "Cancel" during an answer end the answer only (its files
deleted) and give back a report draft paused for it instead of dropping it; "Report" deletes the answer's files
before starting a report. Real aiogram against the fake Bot API."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.media.models import Media
from tests.bots.test_citizen_chat_isolation import one_batch
from tests.bots.test_citizen_reply import _comments, _tapped_reply, answering_mid_report, answering_with_a_file
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = pytest.mark.anyio
USER = 737400


async def _media_of(ctx: Context, citizen_id: uuid.UUID) -> int:
    async with ctx.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Media).where(
            Media.owner_citizen_id == citizen_id))  # type: ignore[arg-type]
    return int(count or 0)


async def test_an_album_without_a_caption_is_answered_once(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER
    user, report = await _tapped_reply(ctx, tg, chat, "ru")
    await tg.wait_for_message_async(chat, contains="Напишите ответ")
    before = len(tg.sent_messages(chat))

    with one_batch(tg):  # as Telegram delivers an album: one update per file, all at once
        for i in range(3):
            tg.user_sends_photo(chat, user, sample_jpeg(50 + i, 40), media_group_id="reply-album")
    total = await tg.wait_for_message_async(chat, contains="(3)", timeout=10)
    tg.user_sends_text(chat, user, "Номер на фото")
    await tg.wait_for_message_async(chat, contains="Ваш ответ добавлен", timeout=10)

    answers = [m.text or "" for m in tg.sent_messages(chat)[before:]]
    assert len([a for a in answers if "📎" in a]) == 1, answers  # not one per photo
    assert "Файлы получены (3)" in (total.text or "")
    assert total.button("Отменить")["callback_data"] == "reply:cancel"
    assert [c.text for c in await _comments(ctx, report.id)] == ["Номер на фото"]
    async with ctx.sessions() as session:
        attached = await session.scalar(select(func.count()).select_from(Media).where(
            Media.report_id == report.id))  # type: ignore[arg-type]
    assert attached == 3


async def test_a_captioned_album_is_the_answer_with_all_its_files(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER + 4
    user, report = await _tapped_reply(ctx, tg, chat, "en")
    await tg.wait_for_message_async(chat, contains="Write your answer")
    before = len(tg.sent_messages(chat))

    with one_batch(tg):  # the caption comes with the album's first file, as Telegram's apps send it
        for i in range(3):
            tg.user_sends_photo(chat, user, sample_jpeg(60 + i, 40), caption="The car, from three sides" if i == 0
                                else None, media_group_id="reply-captioned")
    await tg.wait_for_message_async(chat, contains="Your answer was added to report No.", timeout=10)
    assert [c.text for c in await _comments(ctx, report.id)] == ["The car, from three sides"]
    async with ctx.sessions() as session:
        attached = await session.scalar(select(func.count()).select_from(Media).where(
            Media.report_id == report.id))  # type: ignore[arg-type]
    assert attached == 3  # not the first file only, the other two left to whatever the chat does next
    answers = [m.text or "" for m in tg.sent_messages(chat)[before:]]
    assert len(answers) == 1, answers


async def test_typed_cancel_ends_the_answer_and_gives_the_draft_back(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER + 1
    user, linked, report, _ = await answering_mid_report(ctx, tg, chat, "ru")

    tg.user_sends_text(chat, user, "/cancel")
    said = await tg.wait_for_message_async(chat, contains="Отменено")
    assert "Черновик обращения сохранён" in (said.text or "")
    assert await _media_of(ctx, linked.citizen_id) == 0  # the file kept for the answer went with it
    tg.user_sends_text(chat, user, "У подъезда разбили окно машины")  # the paused report's description step
    await tg.wait_for_message_async(chat, contains="Отправьте место")
    assert await _comments(ctx, report.id) == []


async def test_the_menus_cancel_during_an_answer_deletes_its_files_in_kazakh(ctx: Context,
                                                                          citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER + 2
    user, report = await answering_with_a_file(ctx, tg, chat, "kk")

    tg.user_sends_text(chat, user, "✖️ Болдырмау")
    said = await tg.wait_for_message_async(chat, contains="Болдырылмады")
    assert "жобасы" not in (said.text or "")  # no draft was paused: none is said to be back
    assert said.keyboard  # the main menu again
    assert await _media_of(ctx, report.citizen_id) == 0
    assert await _comments(ctx, report.id) == []


async def test_report_during_an_answer_deletes_its_files_and_starts_a_report(ctx: Context,
                                                                           citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER + 3
    user, report = await answering_with_a_file(ctx, tg, chat, "en")

    tg.user_sends_text(chat, user, "/report")
    await tg.wait_for_message_async(chat, contains="Describe what happened")
    assert await _media_of(ctx, report.citizen_id) == 0
    assert await _comments(ctx, report.id) == []
