"""A photo with words under it sent where the place is asked, while Redis goes away at the read of the draft's key that
the file is to be kept under (keep_early_file); the same at the description step is in test_citizen_caption_outage.

The caption was written before that read (added to the description): Redis holds it. The read found the chat's data
partial, without its key: KeyError, the update failed, and the citizen heard "the service is temporarily
unavailable" although the caption was kept and the file was not; sent again, the caption went in twice. Now the key is
taken from the draft as the caption was written: the file is kept, and the citizen told what was kept and asked what
comes next. Real aiogram against the fake Bot API, the bot's Redis behind a loopback proxy cut the moment the chat's
data is asked for (each command naming it counts)."""

from __future__ import annotations

import logging

import pytest

from backend.context import Context
from bots.citizen.report_draft import PART_SEPARATOR, ReportForm
from tests.bots.redis_blip import PLACE, RESEND, blip_at_data_read, blip_chat, redis_holds
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT
from tests.bots.test_citizen_caption_outage import ASK_FILES, FILE_KEPT, OUTAGE, _filed
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
TEXT_ADDED = "Добавлено к описанию"  # report_text_added (ru)
NEED_PLACE = "Пришлите геопозицию"  # report_need_location (ru)
EXTRA = "Машина серая, номер 123 ABC 01"
# the commands naming the chat's data in the update of a captioned photo at the place step: the guard's read,
# add_to_description's read, update_data's read and write, then the key's read
PLACE_KEY_READ = 5


async def test_a_caption_added_at_the_place_step_keeps_its_file_in_an_outage(
        ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy, caplog: pytest.LogCaptureFixture) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799995)
    photo = citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption=EXTRA)
    with caplog.at_level(logging.WARNING, logger="zan.bots.citizen.storage"):
        said = await blip_at_data_read(chat, proxy, photo, reads=PLACE_KEY_READ - 1)
    assert any(OUTAGE in record.getMessage() for record in caplog.records), "Redis was not cut in the update"
    described = f"{TEXT}{PART_SEPARATOR}{EXTRA}"
    step, data = await redis_holds(chat)
    assert data.get("text") == described, data  # the caption was added before Redis went away
    assert step == ReportForm.location.state, step
    assert len(said) == 1 and APOLOGY not in said[0], said
    assert RESEND not in said[0], said
    assert TEXT_ADDED in said[0] and FILE_KEPT in said[0] and NEED_PLACE in said[0], said
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
    assert ASK_FILES in chat.texts()[-1], chat.texts()[-1]
    await _filed(chat, ctx, described)
