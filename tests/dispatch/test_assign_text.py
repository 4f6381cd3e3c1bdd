"""The citizen's "assigned to: {department}" line names the department in the citizen's language (kk / ru / en),
on both databases: for a report assigned directly and for a "me too" report that follows its primary; a unit of a
department the taxonomy does not know is named by the unit's own name, never left blank."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.routing.helpers import citizen_n, routed

pytestmark = pytest.mark.anyio


async def _submit(ctx: Context, citizen: PartnerClient, text: str) -> uuid.UUID:
    response = await citizen.submit(text)
    assert response.status_code == 201, response.text
    report_id = uuid.UUID(response.json()["id"])
    await routed(ctx, report_id)  # routing is off: the job puts it in triage
    return report_id


async def _assigned_line(citizen: PartnerClient, report_id: uuid.UUID) -> str:
    view = (await citizen.get(f"/api/v1/reports/{report_id}")).json()
    [line] = [t for t in view["timeline"] if t["action"] == "assign"][-1:]
    return str(line["text"])


async def test_the_assigned_line_names_the_department_in_the_citizens_language(
        ctx: Context, app_client: httpx.AsyncClient, partner: dict[str, str]) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False)
    aigerim, boris, emma = (citizen_n(app_client, partner, n, lang=lang)
                            for n, lang in ((61, "kk"), (62, "ru"), (63, "en")))
    primary = await _submit(ctx, aigerim, "Абай даңғылында екі көлік соқтығысты")
    follower = await _submit(ctx, boris, "На проспекте Абая столкнулись две машины")
    direct = await _submit(ctx, emma, "Two cars crashed on Abay avenue")

    dispatcher, pw = await make_officer(ctx, role="dispatcher")
    h = bearer(await login(app_client, dispatcher.badge_number, pw))
    merged = await app_client.post("/api/v1/dispatch/incidents/merge", headers=h,
                                   json={"report_ids": [str(primary), str(follower)]})
    assert merged.status_code == 200 and merged.json()["incident_id"] == str(primary)
    traffic = await make_unit(ctx, code="TRAFFIC-7", name="Экипаж ДП-7", department="traffic_police")
    for report_id in (primary, direct):
        assigned = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/assign", headers=h,
                                         json={"unit_id": str(traffic.id)})
        assert assigned.status_code == 200, assigned.text

    assert await _assigned_line(aigerim, primary) == "Өтініш бөлімшеге жіберілді: Жол полициясы."
    assert await _assigned_line(boris, follower) == "Обращение передано в подразделение: Дорожная полиция."
    assert await _assigned_line(emma, direct) == "Your report was assigned to: Traffic police."
    # the same event read in another language: texts are stored in all three
    aigerim.lang = "en"
    assert await _assigned_line(aigerim, primary) == "Your report was assigned to: Traffic police."

    river = await make_unit(ctx, code="RIVER-1", name="Речной патруль Есиль", department="river_patrol")
    moved = await app_client.post(f"/api/v1/dispatch/reports/{direct}/assign", headers=h,
                                  json={"unit_id": str(river.id), "reason": "на воде"})
    assert moved.status_code == 200, moved.text
    assert await _assigned_line(emma, direct) == "Your report was assigned to: Речной патруль Есиль."
