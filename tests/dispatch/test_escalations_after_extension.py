"""The escalation list leaves out in SQL what it can tell is settled (dispatch.queue._maybe_due): a deadline
escalated before the report's term was extended is not listed, and the new term's own escalation, made after the
extension, is."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import event, select, update

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


async def test_settled_escalations_are_left_in_the_database(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """A page does not read past the settled escalations batch by batch (`_maybe_due` leaves them in SQL): with 120
    settled ones newer than the one due, a page of 10 reads the escalations table a bounded number of times, not 13.
    `still_due` alone gives the same items, so only the reads show the filter. Found by a second reading."""
    report = await triage_report(ctx, department="patrol_police")
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(Report.id == report.id)  # type: ignore[arg-type]
                              .values(deadline_at=utcnow() + timedelta(hours=20), urgent=False))
        await session.commit()
    assert await find_escalations(ctx) == 1  # the deadline: due
    async with ctx.sessions() as session:
        # "urgent and left without a unit" of a report that is not urgent: settled, each newer than the due one
        session.add_all(Escalation(report_id=report.id, kind="unassigned_urgent", subject=f"stretch-{n}",
                                   created_at=utcnow() + timedelta(seconds=n + 1)) for n in range(120))
        await session.commit()
    supervisor, password = await make_officer(ctx, role="supervisor")
    console = bearer(await login(app_client, supervisor.badge_number, password))
    reads: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "FROM escalations" in statement or "JOIN escalations" in statement:
            reads.append(statement)

    event.listen(ctx.engine.sync_engine, "before_cursor_execute", seen)
    try:
        page = await app_client.get("/api/v1/dispatch/escalations?limit=10", headers=console)
    finally:
        event.remove(ctx.engine.sync_engine, "before_cursor_execute", seen)
    assert page.status_code == 200, page.text
    assert [item["kind"] for item in page.json()["items"]] == ["deadline_near"]
    assert 1 <= len(reads) <= 3, reads
