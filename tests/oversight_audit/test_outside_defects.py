"""What the oversight audit confirmed outside its own files, as the prosecutor meets it. Each test is a strict
xfail: it fails today, and whoever fixes the named file flips it (removes the mark) with the fix.

- backend/reports/service.py:335 `regroup` (called by backend/routing/corrections.py:194 `split`, :169 `merge`
  and reports.service._keep_primary_open) moves the other members of an incident to a new primary, or out of any
  incident, without a line in their own history: a prosecutor reading such a report sees it merged, and never
  that it left the incident or now follows another primary.
- backend/dispatch/service.py:247 `close` lets the officer whose closing was appealed decide the appeal again."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from tests.core.factories import triage_report
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer
from tests.reports.step_helpers import settled_report

pytestmark = pytest.mark.anyio


@pytest.mark.xfail(strict=True, reason="reports.service.regroup writes no event on the members it moves")
async def test_every_member_moved_by_a_split_has_it_in_its_history(app_client: httpx.AsyncClient,
                                                                    ctx: Context) -> None:
    dispatcher, dpw = await make_officer(ctx, role="dispatcher")
    prosecutor, rpw = await make_officer(ctx, role="prosecutor")
    first, second, third = [await triage_report(ctx, text=text, category="public_order", district="astana")
                            for text in ("Драка у подъезда", "У подъезда дерутся", "Во дворе дерутся")]
    console = bearer(await login(app_client, dispatcher.badge_number, dpw))
    merged = await app_client.post("/api/v1/dispatch/incidents/merge", headers=console,
                                   json={"report_ids": [str(first.id), str(second.id), str(third.id)]})
    assert merged.status_code == 200, merged.text
    # the primary leaves: the second leads the rest; then the third leaves, and the second is in no incident
    for leaving in (first, third):
        assert (await app_client.post(f"/api/v1/dispatch/reports/{leaving.id}/split", headers=console)).status_code \
            == 200
    oversight = bearer(await login(app_client, prosecutor.badge_number, rpw))
    record = (await app_client.get(f"/api/v1/dispatch/reports/{second.id}/history", headers=oversight)).json()
    card = (await app_client.get(f"/api/v1/dispatch/reports/{second.id}", headers=oversight)).json()
    assert card["incident_id"] is None
    incidents = [e["action"] for e in record["events"] if e["action"].startswith("incident_")]
    # merged into the first's incident, moved to its own, and out of any: three lines, not one
    assert len(incidents) >= 3, incidents


@pytest.mark.xfail(strict=True, reason="dispatch.service.close does not ask who decided the closing appealed")
async def test_an_appeal_is_not_decided_by_the_officer_whose_closing_it_appeals(
        app_client: httpx.AsyncClient, ctx: Context, citizen: PartnerClient) -> None:
    dispatcher, dpw = await make_officer(ctx, role="dispatcher")
    report_id = await settled_report(ctx, citizen)
    console = bearer(await login(app_client, dispatcher.badge_number, dpw))
    closing = {"how": "unfounded", "reason": "не подтвердилось"}
    closed = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/close", json=closing, headers=console)
    assert closed.status_code == 200, closed.text
    assert (await citizen.post(f"/api/v1/reports/{report_id}/reopen", {"reason": "никто не приезжал"})).status_code \
        == 200
    again = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/close", json=closing, headers=console)
    assert again.status_code in (403, 409), again.text
