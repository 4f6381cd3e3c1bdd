"""The questions asked of files sent outside a report ("Add to report № … / New report", "File a report with
this?"), read as a citizen meets them: "Add" tapped while a file sent meanwhile is still being stored waits for it
(it was stored for a draft gone, and deleted unsaid); a report closed meanwhile is said so in words of its own and
not asked about again (its "Add" could only be refused again); a file stored while the question was answered
("New report", "Yes") is said to be with the report; "No" says the files sent meanwhile went too, not "the file";
an album sent while "File a report with this?" waits is answered once all its files are in (a later file's refusal
said). Real aiogram against the fake Bot API (its downloads held to make a file slow), real intake, media and
comments."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import update

from backend.context import Context
from backend.lib.clock import utcnow
from backend.reports.models import Report
from tests.bots.test_citizen_add_files import _comments, _filed
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_report_from_media import _asked, _drafts, _media
from tests.bots.test_citizen_voice import _voice
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.helpers import eventually
from tests.media.recordings import recording

pytestmark = pytest.mark.anyio
SLOW_DOWNLOAD_S = 1.5


async def _downloads(tg: FakeBot, count: int) -> bool:
    return len(tg.calls("getFile")) >= count


async def _close(ctx: Context, number: str) -> None:
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(Report.number == number)  # type: ignore[arg-type]
                              .values(status="closed", resolution="resolved", closed_at=utcnow()))
        await session.commit()


def _alerts(tg: FakeBot) -> list[str]:
    return [str(call.params.get("text") or "") for call in tg.calls("answerCallbackQuery")]


async def test_add_waits_for_a_file_still_being_stored(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 797001)
    number = await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    question = chat.last()
    citizen_tg.server.download_delay = SLOW_DOWNLOAD_S
    second = asyncio.create_task(chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(66, 48))))
    try:
        await eventually(lambda: _downloads(citizen_tg, 2), interval=0.02)  # the second photo is on its way
        before = len(chat.texts())
        await chat.feed(citizen_tg.user_taps_button(question, "report:add_to", user=chat.user))
        assert "Файл ещё сохраняется" in _alerts(citizen_tg)[-1], _alerts(citizen_tg)
        assert chat.texts()[before:] == [] and await _files_of(ctx, number) == []  # nothing done yet
    finally:
        await second
        citizen_tg.server.download_delay = 0.0
    assert f"№ {number} ещё рассматривается" in chat.texts()[-1]  # asked again once the photo is in
    await chat.taps("report:add_to")
    assert f"К обращению № {number} добавлено файлов: 2" in chat.texts()[-1], chat.texts()[-1]
    assert len(await _files_of(ctx, number)) == 2 and await _media(ctx) == 2  # neither lost


async def test_a_report_closed_meanwhile_is_said_so_and_the_photo_goes_on_as_a_new_reports(
        ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 797002)
    number = await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    await _close(ctx, number)
    before = len(chat.texts())
    await chat.taps("report:add_to")
    said = chat.texts()[before:]
    assert f"Обращение № {number} уже закрыто" in said[0], said
    assert not any("ещё рассматривается" in text for text in said), said  # its "Add" is not offered again
    assert "Уже приложено файлов: 1 из 5" in said[-1] and "Опишите, что произошло" in said[-1], said
    assert await _comments(ctx, number) == [] and len(await _drafts(ctx)) == 1  # the photo kept for the new one


async def test_a_voice_message_whose_report_closed_meanwhile_is_asked_file_a_report(ctx: Context,
                                                                                     citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 797003)
    number = await _filed(chat, citizen_tg, "kk")
    await chat.feed(_voice(citizen_tg, chat, recording("ogg", "libopus")))
    await _close(ctx, number)
    await chat.taps("report:add_to")
    said = chat.texts()[-1]
    assert f"№ {number} өтініш жабылды" in said and "Осы хабарламамен полицияға өтініш бересіз бе?" in said, said
    buttons = {b["callback_data"] for row in chat.last().inline_keyboard for b in row}
    assert buttons == {"report:offer_yes", "report:offer_no"}, buttons
    await chat.taps("report:offer_no")
    assert (await _drafts(ctx), await _media(ctx)) == ([], 0)


async def test_a_file_stored_while_new_report_was_tapped_is_said_to_be_with_it(ctx: Context,
                                                                              citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 797004)
    await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    question = chat.last()
    citizen_tg.server.download_delay = SLOW_DOWNLOAD_S
    second = asyncio.create_task(chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(66, 48))))
    try:
        await eventually(lambda: _downloads(citizen_tg, 2), interval=0.02)
        await chat.feed(citizen_tg.user_taps_button(question, "report:add_new", user=chat.user))
        assert "Уже приложено файлов: 1 из 5" in chat.texts()[-1]  # the second one not in yet
    finally:
        await second
        citizen_tg.server.download_delay = 0.0
    assert "Файл сохранён в обращении" in chat.texts()[-1], chat.texts()  # not silently: it is not sent again
    assert len(await _drafts(ctx)) == 2


async def test_a_file_stored_while_yes_was_tapped_is_said_to_be_with_the_report(ctx: Context,
                                                                               citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 797005)
    question = chat.last()
    citizen_tg.server.download_delay = SLOW_DOWNLOAD_S
    photo = asyncio.create_task(chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48))))
    try:
        await eventually(lambda: _downloads(citizen_tg, 2), interval=0.02)
        await chat.feed(citizen_tg.user_taps_button(question, "report:offer_yes", user=chat.user))
    finally:
        await photo
        citizen_tg.server.download_delay = 0.0
    assert "Файл сохранён в обращении" in chat.texts()[-1], chat.texts()
    assert len(await _drafts(ctx)) == 2


async def test_no_says_every_file_sent_meanwhile_is_deleted(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 797006, "kk")
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    assert await _media(ctx) == 2
    await chat.taps("report:offer_no")
    said = chat.texts()[-1]
    assert "жіберген 2 файлыңыз жойылды" in said, said  # not "the file is deleted": both went
    assert (await _drafts(ctx), await _media(ctx)) == ([], 0)


async def test_an_album_sent_while_asked_says_a_later_files_refusal(ctx: Context, citizen_tg: FakeBot) -> None:
    """An album while "File a report with this?" waits: one answer once all its files are in, saying the video
    that could not be taken (over the Bot API's 20 MB), not only what became of the first file through."""
    chat = await _asked(ctx, citizen_tg, 797007)
    album = [citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), media_group_id="asked-1"),
             citizen_tg.user_sends_video(chat.id, chat.user, b"\0" * 64, file_size=30 * 1024 * 1024,
                                         media_group_id="asked-1")]
    before = len(chat.texts())
    await asyncio.gather(*(chat.feed(update) for update in album))  # as Telegram delivers an album: all at once
    answers = chat.texts()[before:]
    assert len(answers) == 1, answers
    assert "Не удалось принять этот файл" in answers[0] and "Подать обращение в полицию" in answers[0], answers
    assert len(await _drafts(ctx)) == 2  # the voice message and the photo
