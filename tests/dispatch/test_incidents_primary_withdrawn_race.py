"""A citizen withdrawing an incident's primary hands the incident to its earliest open report
(reports.transitions._keep_primary_open, incidents.regroup). The members were read without their locks: a
dispatcher closing one of them meanwhile (its own row locked, not the primary's) committed, and the withdrawal went on
to make that closed report the primary of the others, still open: no open primary for staff steps to fan out from.
PostgreSQL only: SQLite serialises writers, so nothing lands between the read and the write there."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from backend.reports.models import Report
from tests.dispatch.test_incidents import _report, _submit
from tests.helpers import committed_between
from tests.officers.factories import bearer, login, make_officer
from tests.routing.helpers import citizen_n

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_a_member_closed_while_the_primary_is_withdrawn_does_not_become_the_primary(
        ctx: Context, app_client: httpx.AsyncClient, partner: dict[str, str]) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False)
    alice, bob, carol = (citizen_n(app_client, partner, n) for n in (41, 42, 43))
    text = "На перекрёстке Кенесары и Абая столкнулись две машины"
    primary = await _submit(ctx, alice, text)
    closing = await _submit(ctx, bob, text + ", ДТП")
    still_open = await _submit(ctx, carol, "ДТП на Абая и Кенесары")
    dispatcher, pw = await make_officer(ctx, role="dispatcher")
    h = bearer(await login(app_client, dispatcher.badge_number, pw))
    merged = await app_client.post("/api/v1/dispatch/incidents/merge", headers=h,
                                   json={"report_ids": [str(primary), str(closing), str(still_open)]})
    assert merged.status_code == 200 and merged.json()["incident_id"] == str(primary), merged.text

    async def member_closed() -> None:
        answer = await app_client.post(f"/api/v1/dispatch/reports/{closing}/close", headers=h,
                                       json={"how": "unfounded", "reason": "Не подтвердилось"})
        assert answer.status_code == 200, answer.text

    members_read: list[bool] = []

    def after_members_read(sql: str) -> bool:
        # the withdrawal's look at the incident's members (no row lock), then its next statement
        if members_read:
            return True
        if "FROM reports" in sql and "reports.incident_id =" in sql and "FOR UPDATE" not in sql:
            members_read.append(True)
        return False

    with committed_between(ctx, after_members_read, member_closed) as fired:
        withdrawn = await alice.post(f"/api/v1/reports/{primary}/withdraw", {"reason": "разобрались сами"})
    assert withdrawn.status_code == 200, withdrawn.text
    assert fired

    reports: dict[uuid.UUID, Report] = {i: await _report(ctx, i) for i in (primary, closing, still_open)}
    assert reports[closing].status == "closed" and reports[primary].status == "closed"
    # the only open report leads (alone it is no incident, or the primary of the closed ones): never a closed primary
    lead = reports[still_open].incident_id
    assert lead in (None, still_open), f"the open report follows {lead}, a closed report"
    assert all(r.incident_id == lead for r in reports.values())
