"""A duty officer's night at the console: steps that did more, or less, than the officer asked.

- A merge is the merging officer's step: it moved the reports merged to the crew of the incident's primary even when
  that primary was another region's report worked by another region's crew (routing joins reports across a border),
  a unit the same officer may not send.
- A closed report (withdrawn by its citizen while the console showed it, or redirected after its term) was
  reclassified with a 200: its category, priority and redirect term rewritten after the closing, which took a missed
  redirect term off the prosecutors' list.
- Reclassify and split changed the report's tag without handing the new one back, so the officer's own next step
  (assigning the report just corrected) was refused as changed by someone else.
- A reclassification's reason of blanks, and a units filter naming no department, were taken.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from backend.context import Context
from backend.lib.clock import utcnow
from backend.reports.models import Report
from backend.reports.service import SYSTEM, regroup
from backend.reports.workflow import Resolution, Status
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio
KARAGANDA = "bukhar-zhyrauskiy"  # a district of Karaganda region


async def _console(ctx: Context, http: httpx.AsyncClient, *, district: str = "astana",
                   role: str = "dispatcher") -> dict[str, str]:
    officer, password = await make_officer(ctx, role=role, district=district)
    return bearer(await login(http, officer.badge_number, password))


async def _now(ctx: Context, report_id: uuid.UUID) -> Report:
    async with ctx.sessions() as session:
        row = await session.get(Report, report_id)
    assert row is not None
    return row


async def test_a_merge_sends_no_report_to_another_regions_crew(ctx: Context, app_client: httpx.AsyncClient) -> None:
    # routing joined an Astana report to a Karaganda one (the earlier: the primary), which Karaganda then assigned
    primary = await triage_report(ctx, department="patrol_police", district=KARAGANDA)
    joined = await triage_report(ctx, department="patrol_police", district="astana")
    lone = await triage_report(ctx, department="patrol_police", district="astana")
    async with ctx.sessions() as session:
        rows = [await session.get(Report, r.id) for r in (primary, joined)]
        assert await regroup(session, [r for r in rows if r is not None], SYSTEM) == primary.id
        await session.commit()
    karaganda_unit = await make_unit(ctx, district=KARAGANDA)
    karaganda = await _console(ctx, app_client, district=KARAGANDA)
    sent = await app_client.post(f"/api/v1/dispatch/reports/{primary.id}/assign", headers=karaganda,
                                 json={"unit_id": str(karaganda_unit.id)})
    assert sent.status_code == 200, sent.text

    astana = await _console(ctx, app_client)
    # the Astana officer may not send that crew themselves
    refused = await app_client.post(f"/api/v1/dispatch/reports/{lone.id}/assign", headers=astana,
                                    json={"unit_id": str(karaganda_unit.id)})
    assert refused.status_code == 404, refused.text
    merged = await app_client.post("/api/v1/dispatch/incidents/merge", headers=astana,
                                   json={"report_ids": [str(joined.id), str(lone.id)]})
    assert merged.status_code == 200, merged.text
    assert merged.json()["incident_id"] == str(primary.id)
    for report in (joined, lone):  # grouped, and still waiting for an Astana crew
        now = await _now(ctx, report.id)
        assert (now.incident_id, now.status, now.unit_id) == (primary.id, Status.TRIAGE.value, None)


async def test_a_merge_moves_the_officers_own_reports_to_their_regions_crew(ctx: Context,
                                                                            app_client: httpx.AsyncClient) -> None:
    worked = await triage_report(ctx, department="patrol_police", district="astana")
    other = await triage_report(ctx, department="patrol_police", district="astana")
    unit = await make_unit(ctx, district="astana")
    astana = await _console(ctx, app_client)
    sent = await app_client.post(f"/api/v1/dispatch/reports/{worked.id}/assign", headers=astana,
                                 json={"unit_id": str(unit.id)})
    assert sent.status_code == 200, sent.text
    merged = await app_client.post("/api/v1/dispatch/incidents/merge", headers=astana,
                                   json={"report_ids": [str(other.id), str(worked.id)]})
    assert merged.status_code == 200, merged.text
    now = await _now(ctx, other.id)
    assert (now.incident_id, now.status, now.unit_id) == (worked.id, Status.ASSIGNED.value, unit.id)
    # the answer carries the tags the merge left, and they are what the next step's If-Match needs
    tags = merged.json()["etags"]
    assert set(tags) == {str(worked.id), str(other.id)}
    card = await app_client.get(f"/api/v1/dispatch/reports/{other.id}", headers=astana)
    assert card.headers["ETag"] == tags[str(other.id)]


async def test_a_closed_report_is_not_reclassified(ctx: Context, app_client: httpx.AsyncClient) -> None:
    # redirected two days after its redirect term ran out: the prosecutors' list shows the missed term
    late = await triage_report(ctx, department="akimat", category="not_police", district="astana", priority="low")
    async with ctx.sessions() as session:
        row = await session.get(Report, late.id)
        assert row is not None
        row.status, row.resolution = Status.CLOSED.value, Resolution.REDIRECTED.value
        row.redirect_due_at, row.closed_at = utcnow() - timedelta(days=2), utcnow()
        await session.commit()
    before = await _now(ctx, late.id)
    supervisor = await _console(ctx, app_client, role="supervisor")
    listed = "/api/v1/oversight/terms?state=redirect_overdue"
    assert [i["id"] for i in (await app_client.get(listed, headers=supervisor)).json()["items"]] == [str(late.id)]

    console = await _console(ctx, app_client)
    for lang, words in (("ru", "недоступно"), ("kk", "қолжетімсіз"), ("en", "not available")):
        refused = await app_client.post(f"/api/v1/dispatch/reports/{late.id}/reclassify",
                                        headers={**console, "Accept-Language": lang},
                                        json={"category": "theft", "reason": "это кража"})
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert (problem["code"], problem["report_status"]) == ("report.transition_forbidden", "closed")
        assert words in problem["title"]
    after = await _now(ctx, late.id)
    assert (after.category, after.priority, after.redirect_due_at) == (
        before.category, before.priority, before.redirect_due_at)
    assert [i["id"] for i in (await app_client.get(listed, headers=supervisor)).json()["items"]] == [str(late.id)]


async def test_reclassify_and_split_hand_back_the_tag_the_next_step_needs(ctx: Context,
                                                                          app_client: httpx.AsyncClient) -> None:
    first = await triage_report(ctx, department="patrol_police", district="astana")
    second = await triage_report(ctx, department="patrol_police", district="astana")
    async with ctx.sessions() as session:
        rows = [await session.get(Report, r.id) for r in (first, second)]
        await regroup(session, [r for r in rows if r is not None], SYSTEM)
        await session.commit()
    unit = await make_unit(ctx, district="astana")
    console = await _console(ctx, app_client)
    seen = (await app_client.get(f"/api/v1/dispatch/reports/{second.id}", headers=console)).headers["ETag"]

    split = await app_client.post(f"/api/v1/dispatch/reports/{second.id}/split", headers={**console, "If-Match": seen})
    assert split.status_code == 200, split.text
    seen = split.json()["etags"][str(second.id)]
    changed = await app_client.post(f"/api/v1/dispatch/reports/{second.id}/reclassify",
                                    headers={**console, "If-Match": seen},
                                    json={"category": "vandalism", "reason": "порча имущества"})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == changed.json()["etag"]
    sent = await app_client.post(f"/api/v1/dispatch/reports/{second.id}/assign",
                                 headers={**console, "If-Match": changed.json()["etag"]},
                                 json={"unit_id": str(unit.id)})
    assert sent.status_code == 200, sent.text


async def test_bad_values_are_refused_where_they_are(ctx: Context, app_client: httpx.AsyncClient) -> None:
    report = await triage_report(ctx, department="patrol_police", district="astana")
    console = await _console(ctx, app_client)
    blank = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/reclassify", headers=console,
                                  json={"category": "theft", "reason": "   \u200b"})
    assert blank.status_code == 422, blank.text
    assert [e["pointer"] for e in blank.json()["errors"]] == ["/reason"]
    assert (await _now(ctx, report.id)).category is None

    await make_unit(ctx, district="astana", department="patrol_police")
    listed = await app_client.get("/api/v1/dispatch/units?department=patrol_police", headers=console)
    assert listed.status_code == 200 and len(listed.json()) == 1, listed.text
    typo = await app_client.get("/api/v1/dispatch/units?department=patrol_polise", headers=console)
    assert typo.status_code == 422, typo.text
    assert [(e["pointer"], e["code"]) for e in typo.json()["errors"]] == [("#query/department", "invalid")]
