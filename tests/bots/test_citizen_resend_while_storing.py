"""The same file sent again by the citizen in a new message while its first copy is still being downloaded and stored
(the download slow, the citizen unsure it came through). Its place is held for the first message (report_storing's
STORING, SENT), and the new message was taken for a re-delivered update of that one: nothing said, the citizen left
waiting for an answer that never came. Now a new message (another message_id) is told the file is already on its way
and need not be sent again, while an update delivered again (the same message) stays silent; the first message gets
its own answer once its file is stored, the file is downloaded and kept once, and the draft goes on. Real aiogram
against the fake Bot API (the first download held until the new message is answered), real intake and media store."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from backend.context import Context
from bots.models import TelegramDraftMedia
from tests.bots.test_citizen_add_files import _filed
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_resend_after_outage import ADD, OFFER, _again
from tests.bots.test_citizen_slow_files import _at_files_step, _count, _HeldDownload
from tests.bots.test_citizen_voice import _voice
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.helpers import eventually
from tests.media.recordings import recording

pytestmark = pytest.mark.anyio
ON_ITS_WAY = "Этот файл уже принимается из вашего прежнего сообщения"  # report_file_on_its_way
ADDED = "Принято файлов: 1 из 5"
HANDLED_WITHIN_S = 30.0  # a bound, not a measurement: an update is handled in well under a second


async def _first_on_its_way(chat: Chat, update: dict[str, Any]) -> tuple[asyncio.Task[None], _HeldDownload]:
    """`update` handled with its file's download held (_HeldDownload; it was held by a delay of the fake's, 8 s that
    every test waited out, a guess generous for a loaded machine): the task handling it, its download done (the file's
    place taken) and the file not stored yet, and the hold to let go once the new message is answered."""
    held = _HeldDownload(chat.bot.bot)
    first = asyncio.create_task(chat.feed(update))
    try:
        await eventually(held.is_reached, interval=0.02)
    except BaseException:
        held.release()
        await asyncio.gather(first, return_exceptions=True)
        raise
    assert not first.done(), "the first copy was meant to be still on its way"
    return first, held


async def _told_while_on_its_way(chat: Chat, first: asyncio.Task[None], update: dict[str, Any]) -> list[str]:
    """`update` fed while `first` is still on its way: what the bot said to it, said before the first copy is stored
    (not held back until then)."""
    before = len(chat.texts())
    # bounded: the first copy is held until this is answered, so an update that waited for it would wait for ever
    await asyncio.wait_for(chat.feed(update), timeout=HANDLED_WITHIN_S)
    assert not first.done(), "the first copy was meant to be still on its way"
    return chat.texts()[before:]


async def _first_answered(chat: Chat, first: asyncio.Task[None], held: _HeldDownload) -> list[str]:
    before = len(chat.texts())
    held.release()
    await first
    return chat.texts()[before:]


async def test_the_same_photo_sent_again_at_the_files_step_while_on_its_way_is_answered(
        ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _at_files_step(ctx, citizen_tg, 799871)
    photo = citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(52, 40))
    downloads = len(citizen_tg.calls("getFile"))
    first, held = await _first_on_its_way(chat, photo)
    try:
        said = await _told_while_on_its_way(chat, first, _again(chat, [photo])[0])
        assert len(said) == 1 and ON_ITS_WAY in said[0], said
        assert chat.last().button("Готово") is not None  # the files step's "Done" still with it
    finally:
        after = await _first_answered(chat, first, held)
    # the first message's own answer, once: the file counted once, not a second answer to the new message
    assert len(after) == 1 and ADDED in after[0], after
    assert len(citizen_tg.calls("getFile")) == downloads + 1  # the copy sent again is never downloaded
    assert await _count(ctx, TelegramDraftMedia) == 1
    await chat.taps("report:photos_done")
    assert "Файлы: 1" in chat.texts()[-1], chat.texts()[-1]


async def test_the_same_update_delivered_again_while_on_its_way_stays_silent(ctx: Context,
                                                                             citizen_tg: FakeBot) -> None:
    chat = await _at_files_step(ctx, citizen_tg, 799872)
    photo = citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(53, 40))
    first, held = await _first_on_its_way(chat, photo)
    try:
        said = await _told_while_on_its_way(chat, first, photo)  # the same message: taken and to be answered
        assert said == [], said
    finally:
        after = await _first_answered(chat, first, held)
    assert len(after) == 1 and ADDED in after[0], after
    assert await _count(ctx, TelegramDraftMedia) == 1


async def test_the_same_voice_message_sent_again_at_file_a_report_while_on_its_way_is_answered(
        ctx: Context, citizen_tg: FakeBot) -> None:
    """Outside a report a voice message starts a draft and "File a report with this?" is asked once it is kept: the
    same voice message sent again meanwhile is told it is on its way, and the draft, holding no file yet, is not
    dropped as one none of whose files could be kept."""
    chat = Chat(ctx, citizen_tg, 799873)
    await chat.says("/start")
    await chat.taps("lang:ru")
    voice = _voice(citizen_tg, chat, recording("ogg", "libopus"))
    first, held = await _first_on_its_way(chat, voice)
    try:
        said = await _told_while_on_its_way(chat, first, _again(chat, [voice])[0])
        assert len(said) == 1 and ON_ITS_WAY in said[0], said
    finally:
        after = await _first_answered(chat, first, held)
    assert len(after) == 1 and OFFER in after[0], after  # the question, asked once the file is kept
    assert await _count(ctx, TelegramDraftMedia) == 1


async def test_the_same_photo_sent_again_at_add_to_report_while_on_its_way_is_answered(
        ctx: Context, citizen_tg: FakeBot) -> None:
    """After a report is filed a photo starts a draft and "Add to report № … / New report" is asked once it is kept:
    the same photo sent again meanwhile is told it is on its way, its caption not dropped as a refused file's, and
    the question is asked once, by the first copy."""
    chat = Chat(ctx, citizen_tg, 799874)
    number = await _filed(chat, citizen_tg)
    photo = citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(54, 40))
    first, held = await _first_on_its_way(chat, photo)
    try:
        # the same photo (its file_unique_id) with words under it, in a new message
        again = citizen_tg._user_message(chat.id, chat.user, {"photo": photo["message"]["photo"], "caption": "Это он"})
        said = await _told_while_on_its_way(chat, first, again)
        assert len(said) == 1 and ON_ITS_WAY in said[0], said
    finally:
        after = await _first_answered(chat, first, held)
    assert len(after) == 1 and ADD in after[0] and f"№ {number}" in after[0], after
    assert await _count(ctx, TelegramDraftMedia) == 1
