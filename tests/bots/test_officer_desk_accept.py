"""An officer who is not a field officer (a dispatcher still listed in the crew they were promoted from, a
supervisor with a crew unit) is never offered an urgent report (`duty_chats` takes field roles only), yet their
linked chat could Accept one with a forged `accept:<report id>` button: the report was assigned to their old crew
and its custody record accepted in their name, so the supervisors' "not accepted" escalation went quiet while no
crew member had seen the job. Accept and Decline now take the offer's own rule: a field role."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.context import Context
from backend.dispatch.jobs import find_escalations
from backend.lib.clock import utcnow
from backend.reports.models import Report
from bots.officer import service
from tests.bots.conftest import link_code
from tests.bots.test_officer_accept_custody import _custody, _given_by_console, _urgent
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio
CREWMATE, DESK = 884001, 884002


async def test_a_desk_officer_still_in_a_crew_cannot_accept_its_report_with_a_forged_button(ctx: Context) -> None:
    crew = await make_unit(ctx, district="astana")
    crewmate, _ = await make_officer(ctx, unit=crew, district="astana")  # puts the car on duty
    desk, _ = await make_officer(ctx, role="dispatcher", unit=crew, district="astana")
    for officer, chat in ((crewmate, CREWMATE), (desk, DESK)):
        assert await service.redeem_link_code(ctx, code=await link_code(ctx, officer.id), chat_id=chat) is not None
        assert await service.toggle_shift(ctx, chat_id=chat) is True

    offered = await _urgent(ctx)
    async with ctx.sessions() as session:
        # the offer itself never reaches the desk officer's chat
        assert [chat for chat, _ in await service.duty_chats(session, offered)] == [CREWMATE]
    forged = await service.accept(ctx, chat_id=DESK, report_id=offered.id)
    assert forged == service.Answer(service.Outcome.NOT_YOURS), forged
    assert await service.decline(ctx, chat_id=DESK, report_id=offered.id) == service.Answer(service.Outcome.NOT_YOURS)
    async with ctx.sessions() as session:
        untouched = await session.get(Report, offered.id)
    assert untouched is not None and untouched.unit_id is None

    # the console gave the crew a report: only the crew confirms it has the job, not the desk officer
    held = await _urgent(ctx)
    await _given_by_console(ctx, held, crew)
    forged = await service.accept(ctx, chat_id=DESK, report_id=held.id)
    assert forged.outcome is service.Outcome.NOT_YOURS, forged
    [custody] = await _custody(ctx, held)
    assert custody.accepted_at is None
    assert await find_escalations(ctx, utcnow() + timedelta(hours=1)) >= 1

    # the crew itself still accepts it
    answer = await service.accept(ctx, chat_id=CREWMATE, report_id=held.id)
    assert answer.outcome is service.Outcome.ACCEPTED, answer
