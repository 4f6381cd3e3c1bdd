"""An album split across a Redis outage at the report's files step: Telegram delivers its files one update each, and
Redis goes away after the first was handled (or comes back after it). The file handled while Redis was away from the
start of its update (the chat's step unreadable, nothing of the chat kept in this process) is not taken: the citizen
is told to send it again; the one handled with Redis is the report's. Sent again, the file joins the same draft, and
the report is filed with both, none lost and none twice. Real aiogram against the fake Bot API, real media store,
the bot's Redis behind a loopback proxy cut before the update."""

from __future__ import annotations

import pytest

from backend.context import Context
from tests.bots.redis_blip import PLACE, RESEND, blip_chat, redis_holds, sent_with_redis_away
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_report_from_media import _reports
from tests.bots.test_citizen_voice import _number
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
ALBUM = "split-album"


@pytest.mark.parametrize("away_first", [False, True], ids=["redis-lost-after-first", "redis-back-after-first"])
async def test_an_album_split_across_an_outage_loses_no_file(ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy,
                                                            away_first: bool) -> None:
    tg = citizen_tg
    chat = await blip_chat(ctx, tg, 799901 + away_first)
    await chat.feed(tg.user_sends_location(chat.id, chat.user, *PLACE))
    assert "приложить до 5 фото" in chat.texts()[-1], chat.texts()[-1]
    _, before = await redis_holds(chat)
    first, second = (tg.user_sends_photo(chat.id, chat.user, sample_jpeg(50 + i, 40), media_group_id=ALBUM)
                     for i in range(2))
    with_redis, without = (second, first) if away_first else (first, second)

    said: list[str] = []
    if away_first:
        said = await sent_with_redis_away(chat, proxy, without)
    start = len(chat.texts())
    await chat.feed(with_redis)
    kept = chat.texts()[start:]
    if not away_first:
        said = await sent_with_redis_away(chat, proxy, without)

    assert len(said) == 1 and RESEND in said[0] and APOLOGY not in said[0], said  # told, not silently dropped
    assert kept and "Принято файлов: 1 из 5" in kept[-1], kept
    _, data = await redis_holds(chat)
    assert data.get("key") == before["key"] and data.get("text") == TEXT, data

    # sent again, as asked: a new message carrying the same photo, the report's second file
    again = tg.user_sends_photo(chat.id, chat.user, sample_jpeg(50 + (not away_first), 40))
    await chat.feed(again)
    assert "Принято файлов: 2 из 5" in chat.texts()[-1], chat.texts()[-3:]
    await chat.taps("report:photos_done")
    assert "Файлы: 2" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert [report.text for report in await _reports(ctx)] == [TEXT]
    assert len(await _files_of(ctx, _number(chat.texts()[-1]))) == 2
