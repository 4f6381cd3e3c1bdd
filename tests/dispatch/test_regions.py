"""Least privilege by region: a duty officer, supervisor or prosecutor of one region (from their district, else their
unit's) reads that region's reports only, in every part of the console built on the same rule (card, files,
history, proof, queue, incident cards, escalations, assignment, closing, reclassification); one of no region (the
national 102 centre, the General Prosecutor's Office) reads the whole country. A report placed in no district is
nobody's region's, and shown to all rather than to none."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlmodel import col

from backend.context import Context
from backend.dispatch.jobs import find_escalations
from backend.lib.clock import utcnow
from backend.reports.models import Report
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio
KARAGANDA = "bukhar-zhyrauskiy"  # a district of Karaganda region


async def _as(ctx: Context, http: httpx.AsyncClient, role: str, district: str = "astana",
              unit_district: str | None = None) -> dict[str, str]:
    unit = await make_unit(ctx, district=unit_district) if unit_district is not None else None
    officer, password = await make_officer(ctx, role=role, district=district, unit=unit)
    return bearer(await login(http, officer.badge_number, password))


async def _reports(ctx: Context) -> dict[str, Report]:
    return {"astana": await triage_report(ctx, department="patrol_police", district="astana"),
            "karaganda": await triage_report(ctx, department="patrol_police", district=KARAGANDA),
            "unplaced": await triage_report(ctx, department="patrol_police")}


async def _readable(http: httpx.AsyncClient, headers: dict[str, str], reports: dict[str, Report]) -> set[str]:
    codes = {name: (await http.get(f"/api/v1/dispatch/reports/{report.id}", headers=headers)).status_code
             for name, report in reports.items()}
    assert set(codes.values()) <= {200, 404}, codes
    return {name for name, code in codes.items() if code == 200}


async def _queued(http: httpx.AsyncClient, headers: dict[str, str], reports: dict[str, Report]) -> set[str]:
    page = await http.get("/api/v1/dispatch/queue", headers=headers)
    assert page.status_code == 200, page.text
    listed = {item["id"] for item in page.json()["items"]}
    return {name for name, report in reports.items() if str(report.id) in listed}


@pytest.mark.parametrize(("role", "district", "unit_district", "sees"), [
    ("dispatcher", "astana", None, {"astana", "unplaced"}),
    ("dispatcher", KARAGANDA, None, {"karaganda", "unplaced"}),
    ("dispatcher", "karkaralinskiy", None, {"karaganda", "unplaced"}),  # another district of the same region
    ("dispatcher", "", KARAGANDA, {"karaganda", "unplaced"}),  # no district of their own: their unit's region
    ("dispatcher", "", None, {"astana", "karaganda", "unplaced"}),  # the national centre
    ("supervisor", "astana", None, {"astana", "unplaced"}),
    ("supervisor", "", None, {"astana", "karaganda", "unplaced"}),
    ("prosecutor", KARAGANDA, None, {"karaganda", "unplaced"}),
    ("prosecutor", "", None, {"astana", "karaganda", "unplaced"}),
    ("admin", "astana", None, {"astana", "unplaced"}),
    ("dispatcher", "atlantis", None, {"unplaced"}),  # a district that is not ours: no region, never the country
])
async def test_cards_and_queue_show_the_officers_region(ctx: Context, app_client: httpx.AsyncClient, role: str,
                                                        district: str, unit_district: str | None,
                                                        sees: set[str]) -> None:
    reports = await _reports(ctx)
    headers = await _as(ctx, app_client, role, district, unit_district)
    assert await _readable(app_client, headers, reports) == sees
    assert await _queued(app_client, headers, reports) == sees


async def test_a_regional_dispatcher_cannot_act_on_another_regions_report(ctx: Context,
                                                                         app_client: httpx.AsyncClient) -> None:
    reports = await _reports(ctx)
    astana = await _as(ctx, app_client, "dispatcher")
    unit = await make_unit(ctx, district=KARAGANDA)
    other = reports["karaganda"].id
    for path, body in ((f"/reports/{other}/assign", {"unit_id": str(unit.id)}),
                       (f"/reports/{other}/close", {"how": "unfounded", "reason": "не подтвердилось"}),
                       (f"/reports/{other}/fields", {"fields": {"findings": "проверено"}}),
                       (f"/reports/{other}/reclassify", {"category": "theft", "reason": "уточнено"})):
        response = await app_client.post(f"/api/v1/dispatch{path}", headers=astana, json=body)
        assert (response.status_code, response.json()["code"]) == (404, "report.not_found"), path
    assert (await app_client.get(f"/api/v1/dispatch/reports/{other}/attachments", headers=astana)).status_code == 404
    # a report of one's own region may still be closed as a duplicate of another region's only as of a missing one
    closing = await app_client.post(f"/api/v1/dispatch/reports/{reports['astana'].id}/close", headers=astana,
                                    json={"how": "duplicate", "reason": "то же событие", "duplicate_of": str(other)})
    assert (closing.status_code, closing.json()["code"]) == (422, "dispatch.duplicate_of_invalid")

    national = await _as(ctx, app_client, "dispatcher", "")
    assigned = await app_client.post(f"/api/v1/dispatch/reports/{other}/assign", headers=national,
                                     json={"unit_id": str(unit.id)})
    assert assigned.status_code == 200, assigned.text


@pytest.mark.parametrize("role", ["supervisor", "prosecutor"])
async def test_oversight_of_a_region_reads_its_records_only(ctx: Context, app_client: httpx.AsyncClient,
                                                            role: str) -> None:
    reports = await _reports(ctx)
    regional, national = await _as(ctx, app_client, role), await _as(ctx, app_client, role, "")
    for part in ("history", "proof", "attachments"):
        other, own = (f"/api/v1/dispatch/reports/{reports[name].id}/{part}" for name in ("karaganda", "astana"))
        assert (await app_client.get(other, headers=regional)).status_code == 404, part
        assert (await app_client.get(own, headers=regional)).status_code == 200, part
        assert (await app_client.get(other, headers=national)).status_code == 200, part


async def test_escalations_are_listed_to_the_region_they_happen_in(ctx: Context,
                                                                   app_client: httpx.AsyncClient) -> None:
    reports = await _reports(ctx)
    async with ctx.sessions() as session:
        await session.execute(update(Report).values(deadline_at=utcnow() + timedelta(hours=20)))  # within 2 days
        await session.commit()
    assert await find_escalations(ctx) == 3

    async def listed(headers: dict[str, str]) -> set[str]:
        page = (await app_client.get("/api/v1/dispatch/escalations", headers=headers)).json()
        ids = {item["report"]["id"] for item in page["items"]}
        return {name for name, report in reports.items() if str(report.id) in ids}

    assert await listed(await _as(ctx, app_client, "supervisor")) == {"astana", "unplaced"}
    assert await listed(await _as(ctx, app_client, "supervisor", KARAGANDA)) == {"karaganda", "unplaced"}
    assert await listed(await _as(ctx, app_client, "supervisor", "")) == {"astana", "karaganda", "unplaced"}


async def test_an_incident_across_a_regional_border_shows_each_side_its_own(ctx: Context,
                                                                           app_client: httpx.AsyncClient) -> None:
    """Two reports of one event either side of a border: each region's dispatcher finds the incident in the queue
    without the other region's report on its card; the national centre sees both."""
    reports = await _reports(ctx)
    primary, member = reports["karaganda"], reports["astana"]
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(col(Report.id).in_([primary.id, member.id]))
                              .values(incident_id=primary.id))
        await session.commit()

    async def entry(headers: dict[str, str]) -> dict[str, object]:
        page = (await app_client.get("/api/v1/dispatch/queue", headers=headers)).json()
        (item,) = [i for i in page["items"] if i["incident_id"] == str(primary.id)]
        return dict(item)

    astana = await entry(await _as(ctx, app_client, "dispatcher"))
    assert astana["id"] == str(member.id) and astana["incident_report_ids"] == []
    national = await entry(await _as(ctx, app_client, "dispatcher", ""))
    assert national["id"] == str(primary.id) and national["incident_report_ids"] == [str(member.id)]


async def test_auto_assignment_picks_a_unit_of_the_reports_region_only(ctx: Context,
                                                                       app_client: httpx.AsyncClient) -> None:
    """"auto" sent an Astana report to a Karaganda car 190 km away while the region's own cars were busy or had
    not sent their position yet: the nearest available unit is one of the report's region, or there is none."""
    reports = await _reports(ctx)
    await make_unit(ctx, code="KRG-1", district=KARAGANDA, lat=49.8, lon=73.1)  # positioned, another region
    await make_unit(ctx, code="AST-BUSY", status="busy")
    astana = await _as(ctx, app_client, "dispatcher")
    national = await _as(ctx, app_client, "dispatcher", "")
    target = reports["astana"].id
    for headers in (astana, national):
        none = await app_client.post(f"/api/v1/dispatch/reports/{target}/assign", headers=headers,
                                     json={"unit_id": "auto"})
        assert (none.status_code, none.json()["code"]) == (409, "dispatch.no_unit_available"), none.text
    unplaced = await make_unit(ctx, code="AST-NOFIX", lat=None, lon=None)  # on shift, no position sent yet
    picked = await app_client.post(f"/api/v1/dispatch/reports/{target}/assign", headers=astana,
                                   json={"unit_id": "auto"})
    assert picked.status_code == 200 and picked.json()["unit_id"] == str(unplaced.id), picked.text
    # a report placed in no district: a unit of the assigning officer's region
    loose = await app_client.post(f"/api/v1/dispatch/reports/{reports['unplaced'].id}/assign", headers=astana,
                                  json={"unit_id": "auto"})
    assert loose.status_code == 200 and loose.json()["unit_id"] == str(unplaced.id), loose.text


async def test_a_regional_officer_sends_and_lists_their_regions_units_only(ctx: Context,
                                                                           app_client: httpx.AsyncClient) -> None:
    """An Astana duty officer could send a Karaganda car to an Astana report by its id (its crew then reads the
    report) and followed every car of the country on `/units`; another region's unit answers as a missing one."""
    reports = await _reports(ctx)
    own, other = await make_unit(ctx, code="AST-1"), await make_unit(ctx, code="KRG-1", district=KARAGANDA)
    astana = await _as(ctx, app_client, "dispatcher")
    target = reports["astana"].id
    refused = await app_client.post(f"/api/v1/dispatch/reports/{target}/assign", headers=astana,
                                    json={"unit_id": str(other.id)})
    assert (refused.status_code, refused.json()["code"]) == (404, "officer.unit_not_found"), refused.text
    card = await app_client.get(f"/api/v1/dispatch/reports/{target}", headers=astana)
    assert card.json()["unit_id"] is None and card.json()["status"] == "triage"
    for role in ("dispatcher", "prosecutor"):
        listed = await app_client.get("/api/v1/dispatch/units", headers=await _as(ctx, app_client, role))
        assert [u["code"] for u in listed.json()] == ["AST-1"], (role, listed.text)
        everywhere = await app_client.get("/api/v1/dispatch/units", headers=await _as(ctx, app_client, role, ""))
        assert [u["code"] for u in everywhere.json()] == ["AST-1", "KRG-1"], (role, everywhere.text)
    sent = await app_client.post(f"/api/v1/dispatch/reports/{target}/assign", headers=astana,
                                 json={"unit_id": str(own.id)})
    assert sent.status_code == 200 and sent.json()["unit_code"] == "AST-1", sent.text


async def test_a_merge_answers_only_with_the_members_of_the_officers_region(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    # routing joins nearby reports across a region's border: an Astana incident that a Karaganda report joined
    first = await triage_report(ctx, department="patrol_police", district="astana")
    joined = await triage_report(ctx, department="patrol_police", district="astana")
    across = await triage_report(ctx, department="patrol_police", district=KARAGANDA)
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(col(Report.id).in_([joined.id, across.id]))
                              .values(incident_id=joined.id))
        await session.commit()
    console = await _as(ctx, app_client, "dispatcher")
    tags = [(await app_client.get(f"/api/v1/dispatch/reports/{r.id}", headers=console)).headers["ETag"]
            for r in (first, joined)]
    merged = await app_client.post("/api/v1/dispatch/incidents/merge", headers={**console, "If-Match": ", ".join(tags)},
                                   json={"report_ids": [str(first.id), str(joined.id)]})
    assert merged.status_code == 200, merged.text
    assert (set(merged.json()["report_ids"]), merged.json()["size"]) == ({str(first.id), str(joined.id)}, 2)
    async with ctx.sessions() as session:
        stored = await session.get(Report, across.id)
    assert stored is not None and stored.incident_id == first.id  # the incident itself still holds all three
