"""Several messages typed while "File a report with this?" waits are offered joined ("Use: «…»"): in the order they
were typed (message ids), not the order their updates happened to be handled in (Telegram posts a webhook's updates
side by side, and the chat's lock takes waiting updates in no set order); the same words sent twice once (a citizen
re-sends a message when the answer is slow); and an edit of one of them corrects its own words in the offer, at the
question or at the description step, rather than the edited message alone becoming the description and the others
dropped unsaid. Real aiogram against the fake Bot API, real intake and media."""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.bots.test_citizen_audit_conversation import Chat, _edited
from tests.bots.test_citizen_report_from_media import _asked, _reports
from tests.fakes.telegram import FakeBot

pytestmark = pytest.mark.anyio
TOLD = ["Вчера вечером во дворе дома на Кенесары 40", "неизвестные разбили окно моей машины", "и украли магнитолу"]


def _use_label(chat: Chat) -> str:
    buttons = [b for row in chat.last().inline_keyboard for b in row]
    [label] = [b["text"] for b in buttons if b["callback_data"] == "report:use_typed"]
    return str(label)


async def _filed_text(ctx: Context, chat: Chat) -> str:
    """The description taken with "Use", then the place, no files, Send: the report's text."""
    await chat.taps("report:use_typed")
    assert "объединены и приняты как описание" in chat.texts()[-1], chat.texts()[-1]  # several: said in the plural
    await chat.feed(chat.tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    [report] = await _reports(ctx)
    return str(report.text)


async def test_messages_handled_out_of_order_are_joined_in_the_order_typed(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 796401)
    sent = [citizen_tg.user_sends_text(chat.id, chat.user, words) for words in TOLD]
    for update in (sent[0], sent[2], sent[1]):  # the third message's update handled before the second's
        await chat.feed(update)
    await chat.taps("report:offer_yes")
    assert "(3)" in chat.texts()[-1], chat.texts()[-1]
    assert await _filed_text(ctx, chat) == "\n\n".join(TOLD)


async def test_the_same_words_sent_twice_are_offered_once(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 796402)
    for words in (TOLD[0], TOLD[1], f" {TOLD[1]} "):  # sent again: the first answer was slow
        await chat.says(words)
    await chat.taps("report:offer_yes")
    assert "(2)" in chat.texts()[-1], chat.texts()[-1]
    assert await _filed_text(ctx, chat) == "\n\n".join(TOLD[:2])


async def test_an_edit_at_the_description_step_corrects_its_words_in_the_offer(ctx: Context,
                                                                                citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 796403)
    sent = [citizen_tg.user_sends_text(chat.id, chat.user, words) for words in TOLD]
    for update in sent:
        await chat.feed(update)
    await chat.taps("report:offer_yes")
    fixed = "неизвестные разбили окно моей машины ломом"
    await chat.feed(citizen_tg.push_update(_edited(sent[1], fixed)))
    said = chat.texts()[-1]
    # the offer again, with all three messages: not the edited one alone taken, the two others dropped unsaid
    assert "Опишите, что произошло" in said and "(3)" in said, said
    assert _use_label(chat).startswith("Использовать: «Вчера вечером"), _use_label(chat)
    assert await _filed_text(ctx, chat) == "\n\n".join([TOLD[0], fixed, TOLD[2]])


async def test_an_edit_while_the_question_waits_corrects_its_words(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 796404)
    sent = [citizen_tg.user_sends_text(chat.id, chat.user, words) for words in TOLD[:2]]
    for update in sent:
        await chat.feed(update)
    fixed = "Вчера вечером во дворе дома на Кенесары 42"
    await chat.feed(citizen_tg.push_update(_edited(sent[0], fixed)))
    await chat.taps("report:offer_yes")
    assert await _filed_text(ctx, chat) == "\n\n".join([fixed, TOLD[1]])
