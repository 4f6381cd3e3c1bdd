"""Files sent outside a report shortly after the citizen filed one are asked about ("Add to report № … / New report")
instead of starting a new draft that may become a duplicate report: "Add" posts them as a comment on that report
through the comments API's own code, an album is asked about once, a report with no room left under the API's limit of
files refuses the addition (its own words said, nothing attached, "Add" not offered again; files that partly fit:
test_citizen_add_over_limit), and "New report" goes on as a file outside a report always did. A report filed over a
day ago, or closed, is not asked about. Real aiogram against the fake Bot API, real intake, media pipeline and
comments."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from backend.context import Context
from backend.lib.clock import utcnow
from backend.reports.models import Report, ReportComment
from bots.citizen import service
from tests.bots.test_citizen_audit_conversation import TEXT, Chat
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_report_from_media import _drafts, _media, _reports, _started
from tests.bots.test_citizen_voice import _number
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = pytest.mark.anyio
# the question, its buttons and the confirmation, in each language
ASKS = {
    "ru": ("Ваше обращение № {n} ещё рассматривается", "Добавить к № {n}", "Новое обращение",
           "К обращению № {n} добавлено файлов: {c}"),
    "kk": ("№ {n} өтінішіңіз әлі қаралуда", "№ {n} өтінішке қосу", "Жаңа өтініш",
           "№ {n} өтінішке қосылған файлдар: {c}"),
    "en": ("Your report No. {n} is still being handled", "Add to No. {n}", "New report",
           "Files added to report No. {n}: {c}"),
}


async def _filed(chat: Chat, tg: FakeBot, lang: str = "ru") -> str:
    """A chat in `lang` that has just filed a report without files: its number."""
    await _started(chat, lang)
    await chat.says("/report")
    await chat.says(TEXT)
    await chat.feed(tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    return _number(chat.texts()[-1])


async def _album(chat: Chat, tg: FakeBot, group: str, count: int) -> None:
    album = [tg.user_sends_photo(chat.id, chat.user, sample_jpeg(40 + i, 30 + len(group)), media_group_id=group)
             for i in range(count)]
    await asyncio.gather(*(chat.feed(update) for update in album))  # as Telegram delivers an album: all at once


async def _comments(ctx: Context, number: str) -> list[str]:
    async with ctx.sessions() as session:
        report = await session.scalar(select(Report).where(Report.number == number))  # type: ignore[arg-type]
        assert report is not None
        return list(await session.scalars(select(ReportComment.text).where(  # type: ignore[call-overload]
            ReportComment.report_id == report.id)))


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_a_photo_just_after_a_report_is_added_to_it_with_its_caption(ctx: Context, citizen_tg: FakeBot,
                                                                          lang: str) -> None:
    chat = Chat(ctx, citizen_tg, {"ru": 794001, "kk": 794002, "en": 794003}[lang])
    number = await _filed(chat, citizen_tg, lang)
    asks, add, new, added = ASKS[lang]
    before = len(chat.texts())
    photo = citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption="Номер машины 123ABC02")
    await chat.feed(photo)
    [asked] = chat.texts()[before:]
    assert asks.format(n=number) in asked, asked  # not "describe what happened": no new report begun
    assert chat.last().button(add.format(n=number))["callback_data"] == "report:add_to"
    assert chat.last().button(new)["callback_data"] == "report:add_new"
    question = chat.last()

    await chat.taps("report:add_to")
    assert added.format(n=number, c=1) in chat.texts()[-1], chat.texts()[-1]
    assert len(await _files_of(ctx, number)) == 1
    assert await _comments(ctx, number) == ["Номер машины 123ABC02"]
    assert len(await _reports(ctx)) == 1 and await _drafts(ctx) == []
    before = len(chat.texts())
    await chat.feed(citizen_tg.user_taps_button(question, "report:add_to", user=chat.user))  # a second tap
    assert chat.texts()[before:] == [] and len(await _files_of(ctx, number)) == 1


async def test_an_album_is_asked_about_once_and_added_whole(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 794004)
    number = await _filed(chat, citizen_tg)
    before = len(chat.texts())
    await _album(chat, citizen_tg, "after-1", 3)
    answers = chat.texts()[before:]
    assert len(answers) == 1 and f"№ {number} ещё рассматривается" in answers[0], answers
    await chat.taps("report:add_to")
    assert f"К обращению № {number} добавлено файлов: 3" in chat.texts()[-1]
    assert len(await _files_of(ctx, number)) == 3
    assert await _comments(ctx, number) == ["Дополнительные файлы к обращению."]  # no caption: the default words


async def test_a_full_report_takes_nothing_and_a_new_report_takes_the_files(ctx: Context,
                                                                            citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 794005)
    number = await _filed(chat, citizen_tg)
    await _album(chat, citizen_tg, "after-2", 3)
    await chat.taps("report:add_to")
    await _album(chat, citizen_tg, "after-2b", 2)
    await chat.taps("report:add_to")  # the report holds 5 now: no room left
    await _album(chat, citizen_tg, "after-3", 3)
    await chat.taps("report:add_to")
    refused = chat.texts()[-1]
    assert f"Не удалось добавить к обращению № {number}" in refused, refused
    assert "не более 5 файлов" in refused and "Ничего не добавлено" in refused  # the API's own words
    assert f"Добавить присланное к обращению № {number} нельзя. Подать новое обращение?" in refused, refused
    buttons = {b["callback_data"] for row in chat.last().inline_keyboard for b in row}
    assert buttons == {"report:add_new"}, buttons  # asked again without "Add", which could only fail again
    assert len(await _files_of(ctx, number)) == 5 and len(await _comments(ctx, number)) == 2
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(70, 48)))  # one more: still no "Add"
    assert f"Добавить присланное к обращению № {number} нельзя" in chat.texts()[-1], chat.texts()[-1]
    assert {b["callback_data"] for row in chat.last().inline_keyboard for b in row} == {"report:add_new"}

    await chat.taps("report:add_new")
    assert "Уже приложено файлов: 4 из 5" in chat.texts()[-1] and "Опишите, что произошло" in chat.texts()[-1]
    await chat.says(TEXT)
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert len(await _files_of(ctx, _number(chat.texts()[-1]))) == 4
    assert len(await _files_of(ctx, number)) == 5


async def test_new_report_takes_the_caption_as_its_description(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 794006)
    await _filed(chat, citizen_tg, "en")
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption=TEXT))
    await chat.taps("report:add_new")
    assert "taken as the description" in chat.texts()[-1] and "Send the location" in chat.texts()[-1]


async def test_a_stale_add_button_is_refused(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 794007)
    number = await _filed(chat, citizen_tg)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    first = chat.last()
    await chat.says("/cancel")
    assert (await _drafts(ctx), await _media(ctx)) == ([], 0)  # its photo deleted at once, as nothing was sent
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(66, 48)))
    await chat.feed(citizen_tg.user_taps_button(first, "report:add_to", user=chat.user))
    alert = [c.params for c in citizen_tg.calls("answerCallbackQuery")][-1]
    assert "от прежнего обращения" in str(alert.get("text")), alert
    assert await _files_of(ctx, number) == [] and len(await _drafts(ctx)) == 1  # neither touched


async def test_a_closed_report_or_one_not_touched_for_a_day_is_not_asked_about(ctx: Context,
                                                                              citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 794008)
    number = await _filed(chat, citizen_tg)
    linked = await service.chat_user(ctx, chat.id)
    assert linked is not None
    # the window counts from the citizen's last action on it: their registration here (report_events is append-only,
    # so the test asks with a window that has passed rather than age the history)
    recent = await service.recent_open_report(ctx, linked.citizen_id)
    assert recent is not None and recent.number == number
    assert await service.recent_open_report(ctx, linked.citizen_id, within=timedelta(0)) is None

    async with ctx.sessions() as session:
        await session.execute(update(Report).where(Report.number == number)  # type: ignore[arg-type]
                              .values(status="closed", resolution="withdrawn", closed_at=utcnow()))
        await session.commit()
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    assert "опишите словами" in chat.texts()[-1], chat.texts()[-1]  # as before: a new report's draft
