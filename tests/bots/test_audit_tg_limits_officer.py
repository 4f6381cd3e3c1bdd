"""The duty bot against the Bot API's own limits, with real python-telegram-bot and the fake Bot API.

A message older than 48 hours can no longer be edited (400 "message can't be edited"): a language chosen from a /lang
message left on screen for days was set, but the officer was told nothing (the confirmation was only ever an edit of
that message, and its refusal went to the error handler as a failed update). A second tap edits in nothing new ("message
is not modified"), which is no failure either.
"""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.bots.conftest import OFFICER_TOKEN
from tests.fakes.telegram import FakeBot, FakeTelegram, make_user

pytestmark = pytest.mark.anyio
CHAT = 881101


async def test_a_language_chosen_on_a_message_too_old_to_edit_is_confirmed(
        ctx: Context, officer_tg: FakeBot, fake_telegram: FakeTelegram) -> None:
    tg, user = officer_tg, make_user(CHAT, language_code="ru")
    tg.user_sends_text(CHAT, user, "/lang")
    menu = await tg.wait_for_message_async(CHAT, contains="Выберите язык")
    fake_telegram.fail_next("editMessageText", 400, description="Bad Request: message can't be edited",
                            token=OFFICER_TOKEN)

    tg.user_taps_button(menu, "olang:en", user=user)

    said = await tg.wait_for_message_async(CHAT, contains="Bot language: English", timeout=3)
    assert said.message_id != menu.message_id
