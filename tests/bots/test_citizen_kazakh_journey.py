"""A Kazakh-speaking citizen's whole journey through the citizen bot, as they would write it: /start and Kazakh,
a report begun with a captioned photo album, the address typed where the location is asked, a corrected message,
the confirmation, "Send", the report's status messages, a legal question, the "temporarily unavailable" answer, a
blocked chat, and what the bot takes no part of (a voice message, a sticker, a contact, a 30 MB document). Every
answer is Kazakh, none is an apology for a crash, nothing the citizen wrote is lost and an album is answered once.
Updates are fed to the real dispatcher one by one (an album's at once, as Telegram delivers it), real aiogram
against the fake Bot API, real intake."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Action, Actor
from bots.citizen.notify import notify_report_event
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_report import _files_of
from tests.fakes.telegram import FakeBot, make_user, sample_jpeg

pytestmark = pytest.mark.anyio
DESCRIPTION = "Аулада біреулер көліктің әйнегін сындырып, магнитоланы ұрлап кетті"
ADDRESS = "Абай даңғылы 10, 2-подъезд алдында"
KNIFE = "Біреуінің қолында пышақ болды"
APOLOGY_KK = "Хабарламаңызды өңдей алмадым"
KAZAKH_LETTERS = set("әғқңөұүһі")  # none of them Russian or English: a text without one slipped into another language
KAZAKH_WITHOUT_THEM = {"Болдырылмады."}
VOICE = {"voice": {"file_id": "AwACAgIvoice", "file_unique_id": "AgADvoice", "duration": 4, "mime_type": "audio/ogg",
                   "file_size": 9000}}
STICKER = {"sticker": {"file_id": "CAACAgIAAxk", "file_unique_id": "AgADsticker", "type": "regular", "width": 512,
                       "height": 512, "is_animated": False, "is_video": False}}
BIG_VIDEO_FILE = {"document": {"file_id": "BQACAgIbig", "file_unique_id": "AgADbig", "file_name": "IMG_0412.MOV",
                               "mime_type": "video/quicktime", "file_size": 30 * 1024 * 1024}}


class KazakhChat(Chat):
    """A chat whose user's Telegram is in Kazakh."""

    def __init__(self, ctx: Context, tg: FakeBot, chat_id: int) -> None:
        super().__init__(ctx, tg, chat_id)
        self.user = make_user(chat_id, "Айгерим", language_code="kk")

    async def sends(self, content: dict[str, Any]) -> None:
        await self.feed(self.tg._user_message(self.id, self.user, content))

    async def album(self, caption: str | None, count: int, group: str) -> None:
        updates = [self.tg.user_sends_photo(self.id, self.user, sample_jpeg(40 + i, 30 + len(group)),
                                            caption=caption if i == 0 else None, media_group_id=group)
                   for i in range(count)]
        await asyncio.gather(*(self.feed(update) for update in updates))  # as Telegram delivers an album: all at once

    async def started(self) -> None:
        await self.says("/start")
        await self.taps("lang:kk")
        assert "Заң мен Тәртіп" in self.texts()[-1]


def kazakh(texts: list[str]) -> None:
    for text in texts:
        assert APOLOGY_KK not in text, texts
        assert KAZAKH_LETTERS & set(text.lower()) or text in KAZAKH_WITHOUT_THEM, f"not Kazakh: {text!r}"


async def _filed(ctx: Context) -> Report:
    async with ctx.sessions() as session:
        [report] = list(await session.scalars(select(Report)))
        return report


async def test_a_kazakh_citizen_reports_from_a_captioned_album_to_its_status(ctx: Context,
                                                                           citizen_tg: FakeBot) -> None:
    tg = citizen_tg
    chat = KazakhChat(ctx, tg, 731001)
    await chat.started()
    await chat.says("🚨 Құқық бұзушылық туралы хабарлау")
    assert "Не болғанын сипаттаңыз" in chat.texts()[-1]
    assert chat.last().button("Болдырмау")["callback_data"] == "report:cancel"  # a way back at the first step

    # the report begins as many begin it: the photos, with what happened written under them
    before = len(chat.texts())
    await chat.album(DESCRIPTION, 2, "kk-first")
    answers = chat.texts()[before:]
    assert len(answers) == 1, answers  # an album is answered once, not once per photo
    # the photos are kept with the report: not asked for again after the location
    assert "Оқиға орнын жіберіңіз" in answers[0] and "Файлдар өтінішке сақталды" in answers[0], answers

    # the address, typed where the location is asked: part of what happened, not dropped
    await chat.says(ADDRESS)
    assert "Сипаттамаға қосылды" in chat.texts()[-1] and "Оқиға орнын" in chat.texts()[-1]
    await chat.feed(tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    assert "5 фото немесе бейнеге дейін" in chat.texts()[-1] and "Қосылған файлдар: 2 / 5" in chat.texts()[-1]

    # more photos at their step, with words under them: one answer says both, for an album as for a photo
    before = len(chat.texts())
    await chat.album(KNIFE, 2, "kk-files")
    [answer] = chat.texts()[before:]
    assert "Сипаттамаға қосылды" in answer and "Файл қабылданды: 4 / 5" in answer, answer
    captioned = tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption="Көлік нөмірі 123ABC01")
    await chat.feed(captioned)
    [answer] = chat.texts()[before + 1:]
    # the fifth file reaches the limit: the confirmation, quoting the words under it
    assert "Тексеріңіз" in answer and "Көлік нөмірі 123ABC01" in answer, answer
    # the caption then corrected: the confirmation shows the correction
    await chat.feed(tg.push_update({"edited_message": {**captioned["message"], "caption": "Көлік нөмірі 123ABC02",
                                                        "edit_date": captioned["message"]["date"] + 20}}))
    assert "Тексеріңіз" in chat.texts()[-1] and "Көлік нөмірі 123ABC02" in chat.texts()[-1]

    # what the report takes no more of is answered, in Kazakh, with the files step's buttons
    for content in (VOICE, STICKER, BIG_VIDEO_FILE):
        await chat.sends(content)
        assert chat.last().button("Дайын")["callback_data"] == "report:photos_done", chat.texts()[-1]
    await chat.feed(tg.user_shares_contact(chat.id, chat.user, "+77011234567"))
    await chat.taps("report:photos_done")
    confirm = chat.texts()[-1]
    assert "Тексеріңіз" in confirm and "Файлдар: 5" in confirm and ADDRESS in confirm
    await chat.taps("report:send")
    assert "Өтініш тіркелді" in chat.texts()[-1]

    report = await _filed(ctx)
    assert report.text == f"{DESCRIPTION}\n\n{ADDRESS}\n\n{KNIFE}\n\nКөлік нөмірі 123ABC02"
    assert len(await _files_of(ctx, str(report.number))) == 5
    kazakh(chat.texts()[1:])

    # its status messages come in Kazakh; blocked, the chat gets none until it writes again
    async with ctx.sessions() as session:
        stored = await session.get(Report, report.id)
        assert stored is not None
        stored.category = "public_order"
        event = await reports.change_status(session, stored, Action.TRIAGE, By(Actor.DISPATCHER, "d1", "console"))
        await session.commit()
    assert await notify_report_event(ctx, stored, event) is True
    assert f"Өтініш № {report.number}: Қаралуда" in chat.texts()[-1]
    tg.user_blocks_bot(chat.id, notify=False)
    assert await notify_report_event(ctx, stored, event) is False
    tg.user_unblocks_bot(chat.id, notify=False)
    await chat.says("📋 Менің өтініштерім")
    assert report.number in chat.texts()[-1] and "Сіздің өтініштеріңіз" in chat.texts()[-1]
    assert await notify_report_event(ctx, stored, event) is True
    kazakh(chat.texts()[1:])


async def test_outside_a_report_each_kind_of_message_is_answered_in_kazakh(ctx: Context, citizen_tg: FakeBot,
                                                                        tmp_path: Path) -> None:
    chat = KazakhChat(ctx, citizen_tg, 731002)
    await chat.started()
    before = len(chat.texts())
    await chat.sends(STICKER)
    assert chat.texts()[before:] == ["Сұрағыңызды бір хабарламамен жазыңыз."]
    before = len(chat.texts())
    await chat.sends(VOICE)  # kept for a report if it can be: this one cannot be fetched
    answers = chat.texts()[before:]
    assert len(answers) == 1 and answers[0].startswith("Бұл файлды қабылдай алмадым:"), answers
    before = len(chat.texts())
    await chat.sends(BIG_VIDEO_FILE)  # starts a report, the file refused for its size
    answers = chat.texts()[before:]
    assert len(answers) == 1 and answers[0].startswith("Бұл файлды қабылдай алмадым:"), answers
    assert "Не болғанын қысқаша мәтінмен сипаттаңыз" in answers[0]  # the report goes on to its description
    await chat.taps("report:cancel")
    await chat.feed(citizen_tg.user_shares_contact(chat.id, chat.user, "+77011234567"))
    assert chat.last().button("Құқықтық сұрақ")  # the menu, to go on
    # the legal help unavailable (its index not there): said so in Kazakh, with the emergency numbers
    ctx.settings = ctx.settings.with_(legal_index_dir=str(tmp_path / "no-index"))
    await chat.says("Ұрлық үшін қандай жаза бар?")
    assert "уақытша қолжетімсіз" in chat.texts()[-1] and "102" in chat.texts()[-1]
    kazakh(chat.texts()[1:])


async def test_a_photo_where_the_description_is_expected_offers_the_way_back(ctx: Context,
                                                                            citizen_tg: FakeBot) -> None:
    chat = KazakhChat(ctx, citizen_tg, 731003)
    await chat.started()
    await chat.says("🚨 Құқық бұзушылық туралы хабарлау")
    before = len(chat.texts())
    await chat.album(None, 3, "kk-no-words")  # no caption: nothing to take as the description
    assert len(chat.texts()) == before + 1 and "мәтінмен сипаттаңыз" in chat.texts()[-1], chat.texts()[before:]
    await chat.says("❓ Құқықтық сұрақ")  # changed their mind: the answer shows the way out
    assert chat.last().button("Болдырмау")["callback_data"] == "report:cancel"
    await chat.taps("report:cancel")
    assert "Болдырылмады" in chat.texts()[-1]
    await chat.says("❓ Құқықтық сұрақ")
    assert "Сұрағыңызды бір хабарламамен жазыңыз" in chat.texts()[-1]
    kazakh(chat.texts()[1:])


async def test_words_under_a_photo_at_the_files_step_are_acknowledged_in_its_one_answer(
        ctx: Context, citizen_tg: FakeBot) -> None:
    chat = KazakhChat(ctx, citizen_tg, 731004)
    await chat.started()
    await chat.says("🚨 Құқық бұзушылық туралы хабарлау")
    await chat.says(DESCRIPTION)
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    before = len(chat.texts())
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption=KNIFE))
    [answer] = chat.texts()[before:]
    assert "Сипаттамаға қосылды" in answer and "Файл қабылданды: 1 / 5" in answer, answer
    assert chat.last().button("Дайын")["callback_data"] == "report:photos_done"
    await chat.album("Көлік нөмірі 123ABC02", 3, "kk-captioned")
    [answer] = chat.texts()[before + 1:]
    assert "Сипаттамаға қосылды" in answer and "Файл қабылданды: 4 / 5" in answer, answer
    kazakh(chat.texts()[1:])
