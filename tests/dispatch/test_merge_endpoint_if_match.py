"""POST /dispatch/incidents/merge checks If-Match (one tag per report named): a console that saw one of the reports
before another officer reassigned it is refused with 412 naming that report, and nothing is merged."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from backend.reports.models import Report
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio


async def _tag(http: httpx.AsyncClient, headers: dict[str, str], report_id: uuid.UUID) -> str:
    response = await http.get(f"/api/v1/dispatch/reports/{report_id}", headers=headers)
    assert response.status_code == 200, response.text
    return str(response.headers["ETag"])


async def test_a_merge_on_a_stale_card_is_refused(ctx: Context, app_client: httpx.AsyncClient) -> None:
    first = await triage_report(ctx, department="patrol_police")
    second = await triage_report(ctx, department="patrol_police")
    officer, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(app_client, officer.badge_number, password))
    seen = [await _tag(app_client, console, r.id) for r in (first, second)]
    unit = await make_unit(ctx)
    taken = await app_client.post(f"/api/v1/dispatch/reports/{second.id}/assign", headers=console,
                                  json={"unit_id": str(unit.id)})
    assert taken.status_code == 200, taken.text
    current = await _tag(app_client, console, second.id)
    body = {"report_ids": [str(first.id), str(second.id)]}

    late = await app_client.post("/api/v1/dispatch/incidents/merge", json=body,
                                 headers={**console, "If-Match": ", ".join(seen)})
    assert late.status_code == 412, late.text
    problem = late.json()
    assert (problem["code"], problem["report_id"], problem["etag"]) == ("dispatch.report_changed", str(second.id),
                                                                        current)
    assert late.headers["ETag"] == current
    async with ctx.sessions() as session:
        stored = [await session.get(Report, r.id) for r in (first, second)]
    assert [r.incident_id for r in stored if r is not None] == [None, None]  # nothing was merged

    merged = await app_client.post("/api/v1/dispatch/incidents/merge", json=body,
                                   headers={**console, "If-Match": f"{seen[0]}, {current}"})
    assert merged.status_code == 200, merged.text
    assert merged.json()["size"] == 2


async def test_the_merge_documents_its_412(app_client: httpx.AsyncClient) -> None:
    schema = (await app_client.get("/schema/openapi.json")).json()
    operation = schema["paths"]["/api/v1/dispatch/incidents/merge"]["post"]
    assert "412" in operation["responses"]
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in operation["parameters"])
