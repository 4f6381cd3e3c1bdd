"""The escalation list leaves out in SQL what it can tell is settled (dispatch.service._maybe_due): a deadline
escalated before the report's term was extended is not listed, and the new term's own escalation, made after the
extension, is."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from backend.context import Context
from backend.dispatch.jobs import find_escalations
from backend.dispatch.models import Escalation
from backend.lib.clock import utcnow
from backend.reports.models import Report
from tests.core.factories import triage_report
from tests.dispatch.test_escalations_settled import _listed
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio


async def test_the_extended_terms_own_escalation_is_listed(ctx: Context, app_client: httpx.AsyncClient) -> None:
    report = await triage_report(ctx, department="patrol_police")
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(Report.id == report.id)  # type: ignore[arg-type]
                              .values(deadline_at=utcnow() + timedelta(hours=20)))  # within 2 working days
        await session.commit()
    assert await find_escalations(ctx) == 1
    supervisor, password = await make_officer(ctx, role="supervisor")
    console = bearer(await login(app_client, supervisor.badge_number, password))
    longer = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/extend", headers=console,
                                   json={"deadline_at": (utcnow() + timedelta(days=40)).isoformat(),
                                         "reason": "Запрошены сведения из ЦОН"})
    assert longer.status_code == 200, longer.text
    assert await _listed(app_client, console) == []
    # weeks later the extended term is near in its turn: that escalation is made after the extension, and listed
    assert await find_escalations(ctx, utcnow() + timedelta(days=39)) == 1
    assert await _listed(app_client, console) == [("deadline_near", report.number)]
    async with ctx.sessions() as session:
        assert len(list(await session.scalars(select(Escalation.id)))) == 2  # type: ignore[call-overload]
