"""A citizen who changes course in the middle of a report loses nothing of it: the language changed at any step
keeps the draft and asks its step again in the new language; a "Cancel" or "Send" of an earlier report's messages
(yesterday's confirmation) neither cancels nor files the report being written, and an older legal answer's "File a
report" goes on with it instead of dropping it; a "Send" tapped on a confirmation
shown before one more file was sent shows the confirmation again instead of doing nothing; a round video message
("кружок") is evidence like any video, in a report and in an answer to staff; a location sent before the description
is kept (not asked for again), and one sent after the place was taken replaces it. Updates go through the real
dispatcher one by one, as the webhook hands them over; real aiogram against the fake Bot API, real intake and media
pipeline."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.media.models import Media
from backend.reports.models import Report
from bots.citizen import service as citizen_bot
from bots.citizen.notify import notify_report_event
from tests.bots.test_citizen_audit_conversation import TEXT, Chat, _report_texts
from tests.bots.test_citizen_reply import _asked, _comments
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_voice import _number
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = pytest.mark.anyio
SECOND = "Сосед снова шумит ночью и угрожает расправой, уже третий раз за неделю"
CLIP = b"\x00\x00\x00\x18ftypmp42" + bytes(4000)


async def _at_files(chat: Chat) -> None:
    await chat.up_to_location()
    await chat.feed(chat.tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    assert "приложить до 5 фото" in chat.texts()[-1]


def _video_note(tg: FakeBot, chat: Chat, data: bytes) -> dict[str, Any]:
    """A round video message as Telegram sends it: no mime type of its own (always MPEG-4)."""
    stored = tg._hub.store_file(data, kind="video_notes", mime_type="video/mp4", extension=".mp4")
    note = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "length": 240, "duration": 3,
            "file_size": len(data)}
    return tg._user_message(chat.id, chat.user, {"video_note": note})


@pytest.mark.parametrize("switch", ["🌐 Язык", "/language"])
async def test_the_language_changed_mid_report_keeps_the_draft(ctx: Context, citizen_tg: FakeBot,
                                                               switch: str) -> None:
    chat = Chat(ctx, citizen_tg, 791001 if switch == "/language" else 791002)
    await chat.up_to_location()
    await chat.says(switch)
    assert "Тілді таңдаңыз" in chat.texts()[-1]
    await chat.taps("lang:kk")
    # the report's step asked again in Kazakh, with its location button: not the welcome and the menu
    assert "Өтінішіңіз сақталды" in chat.texts()[-1] and "Оқиға орнын жіберіңіз" in chat.texts()[-1], chat.texts()[-1]
    assert chat.last().button("Орналасуды").get("request_location") is True
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    assert "5 фото" in chat.texts()[-1]
    await chat.taps("report:skip")
    assert "Тексеріңіз" in chat.texts()[-1]
    await chat.taps("report:send")
    assert "тіркелді" in chat.texts()[-1]
    assert await _report_texts(ctx) == [TEXT]


async def test_the_language_changed_at_the_files_step_keeps_the_files(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 791003)
    await _at_files(chat)
    photo = sample_jpeg(64, 48)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, photo))
    await chat.says("/language")
    await chat.taps("lang:en")
    assert "Files attached so far: 1 of 5" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:skip")
    assert "Please check" in chat.texts()[-1] and "Files: 1" in chat.texts()[-1]
    await chat.taps("report:send")
    [media] = await _files_of(ctx, _number(chat.texts()[-1]))
    assert media.sha256 == hashlib.sha256(photo).hexdigest()


async def test_an_earlier_reports_buttons_leave_the_report_being_written(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 791004)
    await _at_files(chat)
    await chat.taps("report:skip")
    yesterdays = chat.last()  # a confirmation never sent: the citizen typed /cancel (or it expired overnight)
    await chat.says("/cancel")

    await chat.says("/report")
    await chat.says(SECOND)
    before = len(chat.texts())
    # its "Cancel" and "Send", still on screen, tapped while the second report is written
    await chat.feed(citizen_tg.user_taps_button(yesterdays, "report:cancel", user=chat.user))
    await chat.feed(citizen_tg.user_taps_button(yesterdays, "report:send", user=chat.user))
    assert chat.texts()[before:] == []  # no "Cancelled", no menu, no confirmation
    alerts = [c.params for c in citizen_tg.calls("answerCallbackQuery")][-2:]
    assert all("от прежнего обращения" in str(a.get("text")) for a in alerts), alerts
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    assert "приложить до 5 фото" in chat.texts()[-1]  # the second report goes on where it was
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1]
    assert await _report_texts(ctx) == [SECOND]


async def test_send_on_a_confirmation_before_one_more_file_shows_it_again(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 791005)
    await _at_files(chat)
    await chat.taps("report:skip")
    confirmation = chat.last()
    photo = sample_jpeg(72, 48)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, photo))  # one more, after the confirmation
    assert "Принято файлов: 1 из 5" in chat.texts()[-1]
    before = len(chat.texts())
    await chat.feed(citizen_tg.user_taps_button(confirmation, "report:send", user=chat.user))
    # not silence, which reads as "sent": the confirmation again, counting the file
    [again] = chat.texts()[before:]
    assert "Проверьте" in again and "Файлы: 1" in again, again
    await chat.taps("report:send")
    [media] = await _files_of(ctx, _number(chat.texts()[-1]))
    assert media.sha256 == hashlib.sha256(photo).hexdigest()


async def test_a_round_video_message_is_kept_as_evidence(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 791006)
    await _at_files(chat)
    await chat.feed(_video_note(citizen_tg, chat, CLIP))
    assert "Принято файлов: 1 из 5" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:photos_done")
    await chat.taps("report:send")
    [media] = await _files_of(ctx, _number(chat.texts()[-1]))
    assert (media.kind, media.sha256) == ("video", hashlib.sha256(CLIP).hexdigest())


async def test_a_round_video_message_goes_with_the_answer_to_staff(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 791010)
    linked = await citizen_bot.link_chat(ctx, user_id=chat.id, chat_id=chat.id, language="ru", chosen=True)
    report, event = await _asked(ctx, linked.citizen_id)
    await notify_report_event(ctx, report, event)
    await chat.taps(f"reply:{report.id}")
    await chat.feed(_video_note(citizen_tg, chat, CLIP))
    assert "Файл получен (1)" in chat.texts()[-1], chat.texts()[-1]
    await chat.says("Номер машины виден на видео")
    assert "Ваш ответ добавлен" in chat.texts()[-1]
    assert [c.text for c in await _comments(ctx, report.id)] == ["Номер машины виден на видео"]
    async with ctx.sessions() as session:
        [media] = list(await session.scalars(select(Media).where(Media.report_id == report.id)))  # type: ignore[arg-type]
    assert (media.kind, media.sha256) == ("video", hashlib.sha256(CLIP).hexdigest())


async def test_a_location_sent_before_the_description_is_not_asked_for_again(ctx: Context,
                                                                            citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 791007)
    await chat.says("/start")
    await chat.taps("lang:kk")
    await chat.says("/report")
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 55.7558, 37.6173))  # Moscow: said, not kept
    assert "Қазақстаннан тыс" in chat.texts()[-1] and "мәтінмен сипаттаңыз" in chat.texts()[-1], chat.texts()[-1]
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 43.2389, 76.8897, horizontal_accuracy=8))
    assert "Оқиға орны сақталды" in chat.texts()[-1] and "мәтінмен сипаттаңыз" in chat.texts()[-1]
    assert chat.last().button("Болдырмау")["callback_data"] == "report:cancel"
    await chat.says("Аулада біреулер көліктің әйнегін сындырып, магнитоланы ұрлап кетті")
    assert "5 фото" in chat.texts()[-1], chat.texts()[-1]  # the files step: the place is not asked again
    await chat.taps("report:skip")
    assert "43.23890, 76.88970" in chat.texts()[-1]
    await chat.taps("report:send")
    assert "тіркелді" in chat.texts()[-1]
    async with ctx.sessions() as session:
        report = await session.scalar(select(Report))
        assert report is not None and (report.lat, report.lon, report.accuracy_m) == (43.2389, 76.8897, 8)


async def test_a_captioned_photo_after_the_location_goes_on_to_the_files(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 791008)
    await chat.says("/start")
    await chat.taps("lang:ru")
    await chat.says("/report")
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption=TEXT))
    assert "Подпись к файлу принята" in chat.texts()[-1] and "Уже приложено файлов: 1 из 5" in chat.texts()[-1]
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert await _report_texts(ctx) == [TEXT]


async def test_a_later_location_replaces_the_place(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 791009)
    await _at_files(chat)  # Astana
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 43.2389, 76.8897))  # no, it was Almaty
    assert "Место происшествия обновлено" in chat.texts()[-1]
    assert chat.last().button("Готово")["callback_data"] == "report:photos_done"
    await chat.taps("report:photos_done")
    assert "43.23890, 76.88970" in chat.texts()[-1]
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 55.7558, 37.6173))  # outside: refused
    assert "за пределами Казахстана" in chat.texts()[-1]
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 43.25, 76.9))  # at the confirmation
    assert "Место происшествия обновлено" in chat.texts()[-2] and "43.25000, 76.90000" in chat.texts()[-1]
    await chat.taps("report:send")
    async with ctx.sessions() as session:
        report = await session.scalar(select(Report))
        assert report is not None and (report.lat, report.lon) == (43.25, 76.9)


async def test_file_a_report_under_an_older_legal_answer_goes_on_with_the_report_being_written(
        ctx: Context, legal_index: Path, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 791011)
    await chat.says("/start")
    await chat.taps("lang:ru")
    await chat.says("Муж бьёт меня прямо сейчас и угрожает ножом, что делать?")
    legal = chat.last()
    assert legal.button("Подать обращение")["callback_data"] == "report:start"
    await chat.feed(citizen_tg.user_taps_button(legal, "report:start", user=chat.user))
    await chat.says(TEXT)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    # the same button again, as someone scrolling back up on a slow connection taps it
    await chat.feed(citizen_tg.user_taps_button(legal, "report:start", user=chat.user))
    assert "Вы уже пишете обращение" in chat.texts()[-1] and "место происшествия" in chat.texts()[-1], chat.texts()[-1]
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    assert "Уже приложено файлов: 1 из 5" in chat.texts()[-1]
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1]
    assert await _report_texts(ctx) == [TEXT]


SECOND = "Сосед снова шумит ночью и угрожает расправой, уже третий раз за неделю"


async def test_an_earlier_reports_cancel_leaves_a_report_started_from_an_older_legal_answer(
        ctx: Context, legal_index: Path, citizen_tg: FakeBot) -> None:
    """The report started from a button on an older message: yesterday's confirmation, sent after that message, is
    still older than the report, and its Cancel must not drop it."""
    chat = Chat(ctx, citizen_tg, 791099)
    await chat.says("/start")
    await chat.taps("lang:ru")
    await chat.says("Сосед шумит ночью, что делать?")
    legal = chat.last()
    assert legal.button("Подать обращение")["callback_data"] == "report:start"
    # a first report, left at its confirmation (cancelled, or it expired overnight)
    await chat.says("/report")
    await chat.says(TEXT)
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    yesterdays = chat.last()
    await chat.says("/cancel")
    # the next day: "File a report" under the older legal answer
    await chat.feed(citizen_tg.user_taps_button(legal, "report:start", user=chat.user))
    await chat.says(SECOND)
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    before = len(chat.texts())
    await chat.feed(citizen_tg.user_taps_button(yesterdays, "report:cancel", user=chat.user))
    assert chat.texts()[before:] == [], chat.texts()[before:]
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert await _report_texts(ctx) == [SECOND]
