"""The history a prosecutor reads names, for each staff step on the report, the enrolled tablet and login session
it came from (audit lines keep them since w1_officers_audit_origin), so a stolen tablet's steps can be told apart."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer

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
