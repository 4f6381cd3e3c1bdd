""""Add" with more files than the report has room for under its limit of files (5) is not all-or-nothing: the files
sent first that fit are added, and those sent last are said not to be, in the limit's own words, and kept, so "New
report" files them (a citizen who sent seven photos lost them all to the API's refusal of the whole addition). Real
aiogram against the fake Bot API, real intake, media pipeline and comments."""

from __future__ import annotations

import pytest
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import select

from backend.context import Context
from backend.reports.models import Report
from bots.citizen import service
from bots.citizen.report_draft import ADD_FULL
from tests.bots.redis_blip import RESEND, Clock, _storage, blip_at_data_read, redis_holds
from tests.bots.test_citizen_add_files import _album, _comments, _filed
from tests.bots.test_citizen_audit_conversation import TEXT, Chat
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_voice import _number, _voice
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.media.recordings import recording

pytestmark = pytest.mark.anyio
# what is said of the files left out, and the question asked again, in each language
LEFT = {"ru": ("К обращению № {n} добавлено файлов: 2", "Последние присланные файлы (3) не добавлены: К обращению "
               "можно приложить не более 5 файлов. Они сохранены", "Подать новое обращение?"),
        "kk": ("№ {n} өтінішке қосылған файлдар: 2", "Соңғы жіберілген 3 файл қосылмады: Өтінішке 5 файлдан артық "
               "тіркеуге болмайды. Олар сақталды", "Жаңа өтініш бересіз бе?"),
        "en": ("Files added to report No. {n}: 2", "The last 3 files you sent were not added: At most 5 files can be "
               "attached to a report. They are kept", "File a new report?")}


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_the_files_that_fit_are_added_and_the_rest_said_and_kept(ctx: Context, citizen_tg: FakeBot,
                                                                       lang: str) -> None:
    chat = Chat(ctx, citizen_tg, {"ru": 794101, "kk": 794102, "en": 794103}[lang])
    number = await _filed(chat, citizen_tg, lang)
    await _album(chat, citizen_tg, f"over-1-{lang}", 3)
    await chat.taps("report:add_to")
    await _album(chat, citizen_tg, f"over-2-{lang}", 5)  # 3 + 5 > 5: room for 2
    await chat.taps("report:add_to")
    said = chat.texts()[-1]
    added, left, asked = LEFT[lang]
    assert added.format(n=number) in said and left in said and asked in said, said
    buttons = {b["callback_data"] for row in chat.last().inline_keyboard for b in row}
    assert buttons == {"report:add_new"}, buttons  # the report is full: "Add" could only be refused
    assert len(await _files_of(ctx, number)) == 5 and len(await _comments(ctx, number)) == 2


async def test_seven_photos_sent_the_two_that_fit_are_added_and_the_rest_filed_anew(ctx: Context,
                                                                                     citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 794104)
    number = await _filed(chat, citizen_tg)
    await _album(chat, citizen_tg, "over-3", 3)
    await chat.taps("report:add_to")
    await _album(chat, citizen_tg, "over-4", 7)  # a draft keeps 5 (the 2 past it said at once): room for 2 of them
    assert "не более 5 файлов" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:add_to")
    assert "К обращению № " + number + " добавлено файлов: 2" in chat.texts()[-1], chat.texts()[-1]
    assert len(await _files_of(ctx, number)) == 5
    await chat.taps("report:add_new")  # the 3 left over, kept: a new report's
    assert "Уже приложено файлов: 3 из 5" in chat.texts()[-1], chat.texts()[-1]
    await chat.says(TEXT)
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert len(await _files_of(ctx, _number(chat.texts()[-1]))) == 3
    assert len(await _files_of(ctx, number)) == 5


async def test_an_add_applied_but_unanswered_is_not_refused_when_tapped_again(ctx: Context,
                                                                               citizen_tg: FakeBot) -> None:
    """The files that fit were posted under the draft's key, and the bot stopped before it answered (or the commit's
    acknowledgement was lost): the tap again posts all the files first, a body other than the one the key holds.
    That is no refusal to say ("the key was used for another request"): what was added is said, the rest kept."""
    chat = Chat(ctx, citizen_tg, 794105)
    number = await _filed(chat, citizen_tg)
    await _album(chat, citizen_tg, "over-5", 3)
    await chat.taps("report:add_to")
    await _album(chat, citizen_tg, "over-6", 5)  # room for 2
    data = await chat.bot.storage.get_data(StorageKey(bot_id=chat.bot.bot.id, chat_id=chat.id, user_id=chat.id))
    files = await service.draft_media(ctx, str(data["key"]))
    async with ctx.sessions() as session:
        report = await session.scalar(select(Report).where(Report.number == number))  # type: ignore[arg-type]
    assert report is not None and report.citizen_id is not None
    # what the "Add" whose answer was lost had done: the two that fit posted under the draft's key
    await service.comment_on_report(ctx, citizen_id=report.citizen_id, report_id=report.id,
                                    text="Дополнительные файлы к обращению.", media_ids=files[:2],
                                    idempotency_key=f"telegram:{data['key']}:add")
    await chat.taps("report:add_to")
    said = chat.texts()[-1]
    assert "Не удалось добавить" not in said and f"К обращению № {number} добавлено файлов: 2" in said, said
    assert "Последние присланные файлы (3) не добавлены" in said, said
    assert len(await _files_of(ctx, number)) == 5 and len(await _comments(ctx, number)) == 2
    assert await service.draft_media(ctx, str(data["key"])) == files[2:]  # the rest kept for a new report


async def test_only_the_voice_message_fits_its_comment_says_so(ctx: Context, citizen_tg: FakeBot) -> None:
    """A voice message sent first, a photo after it, room for one file: the voice message alone is added, and the
    comment's default words name it ("a voice message"), not "more files" staff would look for in vain."""
    chat = Chat(ctx, citizen_tg, 794106)
    number = await _filed(chat, citizen_tg)
    await _album(chat, citizen_tg, "over-7", 4)
    await chat.taps("report:add_to")
    await chat.feed(_voice(citizen_tg, chat, recording("ogg", "libopus")))
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(71, 48)))
    await chat.taps("report:add_to")
    assert f"К обращению № {number} добавлено файлов: 1" in chat.texts()[-1], chat.texts()[-1]
    assert (await _comments(ctx, number))[-1] == "🎙 К обращению добавлено голосовое сообщение.", \
        await _comments(ctx, number)


@pytest.mark.redis
async def test_what_was_added_is_said_while_redis_blips(ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy) -> None:
    """Redis lost once "Add" posted the files that fit: the step read again reads none (its state unknown while
    Redis is away), and what was added and what was kept went unsaid. Said now (with resume's "send that again": the
    question cannot be asked unread), and the report's being full is in Redis once it answers."""
    chat = Chat(ctx, citizen_tg, 794107)
    _storage(chat).clock = Clock()
    number = await _filed(chat, citizen_tg)
    await _album(chat, citizen_tg, "over-8", 3)
    await chat.taps("report:add_to")
    await _album(chat, citizen_tg, "over-9", 5)  # room for 2
    tap = citizen_tg.user_taps_button(chat.last(), "report:add_to", user=chat.user)
    said = await blip_at_data_read(chat, proxy, tap, reads=4)  # the guard, the tap, the files, the rest kept
    assert len(await _files_of(ctx, number)) == 5 and len(await _comments(ctx, number)) == 2
    assert len(said) == 1 and f"К обращению № {number} добавлено файлов: 2" in said[0], said
    assert "Последние присланные файлы (3) не добавлены" in said[0] and RESEND in said[0], said
    _, data = await redis_holds(chat)
    assert data.get(ADD_FULL) is True and "key" in data, data
