"""The words that became the description are said in the number they came in: a description joined from several
messages (typed while a question waited and taken with "Use", or the captions of several files taken with "New
report") is said to be "your messages (N), joined", not "your message", in ru, kk and en; one message stays
singular. Real aiogram against the fake Bot API, real intake and media."""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.bots.test_citizen_add_files import _filed
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_report_from_media import _asked
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = pytest.mark.anyio
TOLD = ["Вчера вечером во дворе дома на Кенесары 40", "неизвестные разбили окно моей машины"]
MANY = {"ru": "📝 Ваши сообщения (2) объединены и приняты как описание: «",
        "kk": "📝 2 хабарламаңыз біріктіріліп, сипаттама ретінде алынды: «",
        "en": "📝 Your 2 messages are joined and taken as the description: “"}
ONE = {"ru": "📝 Ваше сообщение принято как описание: «", "kk": "📝 Хабарламаңыз сипаттама ретінде алынды: «",
       "en": "📝 Your message is taken as the description: “"}


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_typed_messages_joined_are_said_in_the_plural(ctx: Context, citizen_tg: FakeBot, lang: str) -> None:
    chat = await _asked(ctx, citizen_tg, {"ru": 796501, "kk": 796502, "en": 796503}[lang], lang)
    for words in TOLD:
        await chat.says(words)
    await chat.taps("report:offer_yes")
    await chat.taps("report:use_typed")
    said = chat.texts()[-1]
    assert MANY[lang] + "\n\n".join(TOLD) in said and ONE[lang] not in said, said


async def test_one_typed_message_is_said_in_the_singular(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 796504)
    await chat.says(TOLD[0])
    await chat.taps("report:offer_yes")
    await chat.taps("report:use_typed")
    assert ONE["ru"] + TOLD[0] in chat.texts()[-1], chat.texts()[-1]


async def test_captions_of_several_files_joined_are_said_in_the_plural(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 796505)
    await _filed(chat, citizen_tg, "en")
    for index, words in enumerate(TOLD):
        await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64 + index, 48), caption=words))
    await chat.taps("report:add_new")
    said = chat.texts()[-1]
    assert MANY["en"] in said and "Send the location" in said, said
