"""A restricted report (domestic violence, children, complaints about the police) is read in full only by opening its
card, and each opening is in its record (history.opened). The lists an oversight officer scrolls all shift — the
queue and the escalations — must not hand out its text and the officers' findings without that trace: a supervisor
read a domestic-violence report from the queue and its history named no reader."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from backend.audit.models import AuditLog
from backend.context import Context
from backend.dispatch.jobs import find_escalations
from backend.lib.clock import utcnow
from backend.reports.models import Report
from backend.reports.workflow import Status
from backend.sync.models import ReportField
from tests.core.factories import make_report
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio
STORY = "Муж избивает Айгуль Серикову, кв. 41, дети дома"


async def _reads(ctx: Context, report: Report) -> int:
    async with ctx.sessions() as session:
        return len(list(await session.scalars(select(AuditLog).where(
            AuditLog.action == "report.read", AuditLog.target_id == str(report.id)))))  # type: ignore[arg-type]


async def test_lists_show_a_restricted_report_without_its_story_and_opening_it_is_recorded(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    async with ctx.sessions() as session:
        restricted = await make_report(session, status=Status.TRIAGE, category="domestic_violence", restricted=True,
                                       department="district_inspector", text=STORY)
        ordinary = await make_report(session, status=Status.TRIAGE, category="public_order", text="Шумят во дворе")
        session.add(ReportField(report_id=restricted.id, field="findings", value="со слов Сериковой А.",
                                hlc="0000000000001-00001-tab", actor_type="patrol_officer"))
        await session.execute(update(Report).values(deadline_at=utcnow() + timedelta(hours=20)))  # escalates
        await session.commit()
    assert await find_escalations(ctx) >= 2
    supervisor, password = await make_officer(ctx, role="supervisor")
    console = bearer(await login(app_client, supervisor.badge_number, password))

    queue = (await app_client.get("/api/v1/dispatch/queue", headers=console)).json()["items"]
    escalations = (await app_client.get("/api/v1/dispatch/escalations", headers=console)).json()["items"]
    listed = {item["id"]: item for item in queue} | {e["report"]["id"]: e["report"] for e in escalations}
    shown = listed[str(restricted.id)]
    assert shown["restricted"] and shown["category"] == "domestic_violence"  # enough to triage and assign
    assert shown["text"] == "" and shown["fields"] == {}, shown
    assert listed[str(ordinary.id)]["text"] == "Шумят во дворе"  # ordinary reports are listed as they are
    assert await _reads(ctx, restricted) == 0

    opened = await app_client.get(f"/api/v1/dispatch/reports/{restricted.id}", headers=console)
    assert opened.json()["text"] == STORY and opened.json()["fields"] == {"findings": "со слов Сериковой А."}
    assert opened.json()["etag"] == shown["etag"]  # the same state, whichever view it was read from
    assert await _reads(ctx, restricted) == 1
