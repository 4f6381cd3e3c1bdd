"""The report conversation as a citizen on a bad network uses it: an update that reaches the bot twice (Telegram
re-delivers, or polling fetches a batch again after a restart) adds its words once; a command typed at the
description step is not taken for the description; a "Send" tapped after the draft expired (a day in Redis) says that
nothing was sent instead of nothing at all, while the second tap of a double tap stays silent; /start in the middle
of a report lets its files go, as /cancel does. Updates go through the real dispatcher one by one, as the webhook
hands them over; real aiogram against the fake Bot API, real intake."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.context import Context
from bots.models import TelegramDraftMedia
from tests.bots.test_citizen_audit_conversation import TEXT, Chat, _report_texts
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = pytest.mark.anyio
NOT_SENT = "ничего не отправила"
REGISTERED = "зарегистрировано"


async def _up_to_files(chat: Chat) -> None:
    await chat.up_to_location()
    await chat.feed(chat.tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    assert "приложить до 5 фото" in chat.texts()[-1]


async def test_a_redelivered_message_adds_its_words_once(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 718101)
    await _up_to_files(chat)
    words = citizen_tg.user_sends_text(chat.id, chat.user, "Номер машины 123ABC02")
    photo = citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption="У него был нож")
    before = len(chat.texts())
    for update in (words, words, photo, photo):  # each one delivered twice
        await chat.feed(update)
    added = [text for text in chat.texts()[before:] if "Добавлено к описанию" in text]
    assert len(added) == 2, chat.texts()[before:]  # one answer per message, not per delivery
    await chat.taps("report:photos_done")
    await chat.taps("report:send")
    assert REGISTERED in chat.texts()[-1]
    assert await _report_texts(ctx) == [f"{TEXT}\n\nНомер машины 123ABC02\n\nУ него был нож"]


async def test_a_command_is_not_taken_for_the_description(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 718102)
    await chat.says("/start")
    await chat.taps("lang:ru")
    await chat.says("/report")
    await chat.says("/help")  # five characters: long enough for a description
    assert "опишите словами" in chat.texts()[-1], chat.texts()[-1]
    await chat.says(TEXT)
    assert "место происшествия" in chat.texts()[-1]
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert await _report_texts(ctx) == [TEXT]


@pytest.mark.redis
@pytest.mark.parametrize("expired", ["state and data", "data"])
async def test_send_on_an_expired_draft_says_that_nothing_was_sent(ctx: Context, citizen_tg: FakeBot,
                                                                   expired: str) -> None:
    chat = Chat(ctx, citizen_tg, 718103)
    await _up_to_files(chat)
    await chat.says("Номер машины 123ABC02")
    await chat.taps("report:photos_done")
    confirm = chat.last()
    assert "Проверьте" in (confirm.text or "")
    # a day later Redis has expired the conversation (runtime.FSM_TTL_S). The state and the data are two keys with
    # TTLs of their own, and the state was written last (at the confirmation): for a while only the data is gone
    assert ctx.redis is not None
    pattern = ctx.keys("fsm", "citizen") + ("*" if expired == "state and data" else "*:data")
    keys = [key async for key in ctx.redis.scan_iter(match=pattern)]
    assert keys
    await ctx.redis.delete(*keys)
    before = len(chat.texts())
    await chat.feed(citizen_tg.user_taps_button(confirm, "report:send", user=chat.user))
    answers = chat.texts()[before:]
    assert len(answers) == 1 and NOT_SENT in answers[0] and "102" in answers[0], answers
    assert chat.last().button("Сообщить о правонарушении")  # the menu, to start again
    assert await _report_texts(ctx) == []


async def test_the_second_tap_of_a_double_tap_after_filing_stays_silent(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 718104)
    await _up_to_files(chat)
    await chat.taps("report:skip")
    confirm = chat.last()
    first = citizen_tg.user_taps_button(confirm, "report:send", user=chat.user)
    second = citizen_tg.user_taps_button(confirm, "report:send", user=chat.user)
    before = len(chat.texts())
    await chat.feed(first)
    await chat.feed(second)  # handled once the first has filed it and ended the conversation
    answers = chat.texts()[before:]
    assert len(answers) == 1 and REGISTERED in answers[0], answers
    assert await _report_texts(ctx) == [TEXT]


async def _draft_files(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return len(list(await session.scalars(select(TelegramDraftMedia))))


@pytest.mark.parametrize("again", ["/start", "/report"])
async def test_starting_over_in_the_middle_of_a_report_lets_its_files_go(ctx: Context, citizen_tg: FakeBot,
                                                                         again: str) -> None:
    chat = Chat(ctx, citizen_tg, 718105)
    await _up_to_files(chat)
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48)))
    assert "Принято файлов: 1 из 5" in chat.texts()[-1]
    assert await _draft_files(ctx) == 1
    await chat.says(again)
    if again == "/report":  # a report being written is not dropped without asking
        assert await _draft_files(ctx) == 1
        await chat.taps("report:restart")
    assert await _draft_files(ctx) == 0  # as after /cancel: nothing is kept for a draft no one can finish
