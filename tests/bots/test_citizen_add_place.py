"""A location sent at the "Add to report № … / New report" question: the API has no step that changes a filed
report's place, so "Add" posts it in the comment as coordinates (said so when it is sent, and after "Add"), in the
chat's language, rather than dropping it for the report it was meant for; "New report" still takes it as its place.
Real aiogram against the fake Bot API, real intake, media and comments."""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.bots.test_citizen_add_files import _album, _comments, _filed
from tests.bots.test_citizen_audit_conversation import TEXT, Chat
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_report_from_media import _reports
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = pytest.mark.anyio


async def test_add_posts_the_place_as_coordinates_in_the_comment(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 799411)
    number = await _filed(chat, citizen_tg, "en")
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption="His car, 123ABC02"))
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 43.2389, 76.8897))
    assert f"added to report No. {number} as a comment with its coordinates" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:add_to")
    said = chat.texts()[-1]
    assert f"The place is added to report No. {number}" in said and "Files added" in said, said
    assert await _comments(ctx, number) == ["His car, 123ABC02\n\n📍 Place given by the reporter: 43.238900, 76.889700"]


async def test_new_report_still_takes_the_place_as_its_own(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 799412)
    number = await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 43.2389, 76.8897))
    await chat.taps("report:add_new")
    await chat.says(TEXT)  # the place was given: on to the files, then Send
    await chat.taps("report:skip")
    await chat.taps("report:send")
    [new] = [report for report in await _reports(ctx) if report.number != number]
    assert round(float(new.lat), 4) == 43.2389, new
    assert await _comments(ctx, number) == []


async def test_words_cut_to_make_room_for_the_place_are_said_cut(ctx: Context, citizen_tg: FakeBot) -> None:
    """Captions that fit the comment alone but not with the place's line: the words are cut for the place, and that
    is said, as any cut of the citizen's words is (never a silent loss)."""
    chat = Chat(ctx, citizen_tg, 799413)
    number = await _filed(chat, citizen_tg)
    told = [f"{index} " + "очень длинное описание " * 43 for index in range(5)]  # 5 × 991: 4,963 with separators
    for index, words in enumerate(told):
        await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64 + index, 48), caption=words))
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 43.2389, 76.8897))
    await chat.taps("report:add_to")
    [comment] = await _comments(ctx, number)
    assert comment.endswith("📍 Место, указанное заявителем: 43.238900, 76.889700") and len(comment) <= 5000, comment
    assert not comment.startswith("\n\n".join(told)), comment  # the words were cut to make room
    assert "поэтому взяты только первые" in chat.texts()[-1], chat.texts()[-1]


async def test_a_place_sent_once_the_report_is_full_is_not_promised_to_it(ctx: Context, citizen_tg: FakeBot) -> None:
    """After "Add" found no room for some files ("Add" is no longer offered), a place sent is not said to go with
    the report "if you tap Add": it is kept for a new report, which is all the question offers."""
    chat = Chat(ctx, citizen_tg, 799414)
    number = await _filed(chat, citizen_tg)
    await _album(chat, citizen_tg, "place-full-1", 4)
    await chat.taps("report:add_to")
    await _album(chat, citizen_tg, "place-full-2", 3)  # room for 1
    await chat.taps("report:add_to")
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 43.2389, 76.8897))
    said = chat.texts()[-1]
    assert "Место происшествия сохранено" in said and "Если нажмёте «Добавить»" not in said, said
    assert f"Добавить присланное к обращению № {number} нельзя. Подать новое обращение?" in said, said
    assert {b["callback_data"] for row in chat.last().inline_keyboard for b in row} == {"report:add_new"}


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_a_place_sent_to_a_report_full_before_add_is_posted_alone(ctx: Context, citizen_tg: FakeBot,
                                                                        lang: str) -> None:
    """The report had no room left before "Add": the place was said to go with the comment, and "Add", refused
    whole, posted nothing. Now no file goes, and the place does, as its line alone; the file stays for a new report."""
    chat = Chat(ctx, citizen_tg, {"ru": 799415, "kk": 799416, "en": 799417}[lang])
    number = await _filed(chat, citizen_tg, lang)
    await _album(chat, citizen_tg, f"full-before-{lang}", 5)
    await chat.taps("report:add_to")
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption="His car"))
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 43.2389, 76.8897))
    assert {"ru": "Если нажмёте «Добавить»", "kk": "«Қосу» батырмасын бассаңыз",
            "en": "If you tap “Add”"}[lang] in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:add_to")
    said = chat.texts()[-1]
    place, files, asked = PLACE_ALONE[lang]
    assert place.format(n=number) in said and files in said and asked.format(n=number) in said, said
    assert {b["callback_data"] for row in chat.last().inline_keyboard for b in row} == {"report:add_new"}
    comments = await _comments(ctx, number)
    assert len(comments) == 2 and comments[-1] == PLACE_LINE[lang], comments
    assert len(await _files_of(ctx, number)) == 5

    await chat.taps("report:add_new")  # the file, its caption and the place: a new report's
    await chat.taps("report:skip")  # no more files
    await chat.taps("report:send")
    [new] = [report for report in await _reports(ctx) if report.number != number]
    assert round(float(new.lat), 4) == 43.2389 and new.text.startswith("His car"), new
    assert len(await _files_of(ctx, str(new.number))) == 1


# what "Add" says of a place posted alone, of the files left out, and the question asked again, in each language
PLACE_ALONE = {
    "ru": ("Место добавлено к обращению № {n} комментарием", "Присланные файлы (1) не добавлены: К обращению можно "
           "приложить не более 5 файлов. Они сохранены", "Добавить присланное к обращению № {n} нельзя"),
    "kk": ("Оқиға орны № {n} өтінішке координаталарымен түсініктеме ретінде қосылды", "Жіберілген 1 файл "
           "қосылмады: Өтінішке 5 файлдан артық тіркеуге болмайды. Олар сақталды",
           "Жібергеніңізді № {n} өтінішке қосу мүмкін емес"),
    "en": ("The place is added to report No. {n} as a comment", "The files you sent (1) were not added: At most 5 "
           "files can be attached to a report. They are kept", "What you sent cannot be added to report No. {n}"),
}
PLACE_LINE = {"ru": "📍 Место, указанное заявителем: 43.238900, 76.889700",
              "kk": "📍 Өтініш берушінің көрсеткен орны: 43.238900, 76.889700",
              "en": "📍 Place given by the reporter: 43.238900, 76.889700"}
