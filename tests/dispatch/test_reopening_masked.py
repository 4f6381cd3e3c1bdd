"""A field officer reads a report's card with personal data masked (its text, comments, questions, kept texts): the
grounds of a citizen's appeal (`reopened.reason`) are the citizen's own words too, and are masked for them alike,
while the duty officer deciding the appeal reads them as written."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Action, Actor
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio
IIN, PHONE = "900101300127", "+7 701 123 45 67"


async def test_a_citizens_appeal_grounds_are_masked_for_field_officers(ctx: Context,
                                                                      app_client: httpx.AsyncClient) -> None:
    unit = await make_unit(ctx)
    report = await triage_report(ctx, department="patrol_police", district="astana")
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await dispatch.close(session, row, "unfounded", DISPATCHER, reason="Ложный вызов")
        await session.commit()
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        citizen = By(Actor.CITIZEN, str(row.citizen_id), "app")
        await reports.change_status(session, row, Action.REOPEN, citizen,
                                    reason=f"Никто не приехал. Мой ИИН {IIN}, звоните {PHONE}")
        await dispatch.assign(session, row, unit, DISPATCHER)
        await session.commit()

    crew, password = await make_officer(ctx, unit=unit, district="astana")
    card = await app_client.get(f"/api/v1/dispatch/reports/{report.id}",
                                headers=bearer(await login(app_client, crew.badge_number, password)))
    assert card.status_code == 200, card.text
    reopened = card.json()["reopened"]
    assert reopened["by"] == "citizen" and reopened["reason"]
    assert IIN not in reopened["reason"] and "123 45 67" not in reopened["reason"]

    # the duty officer deciding the appeal reads its grounds as written
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    card = await app_client.get(f"/api/v1/dispatch/reports/{report.id}",
                                headers=bearer(await login(app_client, dispatcher.badge_number, password)))
    assert IIN in card.json()["reopened"]["reason"]
