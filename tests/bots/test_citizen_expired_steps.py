"""The report's own steps (the description, the place, the files, the confirmation) whose draft data expired before
their state (Redis keeps the two under their own TTLs): each step read the missing data (its key, its description,
its place) and raised KeyError, so the citizen got the generic apology and what they sent was lost. Now the one
expired-draft guard (bots.citizen.report_expired) says the draft is gone in the chat's language and takes the
message afresh: a file or a place starts a new report as outside one, words a new report's description."""

from __future__ import annotations

from typing import Any

import pytest

from backend.context import Context
from tests.bots.test_citizen_add_words import _expire_data
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, Chat, _edited, _report_texts
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = pytest.mark.anyio
GONE = "которое вы писали, больше не хранится"  # report_draft_expired (ru)
PLACE = (51.1605, 71.4704)


async def _described(ctx: Context, tg: FakeBot, chat_id: int) -> Chat:
    """A chat at the place step, its description written."""
    chat = Chat(ctx, tg, chat_id)
    await chat.up_to_location()
    return chat


async def _at_files(ctx: Context, tg: FakeBot, chat_id: int) -> Chat:
    chat = await _described(ctx, tg, chat_id)
    await chat.feed(tg.user_sends_location(chat.id, chat.user, *PLACE))
    assert "приложить до 5 фото" in chat.texts()[-1]
    return chat


async def _at_confirmation(ctx: Context, tg: FakeBot, chat_id: int) -> Chat:
    chat = await _at_files(ctx, tg, chat_id)
    await chat.taps("report:skip")
    assert "Проверьте" in chat.texts()[-1]
    return chat


async def _after_expiry(chat: Chat, update: dict[str, Any] | None = None, text: str = "") -> list[str]:
    """The draft's data expired, then `update` (or the words `text`) sent: what the bot said, with no apology."""
    await _expire_data(chat)
    before = len(chat.texts())
    await chat.feed(update if update is not None else chat.tg.user_sends_text(chat.id, chat.user, text))
    said = chat.texts()[before:]
    assert said and not any(APOLOGY in line for line in said), said
    return said


async def test_a_captioned_photo_at_the_description_step(ctx: Context, citizen_tg: FakeBot) -> None:
    """report_text_missing → keep_early_file read data["key"]."""
    chat = Chat(ctx, citizen_tg, 799701)
    await chat.says("/start")
    await chat.taps("lang:ru")
    await chat.says("/report")
    said = await _after_expiry(chat, citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48),
                                                                 caption=TEXT))
    assert GONE in said[0] and "место происшествия" in said[-1], said  # the caption is the new report's description
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
    await chat.taps("report:skip")
    assert "Файлы: 1" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert await _report_texts(ctx) == [TEXT]


async def test_words_at_the_description_step(ctx: Context, citizen_tg: FakeBot) -> None:
    """Taken into a draft with no key: the place sent next read data["key"] (ask_files)."""
    chat = Chat(ctx, citizen_tg, 799702)
    await chat.says("/start")
    await chat.taps("lang:ru")
    await chat.says("/report")
    said = await _after_expiry(chat, text=TEXT)
    assert GONE in said[0] and "принято как описание" in said[-1] and "место происшествия" in said[-1], said
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
    assert "приложить до 5 фото" in chat.texts()[-1] and APOLOGY not in chat.texts()[-1]


async def test_an_edited_description_at_the_description_step(ctx: Context, citizen_tg: FakeBot) -> None:
    """A too-short description corrected after the data expired was taken into a draft with no key (and the place
    sent next read data["key"]): the draft is said to be gone instead."""
    chat = Chat(ctx, citizen_tg, 799703)
    await chat.says("/start")
    await chat.taps("lang:ru")
    await chat.says("/report")
    short = citizen_tg.user_sends_text(chat.id, chat.user, "ой")
    await chat.feed(short)
    said = await _after_expiry(chat, citizen_tg.push_update(_edited(short, TEXT)))
    assert GONE in said[0], said
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
    assert APOLOGY not in chat.texts()[-1], chat.texts()[-1]


async def test_a_location_at_the_place_step(ctx: Context, citizen_tg: FakeBot) -> None:
    """report_location → ask_files read data["key"]."""
    chat = await _described(ctx, citizen_tg, 799704)
    said = await _after_expiry(chat, citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
    assert GONE in said[0] and "Место происшествия сохранено" in said[-1], said  # a new report, its place kept


async def test_a_photo_at_the_place_step(ctx: Context, citizen_tg: FakeBot) -> None:
    """report_location_missing → keep_early_file read data["key"]."""
    chat = await _described(ctx, citizen_tg, 799705)
    said = await _after_expiry(chat, citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    assert GONE in said[0] and "Файл сохранён в обращении" in said[-1], said  # a new report's first file
    assert "опишите словами" in said[-1], said


async def test_a_photo_at_the_files_step(ctx: Context, citizen_tg: FakeBot) -> None:
    """report_media read data["key"]."""
    chat = await _at_files(ctx, citizen_tg, 799706)
    said = await _after_expiry(chat, citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    assert GONE in said[0] and "Файл сохранён в обращении" in said[-1], said


async def test_skip_at_the_files_step(ctx: Context, citizen_tg: FakeBot) -> None:
    """"Skip" (as "Done") → ask_confirmation read data["key"]."""
    chat = await _at_files(ctx, citizen_tg, 799707)
    await _expire_data(chat)
    await chat.taps("report:skip")
    said = chat.texts()[-1]
    assert "черновик обращения больше не хранится" in said and APOLOGY not in said, said


async def test_words_at_the_confirmation(ctx: Context, citizen_tg: FakeBot) -> None:
    """report_confirm_text → ask_confirmation read data["key"]: the words start a new report, offered as its
    description (they added to the one that is gone)."""
    chat = await _at_confirmation(ctx, citizen_tg, 799708)
    said = await _after_expiry(chat, text="Это было вчера около 22:40")
    assert GONE in said[0] and "Опишите, что произошло" in said[-1], said
    assert "22:40" in chat.last().button("Использовать")["text"]
    await chat.taps("report:use_typed")
    assert "принято как описание" in chat.texts()[-1], chat.texts()[-1]


async def test_a_sticker_at_the_confirmation(ctx: Context, citizen_tg: FakeBot) -> None:
    """report_confirm_other → ask_confirmation read data["key"]."""
    chat = await _at_confirmation(ctx, citizen_tg, 799709)
    sticker = {"file_id": "CAACAgIAAxk", "file_unique_id": "AgADsticker", "type": "regular", "width": 512,
               "height": 512, "is_animated": False, "is_video": False}
    said = await _after_expiry(chat, citizen_tg._user_message(chat.id, chat.user, {"sticker": sticker}))
    assert len(said) == 1 and GONE in said[0], said


async def test_a_location_at_the_confirmation(ctx: Context, citizen_tg: FakeBot) -> None:
    """report_location_changed → ask_confirmation read data["key"]."""
    chat = await _at_confirmation(ctx, citizen_tg, 799710)
    said = await _after_expiry(chat, citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
    assert GONE in said[0] and "Место происшествия сохранено" in said[-1], said


async def test_continue_after_the_data_expired(ctx: Context, citizen_tg: FakeBot) -> None:
    """"Continue" of "continue or start again?" → resume → ask_files read data["key"]."""
    chat = await _at_files(ctx, citizen_tg, 799711)
    await chat.says("/report")
    assert "Продолжить его или начать заново" in chat.texts()[-1]
    await _expire_data(chat)
    await chat.taps("report:continue")
    said = chat.texts()[-1]
    assert GONE in said and APOLOGY not in said, said


async def test_report_typed_after_the_data_expired_starts_a_new_one(ctx: Context, citizen_tg: FakeBot) -> None:
    """"Continue or start again?" was asked of a draft that is gone (its "Continue" then failed)."""
    chat = await _at_files(ctx, citizen_tg, 799712)
    said = await _after_expiry(chat, text="/report")
    assert GONE in said[0] and "Опишите, что произошло" in said[-1], said


async def test_a_language_chosen_at_the_confirmation(ctx: Context, citizen_tg: FakeBot) -> None:
    """The choice of language asks the step again (resume) → ask_confirmation read data["key"]."""
    chat = await _at_confirmation(ctx, citizen_tg, 799713)
    await chat.says("/language")
    await _expire_data(chat)
    await chat.taps("lang:kk")
    said = chat.texts()[-2:]
    assert "Сіз жазып жатқан өтініштің жобасы енді сақталмайды" in said[0], said
    assert "«Заң мен Тәртіп» боты" in said[1] and APOLOGY not in said[1], said


async def test_the_legal_question_button_after_the_data_expired(ctx: Context, citizen_tg: FakeBot) -> None:
    """The menu's "Legal question" at a step whose draft is gone: the draft said gone, and the question asked for
    (it was only the menu again: the tap was lost)."""
    chat = await _described(ctx, citizen_tg, 799714)
    said = await _after_expiry(chat, text="❓ Юридический вопрос")
    assert GONE in said[0] and "Напишите" in said[-1], said
