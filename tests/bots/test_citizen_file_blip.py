"""Redis lost while a citizen's file is on its way into the report draft: once it was stored, free_place read the
draft's data empty (Redis away, nothing kept in memory) and took the draft for one cancelled or filed meanwhile, so
the file was deleted and nothing was said. An unreadable draft is not a gone one: the file is kept with the draft it
was sent for, said so, and the draft files with it once Redis answers. Real aiogram against the fake Bot API, real
media store, the bot's Redis behind a loopback proxy cut the moment free_place asks for the draft's data."""

from __future__ import annotations

import pytest

from backend.context import Context
from bots.citizen.report_draft import ReportForm
from tests.bots.redis_blip import PLACE, blip_at_data_read, blip_chat, redis_holds
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_report_from_media import _reports
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
# the Redis commands naming the draft's data that come before free_place's read of it (report_media's, keep_file's and
# hold_place's reads and writes): counted on the real flow, the seventh is free_place's
BEFORE_FREE_PLACE = 6


async def test_a_file_stored_as_redis_goes_away_is_kept(ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799811)
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
    assert "приложить до 5 фото" in chat.texts()[-1], chat.texts()[-1]
    photo = citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48))
    said = await blip_at_data_read(chat, proxy, photo, reads=BEFORE_FREE_PLACE)
    assert len(said) == 1 and "Принято файлов: 1 из 5" in said[0] and APOLOGY not in said[0], said
    step, data = await redis_holds(chat)
    assert step == ReportForm.photo.state and data.get("text") == TEXT and "key" in data, (step, data)

    await chat.taps("report:photos_done")
    assert "Файлы: 1" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    number = (await _reports(ctx))[-1].number
    assert len(await _files_of(ctx, number)) == 1
