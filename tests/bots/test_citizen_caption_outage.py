"""A photo sent at the description step with what happened written under it, while Redis goes away after the caption
was written as the description (the draft read whole, then written): Redis holds it.

Cut at the read of the draft's key the file is to be kept under (keep_early_file), the chat's data was partial,
without its key: KeyError, the update failed, and the citizen heard "the service is temporarily unavailable" although
the caption was kept and the file was not. Cut at the update's last read (resume's: the step is asked from a read of
its own, as another update of the chat may have moved it meanwhile: the place sent), the caption and the file were
kept, yet the citizen heard "caption taken, file kept … send that again". Either way, sent again, the caption went
into the description twice. Now the key is taken from the draft as the caption was written, and that last read
unreadable, the step asked is the one the caption was written at: the file is kept, the citizen told what was kept and
asked what comes next, not to send it again. Real aiogram against the fake Bot API, the bot's Redis behind a loopback
proxy cut the moment the chat's data is asked for (each command naming it counts)."""

from __future__ import annotations

import logging

import pytest

from backend.context import Context
from bots.citizen.report_draft import ReportForm
from tests.bots.redis_blip import PLACE, RESEND, blip_at_data_read, blip_chat, redis_holds
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, Chat, _report_texts
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
CAPTION_TAKEN = "Подпись к файлу принята как описание"  # report_caption_taken (ru)
FILE_KEPT = "Файл сохранён в обращении"  # report_file_kept (ru)
ASK_PLACE = "место происшествия"  # report_location (ru)
ASK_FILES = "приложить до 5 фото"  # report_photo (ru)
# the commands naming the chat's data in the update of a captioned photo at the description step that answer before
# Redis is cut: the guard's read and the description's read and write (then the file's key would be read, were it not
# taken from the draft as written); or all of them, the file's reads and writes around its storing included, up to
# the last read, the one that asks the next step (resume's)
CUTS = {"key_read": 3, "last_read": 10}
OUTAGE = "citizen bot FSM storage unavailable"  # bots.citizen.storage's warning: the cut did happen in the update


async def _filed(chat: Chat, ctx: Context, described: str) -> None:
    """The files step skipped: the confirmation counts the one file kept, and the report is filed with `described`
    in once."""
    await chat.taps("report:skip")  # the files step's button (no other file to send)
    last = chat.texts()[-1]
    assert "Проверьте" in last and "Файлы: 1" in last, last  # the file kept
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert await _report_texts(ctx) == [described]


@pytest.mark.parametrize("cut", list(CUTS))
@pytest.mark.parametrize("place_first", [False, True], ids=["description_first", "place_first"])
async def test_a_caption_kept_in_an_outage_is_not_asked_again(ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy,
                                                              caplog: pytest.LogCaptureFixture,
                                                              place_first: bool, cut: str) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799981 + place_first + 2 * list(CUTS).index(cut), described=False)
    if place_first:
        await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
        assert "сохранено" in chat.texts()[-1], chat.texts()[-1]
    photo = citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption=TEXT)
    with caplog.at_level(logging.WARNING, logger="zan.bots.citizen.storage"):
        said = await blip_at_data_read(chat, proxy, photo, reads=CUTS[cut])
    assert any(OUTAGE in record.getMessage() for record in caplog.records), "Redis was not cut in the update"
    step, data = await redis_holds(chat)
    # the caption and the file were kept before Redis went away
    assert data.get("text") == TEXT, data
    assert step == (ReportForm.photo if place_first else ReportForm.location).state, step
    assert len(said) == 1 and APOLOGY not in said[0], said
    # told what was kept and asked what comes next (the place sent first not asked again), not to send it again
    assert RESEND not in said[0], said
    assert CAPTION_TAKEN in said[0] and FILE_KEPT in said[0], said
    assert (ASK_FILES if place_first else ASK_PLACE) in said[0], said
    if not place_first:
        await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
        assert ASK_FILES in chat.texts()[-1], chat.texts()[-1]
    await _filed(chat, ctx, TEXT)
