"""The "me too" count in the citizen's view, on both databases: how many other citizens reported the same
incident, never who; never for restricted categories; and a citizen's view never names another's report."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import event

from backend.citizens.models import Citizen
from backend.context import Context
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.workflow import Status
from tests.core.factories import make_report
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer
from tests.routing.helpers import citizen_n, routed, submit_and_route

pytestmark = pytest.mark.anyio
CRASH = [("На перекрёстке Кенесары и Абая столкнулись две машины, ДТП", 51.1600, 71.4700),
         ("ДТП на перекрёстке Абая и Кенесары, две машины столкнулись", 51.1605, 71.4706),
         ("Столкнулись две машины на перекрёстке Абая и Кенесары, авария, ДТП", 51.1602, 71.4703)]


async def report_crash(ctx: Context, who: PartnerClient, n: int) -> Report:
    """`who` reports the crash in the words and at the spot of CRASH[n], and routing has run."""
    text, lat, lon = CRASH[n]
    return await submit_and_route(ctx, who, text, lat=lat, lon=lon)


async def three_report_the_crash(ctx: Context, app_client: httpx.AsyncClient, partner: dict[str, str],
                                 first: int) -> tuple[list[PartnerClient], list[Report]]:
    """Citizens number `first`, `first`+1 and `first`+2 each report the crash (CRASH[0], [1], [2]), in order."""
    who = [citizen_n(app_client, partner, first + i) for i in range(3)]
    return who, [await report_crash(ctx, citizen, i) for i, citizen in enumerate(who)]


async def test_every_reporter_sees_how_many_others_reported_it_and_nothing_of_theirs(
        ctx: Context, app_client: httpx.AsyncClient, partner: dict[str, str]) -> None:
    (alice, bob, carol), (a, b, c) = await three_report_the_crash(ctx, app_client, partner, 31)
    again = await report_crash(ctx, alice, 1)
    a = await routed(ctx, a.id)  # it became the primary when b joined
    assert a.incident_id == b.incident_id == c.incident_id == again.incident_id == a.id
    lone = await submit_and_route(ctx, bob, "Украли велосипед из подъезда на Сарыарке")

    for who, report, others in ((alice, a, 2), (bob, b, 2), (carol, c, 2), (alice, again, 2), (bob, lone, 0)):
        response = await who.get(f"/api/v1/reports/{report.id}")
        assert response.status_code == 200 and response.json()["also_reported"] == others, response.text
    # alice counts once for bob and carol, however many reports she sent; her own second report is no "other"

    # nothing of the other reporters reaches alice: not their report ids, numbers, texts or positions
    view = (await alice.get(f"/api/v1/reports/{a.id}")).text
    for other in (b, c):
        assert str(other.id) not in view and other.number not in view and other.text not in view
    listing = (await alice.get("/api/v1/reports")).text
    assert str(b.id) not in listing and str(c.id) not in listing
    assert (await alice.get(f"/api/v1/reports/{b.id}")).status_code == 404

    # carol withdraws: she no longer counts for the others
    await carol.post(f"/api/v1/reports/{c.id}/withdraw", {"reason": "ошиблась"})
    assert (await alice.get(f"/api/v1/reports/{a.id}")).json()["also_reported"] == 1


async def test_restricted_reports_never_show_or_add_to_a_count(
        ctx: Context, app_client: httpx.AsyncClient, partner: dict[str, str]) -> None:
    (alice, bob, _), (a, b, c) = await three_report_the_crash(ctx, app_client, partner, 41)
    a = await routed(ctx, a.id)
    assert a.incident_id == b.incident_id == c.incident_id == a.id
    assert (await bob.get(f"/api/v1/reports/{b.id}")).json()["also_reported"] == 2

    # a supervisor finds bob's report is really about violence at home: it leaves the incident for good
    supervisor, pw = await make_officer(ctx, role="supervisor")
    h = bearer(await login(app_client, supervisor.badge_number, pw))
    moved = await app_client.post(f"/api/v1/dispatch/reports/{b.id}/reclassify", headers=h,
                                  json={"category": "domestic_violence", "reason": "на самом деле семейный конфликт"})
    assert moved.status_code == 200 and moved.json()["restricted"] is True
    assert (await bob.get(f"/api/v1/reports/{b.id}")).json()["also_reported"] == 0
    assert (await alice.get(f"/api/v1/reports/{a.id}")).json()["also_reported"] == 1
    refused = await app_client.post("/api/v1/dispatch/incidents/merge", headers=h,
                                    json={"report_ids": [str(a.id), str(b.id)]})
    assert refused.status_code == 422 and refused.json()["errors"][0]["pointer"] == "/report_ids/1"
    card = (await app_client.get(f"/api/v1/dispatch/reports/{a.id}", headers=h)).json()
    assert card["incident_size"] == 2 and str(b.id) not in card["incident_report_ids"]

    # even a restricted report that sits in an incident (rows written before this rule) shows no count, and
    # is not counted for the others
    async with ctx.sessions() as session:
        primary = await make_report(session, status=Status.TRIAGE, category="road_accident")
        primary.incident_id = primary.id
        hidden = await make_report(session, status=Status.TRIAGE, category="domestic_violence",
                                   incident_id=primary.id)
        flagged = await make_report(session, status=Status.TRIAGE, category="road_accident", restricted=True,
                                    incident_id=primary.id)
        member = await make_report(session, status=Status.TRIAGE, category="road_accident", incident_id=primary.id)
        await session.commit()
        assert await reports.also_reported(session, hidden) == 0
        assert await reports.also_reported(session, flagged) == 0
        assert await reports.also_reported(session, primary) == 1  # `member` only
        assert await reports.also_reported(session, member) == 1


async def test_the_citizens_list_shows_each_count_with_one_grouped_query_per_page(
        ctx: Context, app_client: httpx.AsyncClient, partner: dict[str, str]) -> None:
    (alice, _, carol), (a, _, c) = await three_report_the_crash(ctx, app_client, partner, 71)
    again = await report_crash(ctx, alice, 1)
    lone = await submit_and_route(ctx, alice, "Украли велосипед из подъезда на Сарыарке")
    a = await routed(ctx, a.id)
    assert a.incident_id == c.incident_id == again.incident_id == a.id and lone.incident_id is None
    async with ctx.sessions() as session:  # a restricted report of alice's that sits in the incident (old rows)
        owner = await session.get(Citizen, a.citizen_id)
        hidden = await make_report(session, status=Status.TRIAGE, category="domestic_violence", citizen=owner,
                                   incident_id=a.id, partner_id=a.partner_id)
        await session.commit()
    await carol.post(f"/api/v1/reports/{c.id}/withdraw", {"reason": "ошиблась"})  # carol no longer counts
    expected = {str(a.id): 1, str(again.id): 1, str(lone.id): 0, str(hidden.id): 0}

    grouped: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "count(distinct" in statement.lower():
            grouped.append(statement)

    for limit in (20, 2):
        items: dict[str, int] = {}
        cursor = None
        event.listen(ctx.engine.sync_engine, "before_cursor_execute", seen)
        try:
            while True:
                page = (await alice.get(f"/api/v1/reports?limit={limit}" + (f"&cursor={cursor}" if cursor else "")))
                assert page.status_code == 200, page.text
                items.update((i["id"], i["also_reported"]) for i in page.json()["items"])
                # at most one grouped query per page, however many reports it holds (none if nothing can count)
                assert len(grouped) <= 1, grouped
                grouped.clear()
                cursor = page.json()["next_cursor"]
                if cursor is None:
                    break
        finally:
            event.remove(ctx.engine.sync_engine, "before_cursor_execute", seen)
        assert items == expected, limit
    # the list and the report's own view agree
    for report_id, count in expected.items():
        assert (await alice.get(f"/api/v1/reports/{report_id}")).json()["also_reported"] == count
