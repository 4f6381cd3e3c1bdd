"""Filing a report through the citizen bot: text → Telegram location → photos → confirm, then "My reports" and a
status change pushed back into the chat; an album of photos and the limit of five. Real aiogram against the fake Bot
API, real intake, both databases."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.jobs.registry import load_all_handlers
from backend.jobs.relay import Relay
from backend.media.models import Media
from backend.partners.models import Partner
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Action, Actor
from bots.citizen.notify import notify_report_event
from bots.models import TelegramLink
from tests.fakes.telegram import FakeBot, make_user, sample_jpeg
from tests.helpers import jpeg_with_exif

pytestmark = pytest.mark.anyio
USER = 515151
TEXT = "Во дворе дома на Кенесары 40 неизвестные разбили окно машины и украли магнитолу"
PLACE_WORDS = "на Кенесары, у третьего подъезда"


async def _file_report(tg: FakeBot, photo: bytes) -> str:
    user = make_user(USER, "Нурлан", language_code="ru")
    tg.user_sends_text(USER, user, "/start")
    tg.user_taps_button(await tg.wait_for_message_async(USER, contains="Выберите язык"), "lang:ru", user=user)
    menu = await tg.wait_for_message_async(USER, contains="Закон и Порядок")
    tg.user_sends_text(USER, user, menu.button("Сообщить о правонарушении")["text"])
    await tg.wait_for_message_async(USER, contains="Опишите, что произошло")
    tg.user_sends_text(USER, user, "ой")  # too short: asked again, the flow stays on the text step
    await tg.wait_for_message_async(USER, contains="Слишком коротко")
    tg.user_sends_text(USER, user, TEXT)
    ask_location = await tg.wait_for_message_async(USER, contains="место происшествия")
    assert ask_location.button("геопозицию").get("request_location") is True
    tg.user_sends_text(USER, user, PLACE_WORDS)  # words are not a location, but they are part of what happened
    asked_again = await tg.wait_for_message_async(USER, contains="Добавлено к описанию")
    assert "место происшествия" in (asked_again.text or "")
    tg.user_sends_location(USER, user, 51.1605, 71.4704, horizontal_accuracy=12)
    await tg.wait_for_message_async(USER, contains="приложить до 5 фото или видео")
    tg.user_sends_photo(USER, user, photo)
    taken = await tg.wait_for_message_async(USER, contains="Принято файлов: 1 из 5", timeout=10)
    tg.user_taps_button(taken, "report:photos_done", user=user)
    confirm = await tg.wait_for_message_async(USER, contains="Проверьте", timeout=10)
    assert "не подтверждена" in (confirm.text or "") and "Файлы: 1" in (confirm.text or "")
    return await _send(tg, USER, user, confirm, "зарегистрировано")


async def _send(tg: FakeBot, chat: int, user: dict[str, Any], confirm: Any, registered: str) -> str:
    """Tap "Send" on the confirmation; the number from the bot's answer (`registered` is its literal wording)."""
    tg.user_taps_button(confirm, "report:send", user=user)
    filed = await tg.wait_for_message_async(chat, contains=registered, timeout=10)
    return (filed.text or "").split("№ ")[1].split(".")[0]


async def _files_of(ctx: Context, number: str) -> list[Media]:
    async with ctx.sessions() as session:
        report = await session.scalar(select(Report).where(Report.number == number))  # type: ignore[arg-type]
        assert report is not None
        return list(await session.scalars(select(Media).where(Media.report_id == report.id)))  # type: ignore[arg-type]


async def test_a_user_files_a_report_with_location_and_photo(ctx: Context, citizen_polling: FakeBot) -> None:
    photo = sample_jpeg(320, 240)
    number = await _file_report(citizen_polling, photo)

    async with ctx.sessions() as session:
        report = await session.scalar(select(Report).where(Report.number == number))  # type: ignore[arg-type]
        assert report is not None
        assert (report.channel, report.identity_verified, report.text) == (
            "telegram", False, f"{TEXT}\n\n{PLACE_WORDS}")
        assert (report.lat, report.lon, report.accuracy_m) == (51.1605, 71.4704, 12)
        partner = await session.get(Partner, report.partner_id)
        assert partner is not None and partner.name == "telegram-bot"
        media = list(await session.scalars(select(Media).where(Media.report_id == report.id)))  # type: ignore[arg-type]
        assert [(m.kind, m.status, m.sha256) for m in media] == [("photo", "ready", hashlib.sha256(photo).hexdigest())]
        link = await session.scalar(select(TelegramLink).where(TelegramLink.chat_id == USER))  # type: ignore[arg-type]
        assert link is not None and link.citizen_id == report.citizen_id and link.language == "ru"
        registered = await session.scalar(select(ReportEvent).where(ReportEvent.report_id == report.id))  # type: ignore[arg-type]
        assert registered is not None and registered.data["identity_verified"] is False

    load_all_handlers()
    await Relay(ctx).drain()
    async with ctx.sessions() as session:
        routed = await session.get(Report, report.id)
        assert routed is not None and routed.routing_state == "done"
        # routed to a department (waiting for dispatch), with a human in triage, or redirected out of competence
        assert routed.department is not None or routed.status in {"triage", "closed"}, routed

    # "My reports" lists it with its citizen-facing status
    citizen_polling.user_sends_text(USER, USER, "📋 Мои обращения")
    # (wait for the listing itself, not any message naming the number)
    listing = await citizen_polling.wait_for_message_async(USER, contains="Ваши обращения")
    assert number in (listing.text or "")

    # a double tap on the old "Send" button files nothing new
    async with ctx.sessions() as session:
        count = len(list(await session.scalars(select(Report))))
    assert count == 1


async def test_a_status_change_reaches_the_chat(ctx: Context, citizen_polling: FakeBot) -> None:
    number = await _file_report(citizen_polling, sample_jpeg(64, 64))
    async with ctx.sessions() as session:
        report = await session.scalar(select(Report).where(Report.number == number))  # type: ignore[arg-type]
        assert report is not None
        report.category = "public_order"  # filed by routing: an uncategorised report's update names no number
        event = await reports.change_status(session, report, Action.TRIAGE, By(Actor.DISPATCHER, "d1", "console"))
        await session.commit()
    assert await notify_report_event(ctx, report, event) is True
    pushed = await citizen_polling.wait_for_message_async(USER, contains=number)
    assert "рассмотрении" in (pushed.text or "").lower() or "Обращение №" in (pushed.text or "")
    assert TEXT not in (pushed.text or "")  # never the report's own words

    citizen_polling.user_blocks_bot(USER, notify=False)
    assert await notify_report_event(ctx, report, event) is False
    async with ctx.sessions() as session:
        link = await session.scalar(select(TelegramLink).where(TelegramLink.chat_id == USER))  # type: ignore[arg-type]
        assert link is not None and link.blocked_at is not None
    assert await notify_report_event(ctx, report, event) is False  # no further attempts while blocked


# what a citizen sees on the way to the files step, per language, as literal texts
_TO_FILES = {
    "ru": ("Выберите язык", "Закон и Порядок", "Сообщить о правонарушении", "Опишите, что произошло",
           "место происшествия", "приложить до 5 фото или видео"),
    "kk": ("Тілді", "Заң мен Тәртіп", "Құқық бұзушылық", "Не болғанын сипаттаңыз", "Оқиға орнын",
           "5 фото немесе бейнеге дейін"),
}


async def _up_to_files(tg: FakeBot, chat: int, user: dict[str, Any], lang: str, text: str) -> None:
    """/start, choose the language, start a report, describe it, send the location: the bot now asks for files."""
    choose, welcome, report_button, ask_text, ask_location, ask_files = _TO_FILES[lang]
    tg.user_sends_text(chat, user, "/start")
    tg.user_taps_button(await tg.wait_for_message_async(chat, contains=choose), f"lang:{lang}", user=user)
    menu = await tg.wait_for_message_async(chat, contains=welcome)
    tg.user_sends_text(chat, user, menu.button(report_button)["text"])
    await tg.wait_for_message_async(chat, contains=ask_text)
    tg.user_sends_text(chat, user, text)
    await tg.wait_for_message_async(chat, contains=ask_location)
    tg.user_sends_location(chat, user, 51.1605, 71.4704)
    await tg.wait_for_message_async(chat, contains=ask_files)


async def test_an_album_of_photos_and_the_limit_of_five(ctx: Context, citizen_polling: FakeBot) -> None:
    tg = citizen_polling
    user = make_user(USER + 1, "Айгерим", language_code="kk")
    chat = USER + 1
    await _up_to_files(tg, chat, user, "kk", "Аулада біреулер көліктің әйнегін сындырып, магнитоланы ұрлап кетті")
    before = len(tg.sent_messages(chat))
    # an album: four photos as four updates at once, handled concurrently; one answer with the total
    album = [sample_jpeg(40 + i, 30) for i in range(4)]
    for photo in album:
        tg.user_sends_photo(chat, user, photo, media_group_id="album-1")
    total = await tg.wait_for_message_async(chat, contains="Файл қабылданды: 4 / 5", timeout=10)
    assert len(tg.sent_messages(chat)) == before + 1, [m.text for m in tg.sent_messages(chat)[before:]]
    # the fifth reaches the limit and goes straight to the confirmation; a sixth is no longer taken
    tg.user_sends_photo(chat, user, sample_jpeg(90, 60))
    confirm = await tg.wait_for_message_async(chat, contains="Тексеріңіз", timeout=10)
    assert "Файлдар: 5" in (confirm.text or "")
    media = await _files_of(ctx, await _send(tg, chat, user, confirm, "тіркелді"))
    assert sorted(m.sha256 for m in media) == sorted(
        {hashlib.sha256(p).hexdigest() for p in album} | {hashlib.sha256(sample_jpeg(90, 60)).hexdigest()})
    assert total.button("Дайын")["callback_data"] == "report:photos_done"


async def test_a_photo_as_a_file_keeps_its_exif_and_a_video_is_taken(ctx: Context, citizen_polling: FakeBot) -> None:
    tg, chat = citizen_polling, USER + 2
    user = make_user(chat, "Ерлан", language_code="ru")
    await _up_to_files(tg, chat, user, "ru", TEXT)

    # a PDF is not evidence this flow takes; a video over the Bot API's 20 MB download limit is refused unread
    tg.user_sends_document(chat, user, b"%PDF-1.7 ...", file_name="заявление.pdf")
    await tg.wait_for_message_async(chat, contains="Не удалось принять этот файл")
    tg.user_sends_video(chat, user, b"\x00\x00\x00\x18ftypmp42", file_size=25 * 1024 * 1024)
    await tg.wait_for_message_async(chat, contains="Не удалось принять этот файл")
    assert not [c for c in tg.calls("getFile")], "nothing was downloaded for refused files"

    photo = jpeg_with_exif(taken="2026:11:30 22:40:00", lat=51.1282, lon=71.4307)
    tg.user_sends_document(chat, user, photo, file_name="IMG_2041.jpg", mime_type="image/jpeg")
    await tg.wait_for_message_async(chat, contains="Принято файлов: 1 из 5")
    clip = b"\x00\x00\x00\x18ftypmp42" + bytes(4000)
    tg.user_sends_video(chat, user, clip)
    taken = await tg.wait_for_message_async(chat, contains="Принято файлов: 2 из 5")
    tg.user_taps_button(taken, "report:photos_done", user=user)
    confirm = await tg.wait_for_message_async(chat, contains="Файлы: 2")
    media = {m.kind: m for m in await _files_of(ctx, await _send(tg, chat, user, confirm, "зарегистрировано"))}
    assert set(media) == {"photo", "video"}
    assert media["video"].sha256 == hashlib.sha256(clip).hexdigest() and media["video"].content_type == "video/mp4"
    shot = media["photo"]
    assert shot.taken_at is not None and shot.taken_at.isoformat().startswith("2026-11-30T")
    assert shot.lat == pytest.approx(51.1282, abs=1e-3) and shot.lon == pytest.approx(71.4307, abs=1e-3)
