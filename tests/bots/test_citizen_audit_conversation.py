"""The report conversation loses nothing the citizen sends and answers everything once: a location outside
Kazakhstan is asked again at its step, words sent after the description step (a caption, a later message, a message
at the confirmation) join the description, a sticker is answered, and a double tap on "Send" files once and says so
once. Updates are fed to the real dispatcher one by one (as the webhook does), so each step has finished before
the next; the double tap feeds its two taps at once. Real aiogram against the fake Bot API, real intake."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from aiogram.types import Update
from sqlalchemy import select

from backend.context import Context
from backend.reports.models import Report
from bots.citizen import runtime
from tests.fakes.telegram import FakeBot, make_user, sample_jpeg

pytestmark = pytest.mark.anyio
TEXT = "Во дворе дома на Кенесары 40 неизвестные разбили окно машины и украли магнитолу"
APOLOGY = "Не удалось обработать"


class Chat:
    """One citizen's private chat, each update handled to its end before the next is sent."""

    def __init__(self, ctx: Context, tg: FakeBot, chat_id: int) -> None:
        bot = runtime.get(ctx)
        assert bot is not None
        self.bot, self.tg, self.id = bot, tg, chat_id
        self.user = make_user(chat_id, "Нурлан", language_code="ru")

    async def feed(self, update: dict[str, Any]) -> None:
        await self.bot.dispatcher.feed_update(self.bot.bot, Update.model_validate(update,
                                                                                  context={"bot": self.bot.bot}))

    async def says(self, text: str) -> None:
        await self.feed(self.tg.user_sends_text(self.id, self.user, text))

    async def taps(self, data: str) -> None:
        await self.feed(self.tg.user_taps_button(self.last(), data, user=self.user))

    def last(self) -> Any:
        return self.tg.sent_messages(self.id)[-1]

    def texts(self) -> list[str]:
        return [m.text or "" for m in self.tg.sent_messages(self.id)]

    async def up_to_location(self) -> None:
        await self.says("/start")
        await self.taps("lang:ru")
        await self.says("/report")
        await self.says(TEXT)
        assert "место происшествия" in self.texts()[-1]


async def _report_texts(ctx: Context) -> list[str]:
    async with ctx.sessions() as session:
        return [r.text for r in await session.scalars(select(Report))]


async def test_a_location_outside_kazakhstan_is_asked_again_at_its_step(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 717101)
    await chat.up_to_location()
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 55.7558, 37.6173))  # Moscow
    # said at once, in the user's language, with the location button again; not after photos and the confirmation
    assert "за пределами Казахстана" in chat.texts()[-1]
    assert chat.last().button("геопозицию").get("request_location") is True
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    assert "приложить до 5 фото" in chat.texts()[-1]
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1]
    assert await _report_texts(ctx) == [TEXT]  # the description written before the refused point was kept


async def test_words_sent_after_the_description_join_it(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 717102)
    await chat.up_to_location()
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption="У него был нож"))
    assert any("Добавлено к описанию" in text for text in chat.texts()[-2:])
    assert "Принято файлов: 1 из 5" in chat.texts()[-1]
    await chat.says("Номер машины 123ABC02")
    assert "Добавлено к описанию" in chat.texts()[-1]
    # a sticker is not evidence the flow takes, but it is answered, with the buttons to go on
    sticker = {"file_id": "CAACAgIAAxk", "file_unique_id": "AgADsticker", "type": "regular", "width": 512,
               "height": 512, "is_animated": False, "is_video": False}
    await chat.feed(citizen_tg._user_message(chat.id, chat.user, {"sticker": sticker}))
    assert "жду фото или видео" in chat.texts()[-1]
    await chat.taps("report:photos_done")
    assert "Проверьте" in chat.texts()[-1] and "123ABC02" in chat.texts()[-1]
    # words written instead of tapping "Send" are added and shown in a new confirmation
    await chat.says("Это было вчера около 22:40")
    assert "Проверьте" in chat.texts()[-1] and "22:40" in chat.texts()[-1]
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1]
    assert await _report_texts(ctx) == [
        f"{TEXT}\n\nУ него был нож\n\nНомер машины 123ABC02\n\nЭто было вчера около 22:40"]


async def test_a_photo_where_the_description_is_expected_is_answered(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 717103)
    await chat.says("/start")
    await chat.taps("lang:ru")
    await chat.says("/report")
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(32, 32)))
    assert "опишите словами" in chat.texts()[-1]
    await chat.says("❓ Юридический вопрос")  # the menu button is not a description either
    assert "опишите словами" in chat.texts()[-1]
    await chat.says(TEXT)
    assert "место происшествия" in chat.texts()[-1]


async def test_a_double_tap_on_send_files_once_and_says_so_once(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 717104)
    await chat.up_to_location()
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    confirm = chat.last()
    assert "Проверьте" in (confirm.text or "")
    first = citizen_tg.user_taps_button(confirm, "report:send", user=chat.user)
    second = citizen_tg.user_taps_button(confirm, "report:send", user=chat.user)
    await asyncio.gather(chat.feed(first), chat.feed(second))
    after = chat.texts()[chat.texts().index(confirm.text or ""):]
    assert await _report_texts(ctx) == [TEXT]
    # one "registered" answer and no "service unavailable, try again" apology that would make the citizen file again
    assert [text for text in after if "зарегистрировано" in text or APOLOGY in text] == [
        next(text for text in after if "зарегистрировано" in text)], after


def _edited(sent: dict[str, Any], text: str) -> dict[str, Any]:
    """The update Telegram sends when the user edits the message of update `sent`."""
    message = {**sent["message"], "text": text, "edit_date": sent["message"]["date"] + 30}
    return {"edited_message": message}


async def test_a_corrected_message_corrects_the_description(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 717105)
    await chat.says("/start")
    await chat.taps("lang:ru")
    question = citizen_tg.user_sends_text(chat.id, chat.user, "что грозит за кражу магнитолы?")
    await chat.feed(question)
    await chat.says("/report")
    # an edit of a message from before the report (the question) is not taken for its description
    before = len(chat.texts())
    await chat.feed(citizen_tg.push_update(_edited(question, "что грозит за кражу магнитолы из машины?")))
    assert len(chat.texts()) == before
    short = citizen_tg.user_sends_text(chat.id, chat.user, "ой")
    await chat.feed(short)
    assert "Слишком коротко" in chat.texts()[-1]
    await chat.feed(citizen_tg.push_update(_edited(short, "Во дворе дома на Кенесары 4 разбили окно машины")))
    assert "место происшествия" in chat.texts()[-1]  # the corrected message is the description
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    more = citizen_tg.user_sends_text(chat.id, chat.user, "Номер машины 123ABC01")
    await chat.feed(more)
    # the citizen fixes a typo in the description and in the added words
    await chat.feed(citizen_tg.push_update(_edited(short, TEXT)))
    assert "Описание исправлено" in chat.texts()[-1]
    await chat.taps("report:photos_done")
    await chat.feed(citizen_tg.push_update(_edited(more, "Номер машины 123ABC02")))
    confirm = chat.texts()[-1]
    assert "Проверьте" in confirm and "123ABC02" in confirm and "123ABC01" not in confirm, confirm
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1]
    assert await _report_texts(ctx) == [f"{TEXT}\n\nНомер машины 123ABC02"]
    # an edit after filing changes nothing (and is not mistaken for a new description or question)
    before = len(chat.texts())
    await chat.feed(citizen_tg.push_update(_edited(short, "совсем другой текст про что-то ещё")))
    assert len(chat.texts()) == before and await _report_texts(ctx) == [f"{TEXT}\n\nНомер машины 123ABC02"]


async def test_the_webhook_asks_for_every_update_the_bot_handles(ctx: Context, citizen_tg: FakeBot) -> None:
    """A webhook registered for fewer update types than the handlers take would silently drop the rest (edits of a
    description among them) in webhook mode, while polling (aiogram asks for what is used) gets them."""
    from bots.cli import _set_webhook

    await _set_webhook(ctx.settings, "https://zan.example.kz/api/v1/telegram/citizen/webhook")
    bot = runtime.get(ctx)
    assert bot is not None and citizen_tg.webhook is not None
    assert set(citizen_tg.webhook.allowed_updates or []) == set(bot.dispatcher.resolve_used_update_types())
    assert "edited_message" in (citizen_tg.webhook.allowed_updates or [])


async def test_a_file_over_the_download_limit_without_a_stated_size_is_refused_as_a_file(
        ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 717106)
    await chat.up_to_location()
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    # Telegram's file_size is optional: the size shows only when getFile refuses the download
    stored = citizen_tg._hub.store_file(b"\x00\x00\x00\x18ftypmp42" + bytes(21 * 1024 * 1024), kind="videos",
                                        mime_type="video/mp4", extension=".mp4")
    video = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "width": 640, "height": 360,
             "duration": 60, "mime_type": "video/mp4"}
    await chat.feed(citizen_tg._user_message(chat.id, chat.user, {"video": video}))
    assert "Не удалось принять этот файл" in chat.texts()[-1] and APOLOGY not in chat.texts()[-1]
    assert chat.last().button("Готово")["callback_data"] == "report:photos_done"


async def test_an_album_over_the_limit_says_which_files_go_with_the_report(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 717107)
    await chat.up_to_location()
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    album = [citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(40 + i, 30), media_group_id="album-7")
             for i in range(7)]
    await asyncio.gather(*(chat.feed(update) for update in album))  # as Telegram delivers an album: all at once
    confirm = next(text for text in reversed(chat.texts()) if "Проверьте" in text)
    assert "Файлы: 5" in confirm
    # each of the two files over the limit is accounted for: refused on arrival ("не более 5 файлов") when the
    # limit was already reached, or stored meanwhile and named in the confirmation as not attached
    over = re.search(r"только первые 5 файлов; ещё (\d+) не приложены", confirm)
    refused = [text for text in chat.texts() if "не более 5 файлов" in text]
    assert (int(over.group(1)) if over else 0) + len(refused) == 2, chat.texts()
