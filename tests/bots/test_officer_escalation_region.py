"""The duty bot tells an escalation to the same supervisors the push reaches (one rule:
`backend.notifications.jobs.escalation_audience`): those of the report's region, by their district or their unit's,
and national ones; not another region's. Whoever got the message can open the report from it, and nobody else can
(`open_report` is the console's visibility rule)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from backend.context import Context
from backend.dispatch.jobs import find_escalations
from backend.jobs.relay import Relay
from backend.lib.clock import utcnow
from backend.reports.models import Report
from bots.officer import service as duty
from tests.bots.conftest import link_code
from tests.core.factories import triage_report
from tests.fakes.telegram import FakeBot
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio
KARAGANDA, KARKARALINSK = "bukhar-zhyrauskiy", "karkaralinskiy"  # two districts of Karaganda region
# chat: (own district, unit's district or None for no unit)
SUPERVISORS: dict[int, tuple[str, str | None]] = {
    882001: (KARAGANDA, None),
    882002: (KARKARALINSK, None),  # another district of the same region
    882003: ("", KARKARALINSK),  # no district of their own: their unit's region
    882004: ("", None),  # national
    882005: ("astana", None),  # another region
    882006: ("", "astana"),  # another region, by their unit
}


async def test_the_duty_bot_tells_an_escalation_to_the_supervisors_of_the_reports_region_and_national_ones(
        ctx: Context, officer_tg: FakeBot) -> None:
    for chat, (district, unit_district) in SUPERVISORS.items():
        unit = await make_unit(ctx, district=unit_district) if unit_district is not None else None
        officer, _ = await make_officer(ctx, role="supervisor", district=district, unit=unit)
        assert await duty.redeem_link_code(ctx, code=await link_code(ctx, officer.id), chat_id=chat,
                                           language="ru") is not None
    report = await triage_report(ctx, department="patrol_police", district=KARAGANDA)
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(col(Report.id) == report.id)
                              .values(deadline_at=utcnow() + timedelta(hours=20)))
        await session.commit()

    assert await find_escalations(ctx) == 1
    await Relay(ctx).drain()

    told = {chat for chat in SUPERVISORS if any(report.number in (m.text or "")
                                                 for m in officer_tg.sent_messages(chat))}
    assert told == {882001, 882002, 882003, 882004}
    for chat in SUPERVISORS:
        opened = await duty.open_report(ctx, chat_id=chat, report_id=report.id)
        assert (opened.refused is None) == (chat in told), chat
