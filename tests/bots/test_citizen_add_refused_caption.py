"""A refused file's caption goes with it at "Add to report № … / New report" (report_addition), also when "New
report" is tapped while the file is still being stored: the caption, kept before the file's download so that the tap
takes it with the file on its way, became the new report's description, and stayed there after the file was
refused. Real aiogram against the fake Bot API (its downloads held to make the file slow), real intake and media."""

from __future__ import annotations

import asyncio

import pytest

from backend.context import Context
from tests.bots.test_citizen_add_edges import SLOW_DOWNLOAD_S, _downloads
from tests.bots.test_citizen_add_files import _filed
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, Chat
from tests.bots.test_citizen_report_from_media import _reports
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.helpers import eventually

pytestmark = pytest.mark.anyio
CAPTION = "На этом видео видно лицо того, кто разбил окно"
NOT_A_PHOTO = b"these bytes are no JPEG: the media API refuses them"


async def test_new_report_tapped_while_a_refused_files_caption_was_stored(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 797301)
    await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    question = chat.last()
    citizen_tg.server.download_delay = SLOW_DOWNLOAD_S
    refused = asyncio.create_task(chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, NOT_A_PHOTO,
                                                                        caption=CAPTION)))
    try:
        await eventually(lambda: _downloads(citizen_tg, 2), interval=0.02)  # the captioned file is on its way
        await chat.feed(citizen_tg.user_taps_button(question, "report:add_new", user=chat.user))
        assert "принято как описание" in chat.texts()[-1], chat.texts()[-1]  # taken with the file on its way
    finally:
        await refused
        citizen_tg.server.download_delay = 0.0
    said = chat.texts()[-1]
    assert "Не удалось принять этот файл" in said and "Подпись к нему в описание не вошла" in said, said
    assert "Опишите, что произошло" in said, said  # nothing left of the description: asked for again
    await chat.says(TEXT)
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    confirmation = chat.texts()[-1]
    assert CAPTION not in confirmation and "Файлы: 1" in confirmation and APOLOGY not in confirmation, confirmation
    await chat.taps("report:send")
    assert [report.text for report in await _reports(ctx)][-1] == TEXT


async def test_words_typed_at_the_question_are_offered_again_once_the_refused_caption_left_none(
        ctx: Context, citizen_tg: FakeBot) -> None:
    """"New report" took the caption as the description and let go of the words typed meanwhile (offered only when
    the description is asked for): the caption refused, the description step came back without them."""
    chat = Chat(ctx, citizen_tg, 797302)
    await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    await chat.says(TEXT)  # answered as a question, kept to be offered
    question = chat.last()
    citizen_tg.server.download_delay = SLOW_DOWNLOAD_S
    refused = asyncio.create_task(chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, NOT_A_PHOTO,
                                                                        caption=CAPTION)))
    try:
        await eventually(lambda: _downloads(citizen_tg, 2), interval=0.02)
        await chat.feed(citizen_tg.user_taps_button(question, "report:add_new", user=chat.user))
        assert "принято как описание" in chat.texts()[-1], chat.texts()[-1]
    finally:
        await refused
        citizen_tg.server.download_delay = 0.0
    said = chat.texts()[-1]
    assert "Подпись к нему в описание не вошла" in said and "Опишите, что произошло" in said, said
    assert "Если сообщение, которое вы написали выше" in said, said
    await chat.taps("report:use_typed")
    assert "принято как описание" in chat.texts()[-1], chat.texts()[-1]
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert [report.text for report in await _reports(ctx)][-1] == TEXT
