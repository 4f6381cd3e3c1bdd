"""The description sent while Redis goes away mid-update (the expired-draft guard had read the draft whole).

The description step wrote the words through aiogram's update_data (its own read of the draft), read the draft again
for the place ("lat": sent first, the files come next) and once more to ask the next step (resume). Redis gone at the
first of these, the words were kept (written in part, joined to the draft once Redis answered), yet the draft read
after them was unreadable and the citizen heard "send that again": sent again, the words reached the place step and
were added, the description doubled. And the place read as missing: a place sent before the description was asked for
again. Now the description is written only over a draft read whole (unreadable: nothing written, and "send that
again" is true), the next step is chosen from that read, and it is asked from the data just written, not read again:
wherever Redis goes, the words are in once, the place is not asked twice, and the citizen is asked for nothing more.
Real aiogram against the fake Bot API, the bot's Redis behind a loopback proxy cut the moment the chat's data is
asked for (each command naming it counts: the guard's read, then the description step's read and its write)."""

from __future__ import annotations

import pytest

from backend.context import Context
from bots.citizen.report_draft import ReportForm
from tests.bots.redis_blip import PLACE, RESEND, blip_at_data_read, blip_chat, redis_holds, redis_untouched
from tests.bots.test_citizen_audit_conversation import APOLOGY, TEXT, _report_texts
from tests.fakes.tcp_proxy import TcpProxy
from tests.fakes.telegram import FakeBot

pytestmark = [pytest.mark.anyio, pytest.mark.redis]
ASK_PLACE = "место происшествия"  # report_location (ru)
ASK_FILES = "приложить до 5 фото"  # report_photo (ru)
# Redis cut at the description step's read of the draft or at its write (the guard's read answered first). Its later
# reads, where Redis went away too (the place's, and resume's to ask the next step), are no more
TAKE_READ, TAKE_WRITE = 1, 2


@pytest.mark.parametrize("place_first", [False, True], ids=["description_first", "place_first"])
@pytest.mark.parametrize("reads", [TAKE_READ, TAKE_WRITE], ids=["take_read", "take_write"])
async def test_a_description_sent_in_an_outage_goes_in_once(ctx: Context, citizen_tg: FakeBot, proxy: TcpProxy,
                                                            reads: int, place_first: bool) -> None:
    chat = await blip_chat(ctx, citizen_tg, 799961 + 2 * reads + place_first, described=False)
    if place_first:
        await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
        assert "сохранено" in chat.texts()[-1], chat.texts()[-1]
    said = await blip_at_data_read(chat, proxy, citizen_tg.user_sends_text(chat.id, chat.user, TEXT), reads=reads)
    # Redis went away in the update, before the words reached it: nothing of them there yet
    assert "text" not in await redis_untouched(chat)
    step, data = await redis_holds(chat)
    assert "key" in data and ("lat" in data) == place_first, data
    assert len(said) == 1 and APOLOGY not in said[0], said
    ask = ASK_FILES if place_first else ASK_PLACE  # the place sent first is not asked for again
    if reads == TAKE_READ:
        # the draft unread: nothing written, so "send that again" is true
        assert RESEND in said[0], said
        assert step == ReportForm.text.state and "text" not in data, (step, data)
        await chat.says(TEXT)  # sent again, as asked
        assert ask in chat.texts()[-1], chat.texts()[-1]
    else:
        # the words kept: the next step asked, the citizen not asked to send them again
        assert RESEND not in said[0] and ask in said[0], said
        assert step == (ReportForm.photo if place_first else ReportForm.location).state, step
        assert data.get("text") == TEXT, data
    if not place_first:
        await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, *PLACE))
        assert ASK_FILES in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:skip")
    assert "Проверьте" in chat.texts()[-1], chat.texts()[-1]
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1], chat.texts()[-1]
    assert await _report_texts(ctx) == [TEXT]  # in once
