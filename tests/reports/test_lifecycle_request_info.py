from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from backend.audit.models import AuditLog
from backend.context import Context
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.reports.step_helpers import settled_report

pytestmark = pytest.mark.anyio


async def test_staff_ask_the_reporter_and_the_reply_resumes_the_work(
        ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient) -> None:
    citizen.lang = "kk"
    report_id = await settled_report(ctx, citizen, "Көлігімді ауладан ұрлап кетті")
    officer, password = await make_officer(ctx, role="dispatcher")
    head = {**bearer(await login(app_client, officer.badge_number, password)), "Accept-Language": "kk"}
    unit = await make_unit(ctx)
    assert (await app_client.post(f"/api/v1/dispatch/reports/{report_id}/assign", headers=head,
                                  json={"unit_id": str(unit.id)})).status_code == 200
    asked = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/request-info", headers=head,
                                  json={"reason": "Көліктің нөмірін жазыңыз"})
    assert asked.status_code == 200, asked.text
    shown = (await citizen.get(f"/api/v1/reports/{report_id}")).json()
    assert shown["status"] == "needs_input"
    assert shown["timeline"][-1]["text"] == "Қосымша мәліметтер қажет: Көліктің нөмірін жазыңыз"
    async with ctx.sessions() as session:  # the request is on the record, with who asked
        audit = list(await session.scalars(select(AuditLog).where(
            AuditLog.target_id == str(report_id), AuditLog.action == "report.request_info")))  # type: ignore[arg-type]
    assert [row.actor_id for row in audit] == [str(officer.id)]
    prosecutor, secret = await make_officer(ctx, role="prosecutor")
    refused = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/request-info",
                                    headers=bearer(await login(app_client, prosecutor.badge_number, secret)),
                                    json={"reason": "Көліктің түсін жазыңыз"})
    assert refused.status_code == 403
    assert (await citizen.post(f"/api/v1/reports/{report_id}/comments", {"text": "123 ABC 01"},
                               headers={"Idempotency-Key": str(uuid.uuid4())})).status_code == 201
    assert (await citizen.get(f"/api/v1/reports/{report_id}")).json()["status"] == "in_work"
    again = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/request-info", headers=head,
                                  json={"reason": "ab"})
    assert again.status_code == 422 and again.json()["errors"][0]["pointer"] == "/reason"
