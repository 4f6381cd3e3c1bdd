"""A report that routing joins to an incident across a region's border does not follow the primary's unit there.

Police work is organised per region (backend.officers.jurisdiction): a duty officer of Astana sends only Astana's
units, and a merge moves a report only to a unit its officer could send. Routing joins nearby reports into one
incident whatever the border (one crash on the ring road, reported from both sides of the city line), but it sent an
Astana report to the Akmola crew on the incident: a unit of another region, which no Astana duty officer can see or
recall, while the report left the Astana queue. It now stays in its own region's queue, grouped with the incident."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.routing.helpers import citizen_n, submit_and_route

pytestmark = pytest.mark.anyio
# two points ~110 m apart on either side of the city line (osm-astana against the ADM2 layer)
TSELINOGRAD = (51.11079, 71.21717)
ASTANA = (51.11079, 71.21877)
CRASH = "На трассе столкнулись две машины, ДТП, перегородили дорогу"


async def test_a_report_joined_across_a_regions_border_stays_in_its_own_regions_queue(
        ctx: Context, app_client: httpx.AsyncClient, partner: dict[str, str]) -> None:
    first = await submit_and_route(ctx, citizen_n(app_client, partner, 61), CRASH,
                                   lat=TSELINOGRAD[0], lon=TSELINOGRAD[1])
    assert first.district == "tselinogradskiy"
    akmola_unit = await make_unit(ctx, department="traffic_police", district="tselinogradskiy",
                                  lat=TSELINOGRAD[0], lon=TSELINOGRAD[1])
    akmola, password = await make_officer(ctx, role="dispatcher", district="tselinogradskiy")
    akmola_console = bearer(await login(app_client, akmola.badge_number, password))
    sent = await app_client.post(f"/api/v1/dispatch/reports/{first.id}/assign", headers=akmola_console,
                                 json={"unit_id": str(akmola_unit.id)})
    assert sent.status_code == 200, sent.text

    late = await submit_and_route(ctx, citizen_n(app_client, partner, 62), CRASH, lat=ASTANA[0], lon=ASTANA[1])
    assert late.district == "astana"
    assert late.incident_id == first.id  # one incident across the line
    assert late.unit_id is None, "routing sent an Astana report to another region's unit"

    astana, password = await make_officer(ctx, role="dispatcher", district="astana")
    astana_console = bearer(await login(app_client, astana.badge_number, password))
    queue = (await app_client.get("/api/v1/dispatch/queue", headers=astana_console)).json()["items"]
    assert [item["id"] for item in queue] == [str(late.id)]
