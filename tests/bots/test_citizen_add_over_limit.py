""""Add" with more files than the report has room for under its limit of files (5) is not all-or-nothing: the files
sent first that fit are added, and those sent last are said not to be, in the limit's own words, and kept, so "New
report" files them (a citizen who sent seven photos lost them all to the API's refusal of the whole addition). Real
aiogram against the fake Bot API, real intake, media pipeline and comments."""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.bots.test_citizen_add_files import _album, _comments, _filed
from tests.bots.test_citizen_audit_conversation import TEXT, Chat
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_voice import _number
from tests.fakes.telegram import FakeBot

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
