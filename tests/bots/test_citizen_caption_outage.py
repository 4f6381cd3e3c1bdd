"""A photo sent at the description step with what happened written under it, while Redis goes away at the last read
of its update.

The caption is the description (written with the draft read whole), the file is stored with the chat let go, and the
step is then asked from a read of its own (another update of the chat may have moved it meanwhile: the place sent).
Redis gone at that read, the caption and the file were kept, yet the citizen heard "caption taken, file kept … send
that again": sent again, the caption went into the description twice. Now that read unreadable, the step asked is the
one the caption was written at: the citizen is told what was kept and asked what comes next, not to send it again.
Real aiogram against the fake Bot API, the bot's Redis behind a loopback proxy cut the moment the chat's data is asked
for (each command naming it counts)."""

from __future__ import annotations

import logging

import pytest

from backend.context import Context
from bots.citizen.report_draft import ReportForm
from tests.bots.redis_blip import PLACE, RESEND, blip_at_data_read, blip_chat, redis_holds
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, _report_texts
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
CAPTION_TAKEN = "Подпись к файлу принята как описание"  # report_caption_taken (ru)
FILE_KEPT = "Файл сохранён в обращении"  # report_file_kept (ru)
ASK_PLACE = "место происшествия"  # report_location (ru)
ASK_FILES = "приложить до 5 фото"  # report_photo (ru)
# the commands naming the chat's data in the update of a captioned photo at the description step: the guard's read,
# the description's read and write, the file's reads and writes around its storing (its key taken from the draft as
# written, not read again), and last the read that asks the next step (resume's): Redis is cut there, everything
# before it answered
LAST_READ = 10
OUTAGE = "citizen bot FSM storage unavailable"  # bots.citizen.storage's warning: the cut did happen in the update


@pytest.mark.parametrize("place_first", [False, True], ids=["description_first", "place_first"])
async def test_a_caption_kept_in_an_outage_is_not_asked_again(ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy,
                                                              caplog: pytest.LogCaptureFixture,
                                                              place_first: bool) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799981 + place_first, described=False)
    if place_first:
        await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
        assert "сохранено" in chat.texts()[-1], chat.texts()[-1]
    photo = citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption=TEXT)
    with caplog.at_level(logging.WARNING, logger="zan.bots.citizen.storage"):
        said = await blip_at_data_read(chat, proxy, photo, reads=LAST_READ)
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
    await chat.taps("report:skip")  # the files step's button (no other file to send)
    assert "Проверьте" in chat.texts()[-1] and "Файлы: 1" in chat.texts()[-1], chat.texts()[-1]  # the file kept
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert await _report_texts(ctx) == [TEXT]  # in once
