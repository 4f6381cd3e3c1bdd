"""The history a prosecutor reads names, for each staff step on the report, the enrolled tablet and login session
it came from (audit lines keep them since w1_officers_audit_origin), so a stolen tablet's steps can be told apart."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from backend.lib.clock import utcnow
from backend.officers.models import Officer
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import assigned_report

pytestmark = pytest.mark.anyio


async def test_the_history_names_the_tablet_and_session_of_each_staff_step(ctx: Context,
                                                                          app_client: httpx.AsyncClient) -> None:
    report = await triage_report(ctx, department="patrol_police", category="public_order")
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(app_client, dispatcher.badge_number, password, "console-7"))
    moved = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/reclassify", headers=console,
                                  json={"category": "vandalism", "reason": "разбиты стёкла"})
    assert moved.status_code == 200, moved.text
    prosecutor, ppw = await make_officer(ctx, role="prosecutor")
    oversight = bearer(await login(app_client, prosecutor.badge_number, ppw, "tab-prosecutor"))
    history = await app_client.get(f"/api/v1/dispatch/reports/{report.id}/history", headers=oversight)
    assert history.status_code == 200, history.text
    [step] = [a for a in history.json()["access"] if a["action"] == "report.reclassify"]
    assert step["actor_id"] == str(dispatcher.id) and step["device_id"] == "console-7"
    assert step["session_id"]  # the login session, which its auth.login line names


async def test_the_history_names_the_tablet_of_a_crews_field_steps(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """A crew's steps pushed from a tablet (on scene; resolved, which closes the report; a crewmate's findings
    rewritten) wrote timeline events naming the officer, and no audit line: the history could not say from which
    tablet a report was closed."""
    unit = await make_unit(ctx)
    report = await assigned_report(ctx, unit)
    (first, password), (second, _) = await make_officer(ctx, unit=unit), await make_officer(ctx, unit=unit)

    async def push(officer: Officer, device: str, fields: dict[str, str]) -> None:
        headers = bearer(await login(app_client, officer.badge_number, password, device))
        step = {"mutation_id": uuid.uuid4().hex, "entity": "reports", "id": str(report.id), "op": "update",
                "hlc": f"{int(utcnow().timestamp() * 1000):013d}-00000-{device}", "fields": fields}
        answer = await app_client.post("/api/v1/sync/push", headers=headers,
                                       json={"device_id": device, "mutations": [step]})
        assert answer.json()["results"][0]["status"] == "applied", answer.text

    await push(first, "tab-first", {"status": "on_scene", "findings": "двое задержаны"})
    await push(second, "tab-second", {"findings": "задержан один"})
    await push(second, "tab-second", {"status": "resolved", "outcome": "protocol"})
    prosecutor, ppw = await make_officer(ctx, role="prosecutor")
    oversight = bearer(await login(app_client, prosecutor.badge_number, ppw, "tab-prosecutor"))
    history = await app_client.get(f"/api/v1/dispatch/reports/{report.id}/history", headers=oversight)
    steps = [(a["action"], a["actor_id"], a["device_id"], a["data"].get("outcome")) for a in history.json()["access"]
             if a["action"] in ("report.on_scene", "report.fields", "report.resolve")]
    assert steps == [("report.on_scene", str(first.id), "tab-first", None),
                     ("report.fields", str(second.id), "tab-second", None),
                     ("report.resolve", str(second.id), "tab-second", "protocol")], steps
    assert all(a["session_id"] for a in history.json()["access"] if a["device_id"] in ("tab-first", "tab-second"))
