"""The citizen bot stores a citizen's words as the API does: invisible controls left out (a terminal escape, a
right-to-left override that shows the words reversed on the console), other line breaks made new lines, and the
text in NFC (backend.lib.json_bodies). The API cleans them at its edge; the bot files through the services
directly, so without its own cleaning a report, a comment or an appeal from Telegram reached the console as typed.
Real aiogram against the fake Bot API, real intake, comments and appeals."""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.reports.models import Report, ReportEvent
from bots.citizen import service
from tests.bots.test_citizen_add_files import _comments
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_own_steps import _filed as _closed_report
from tests.bots.test_citizen_report_from_media import _started
from tests.bots.test_citizen_voice import _number
from tests.fakes.telegram import FakeBot, sample_jpeg

pytestmark = pytest.mark.anyio
# an escape that colours a terminal red, a right-to-left override and its pop, a vertical tab (Word's line break),
# a line separator, and "й" decomposed (и + combining breve), as some keyboards send it
TYPED = ("Во дворе \x1b[31mразбили\x1b[0m окно машины \u202eинилотинам\u202c и украли магнитолу\x0bномер 123ABC02"
         "\u2028сосед Нурлан видел и\u0306")
STORED = ("Во дворе [31mразбили[0m окно машины инилотинам и украли магнитолу\nномер 123ABC02\nсосед Нурлан видел й")


async def test_a_report_a_comment_and_an_appeal_are_stored_without_invisible_controls(
        ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 799611)
    await _started(chat, "ru")
    await chat.says("/report")
    await chat.says(TYPED)
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    number = _number(chat.texts()[-1])
    async with ctx.sessions() as session:
        report = await session.scalar(select(Report).where(Report.number == number))  # type: ignore[arg-type]
        assert report is not None
    assert report.text == STORED, repr(report.text)
    assert unicodedata.is_normalized("NFC", report.text)

    # a photo with such a caption, added to the report: the comment is cleaned the same way
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption=TYPED))
    await chat.taps("report:add_to")
    assert await _comments(ctx, number) == [STORED]

    # the appeal's grounds (the bot takes them through the services too)
    assert report.citizen_id is not None
    closed = await _closed_report(ctx, report.citizen_id, closed=True)
    await service.appeal_report(ctx, citizen_id=report.citizen_id, report_id=closed.id, seen=0,
                                reason="Не согласен\u202e с решением\x07", idempotency_key="appeal-controls-1")
    async with ctx.sessions() as session:
        reasons = list(await session.scalars(select(ReportEvent.reason).where(  # type: ignore[call-overload]
            ReportEvent.report_id == closed.id)))
    assert "Не согласен с решением" in reasons, reasons
