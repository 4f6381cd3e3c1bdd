"""The citizen bot's own partner row ("telegram-bot", which its reports and files are attributed to) is created on
first use. An album's files arrive at once, each looking for the row: every one of them must end with the same row.
Since partner names are compared regardless of case, the losers of that race were refused by the name check
(NameTaken) before reaching the unique index, which was the only refusal the bot took for "created meanwhile": the
file was lost with a traceback."""

from __future__ import annotations

import asyncio

import pytest

from backend.context import Context
from bots.citizen import service as citizen_bot

pytestmark = pytest.mark.anyio


async def test_files_arriving_at_once_all_find_the_bots_partner_row(ctx: Context) -> None:
    ids = await asyncio.gather(*(citizen_bot.bot_partner_id(ctx) for _ in range(12)))
    assert len(set(ids)) == 1
