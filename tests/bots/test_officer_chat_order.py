"""The duty bot's polled updates run side by side across chats and in order within a chat: an officer whose answer
is slow (the fake Bot API holds it) keeps neither another officer waiting nor their own next command from waiting
its turn. Real python-telegram-bot polling the fake Bot API, built as `zan bot officer` builds it."""

from __future__ import annotations

import pytest

from backend.context import Context
from bots.officer.chat_order import CONCURRENT_UPDATES
from tests.fakes.telegram import FakeBot, make_user

pytestmark = pytest.mark.anyio
SLOW, OTHER = 880701, 880702
START = "Дежурный бот"
NOT_LINKED = "Аккаунт не привязан"


async def test_a_slow_chat_holds_up_neither_another_chat_nor_its_own_order(ctx: Context, officer_tg: FakeBot) -> None:
    tg = officer_tg
    slow_user, other_user = make_user(SLOW, language_code="ru"), make_user(OTHER, language_code="ru")
    held = tg.hold_next("sendMessage", SLOW)
    tg.user_sends_text(SLOW, slow_user, "/start")
    await tg.wait_held(held)  # the slow chat's handler now waits on Telegram
    tg.user_sends_text(SLOW, slow_user, "/status")
    tg.user_sends_text(OTHER, other_user, "/start")
    try:
        await tg.wait_for_message_async(OTHER, contains=START)  # answered while the slow chat's answer is held
    finally:
        held.release()
    await tg.wait_for_message_async(SLOW, contains=NOT_LINKED)
    # in the order the Bot API answered them: the other chat first, the slow chat's two in the order they were sent
    answered = [(int(call.params["chat_id"]), str(call.params["text"])) for call in tg.calls("sendMessage")]
    assert [(chat, text.startswith(START)) for chat, text in answered] == [(OTHER, True), (SLOW, True), (SLOW, False)]
    assert answered[-1][1].startswith(NOT_LINKED)


async def test_a_chat_flooding_updates_behind_a_slow_one_does_not_starve_another_chat(
        ctx: Context, officer_tg: FakeBot) -> None:
    """More updates of one chat queued behind its slow one than the process handles at once (CONCURRENT_UPDATES)
    wait for their chat, not for a slot: another chat's /start is answered meanwhile."""
    tg = officer_tg
    slow_user, other_user = make_user(SLOW, language_code="ru"), make_user(OTHER, language_code="ru")
    held = tg.hold_next("sendMessage", SLOW)
    tg.user_sends_text(SLOW, slow_user, "/start")
    await tg.wait_held(held)
    for n in range(CONCURRENT_UPDATES):  # chatter no handler answers, each waiting for the chat's turn
        tg.user_sends_text(SLOW, slow_user, f"сообщение {n}")
    tg.user_sends_text(SLOW, slow_user, "/status")
    tg.user_sends_text(OTHER, other_user, "/start")
    try:
        await tg.wait_for_message_async(OTHER, contains=START)
    finally:
        held.release()
    await tg.wait_for_message_async(SLOW, contains=NOT_LINKED, timeout=30)
    answered = [(int(call.params["chat_id"]), str(call.params["text"])[:len(START)])
                for call in tg.calls("sendMessage")]
    assert answered == [(OTHER, START), (SLOW, START), (SLOW, NOT_LINKED[:len(START)])]
