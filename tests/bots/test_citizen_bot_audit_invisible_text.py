"""Citizen bot audit (2026-12-05): a description of invisible characters. Real aiogram against the fake Bot API,
real intake, both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.reports.models import Report
from tests.bots.test_citizen_audit_conversation import TEXT, Chat
from tests.fakes.telegram import FakeBot

pytestmark = pytest.mark.anyio
INVISIBLE = "\u200b\u200f\u200b\u202e\u200b\u2060"  # six characters, none of which shows


# DEFECT: the description step counted characters after str.strip(), so six zero-width characters passed for a
# description and the bot filed a report with nothing to read (intake, which refuses such a text now, would
# otherwise answer every "Send" with an error the citizen cannot fix from the confirmation)
async def test_a_description_of_invisible_characters_is_asked_again(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 717191)
    await chat.says("/start")
    await chat.taps("lang:ru")
    await chat.says("/report")
    await chat.says(INVISIBLE)
    assert "Слишком коротко" in chat.texts()[-1]
    await chat.says(TEXT)
    assert "место происшествия" in chat.texts()[-1]
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1]
    async with ctx.sessions() as session:
        assert [r.text for r in await session.scalars(select(Report))] == [TEXT]
