"""Every reading of a restricted report's full card is in its record (history.opened): opening it is `report.read`,
and a step on it is its own audit line. A step that writes nothing — a correction naming no field, an assignment to
the unit already working it — still answers with the full card (the citizen's text, comments, kept texts), so it
must leave the same trace as an opening: before, a supervisor read a domestic-violence report through it unseen."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from tests.core.factories import triage_report
from tests.officers.factories import make_unit, signed_in

pytestmark = pytest.mark.anyio
TEXT = "Муж снова бьёт, соседи слышат"


async def _readers(app_client: httpx.AsyncClient, oversight: dict[str, str], report_id: object) -> list[str]:
    record = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}/history", headers=oversight)).json()
    return [str(a["actor_id"]) for a in record["access"] if a["action"] == "report.read"]


async def test_a_step_that_writes_nothing_on_a_restricted_report_is_a_recorded_read(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    unit = await make_unit(ctx, code="DV-1", department="district_inspector",
                           restricted_categories=["domestic_violence"])
    report = await triage_report(ctx, department="district_inspector", category="domestic_violence",
                                 restricted=True, district="astana", text=TEXT)
    supervisor, console = await signed_in(ctx, app_client, "supervisor")
    _, oversight = await signed_in(ctx, app_client, "prosecutor")

    nothing = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/fields", json={"fields": {}},
                                    headers=console)
    assert nothing.status_code == 200, nothing.text
    assert nothing.json()["text"] == TEXT
    assert await _readers(app_client, oversight, report.id) == [str(supervisor.id)]

    first = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/assign", json={"unit_id": str(unit.id)},
                                  headers=console)
    assert first.status_code == 200, first.text  # written and audited as report.assign
    again = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/assign", json={"unit_id": str(unit.id)},
                                  headers=console)
    assert again.status_code == 200, again.text
    assert again.json()["report"]["text"] == TEXT
    assert await _readers(app_client, oversight, report.id) == [str(supervisor.id)] * 2
