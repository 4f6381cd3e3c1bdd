"""The duty bot offers an urgent restricted report whose category became an ordinary one (reclassified out of
child_incident; the citizen chose domestic violence, the model filed public_order) to the crew of a unit designated
for the category it is restricted under, and that crew's Accept and Decline work (bots.officer.service.may_be_offered
takes the report's history, the dispatch rule backend.dispatch.designation). It asked the rule without the history:
the designated crew was never offered the report, its Accept and Decline answered "not yours", while the console
could assign it to that very unit. Any other crew is still left out."""

from __future__ import annotations

import pytest

from backend.context import Context
from backend.officers.models import Unit
from backend.reports.models import Report
from backend.reports.workflow import Status
from backend.routing.models import RoutingDecision
from bots.officer import service as duty
from tests.bots.conftest import link_code
from tests.core.factories import make_report
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio
JUVENILE, FAMILY, PATROL = 883001, 883002, 883003


async def _on_duty(ctx: Context, chat: int, **unit: object) -> Unit:
    """A field officer of a fresh Astana unit (`unit`: make_unit's options), linked to `chat` and on shift."""
    crew = await make_unit(ctx, district="astana", **unit)  # type: ignore[arg-type]
    officer, _ = await make_officer(ctx, role="patrol_officer", district="astana", unit=crew)
    assert await duty.redeem_link_code(ctx, code=await link_code(ctx, officer.id), chat_id=chat) is not None
    assert await duty.toggle_shift(ctx, chat_id=chat) is True
    return crew


async def _reclassified_out_of_child_incident(ctx: Context) -> Report:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, urgent=True, priority="urgent", district="astana",
                                   category="public_order", department="patrol_police", restricted=True,
                                   text="Подростки избивают мальчика за гаражами")
        # the model's decision that filed (and restricted) it; a dispatcher's correction moved it to public_order
        session.add(RoutingDecision(report_id=report.id, source="model", category="child_incident",
                                    department="juvenile_police"))
        await session.commit()
    return report


async def test_the_designated_crew_is_offered_and_takes_a_report_reclassified_out_of_its_category(
        ctx: Context) -> None:
    juvenile = await _on_duty(ctx, JUVENILE, department="juvenile_police", restricted_categories=["child_incident"])
    await _on_duty(ctx, FAMILY, department="district_inspector", restricted_categories=["domestic_violence"])
    await _on_duty(ctx, PATROL)
    report = await _reclassified_out_of_child_incident(ctx)

    async with ctx.sessions() as session:
        # before the fix: [] (no crew at all was offered it)
        assert [chat for chat, _ in await duty.duty_chats(session, report)] == [JUVENILE]
    for stranger in (FAMILY, PATROL):  # neither may take it: no number, nothing done
        assert await duty.decline(ctx, chat_id=stranger, report_id=report.id) == duty.Answer(duty.Outcome.NOT_YOURS)
        assert await duty.accept(ctx, chat_id=stranger, report_id=report.id) == duty.Answer(duty.Outcome.NOT_YOURS)

    declined = await duty.decline(ctx, chat_id=JUVENILE, report_id=report.id)
    assert declined == duty.Answer(duty.Outcome.DECLINED, report.number)
    accepted = await duty.accept(ctx, chat_id=JUVENILE, report_id=report.id)
    assert accepted == duty.Answer(duty.Outcome.ACCEPTED, report.number, juvenile.code)
    async with ctx.sessions() as session:
        taken = await session.get(Report, report.id)
    assert taken is not None and (taken.unit_id, taken.status) == (juvenile.id, Status.ASSIGNED.value)
