"""A crew asked to wait for the reporter's answer still drives on and arrives: its `on_scene` pushed while the report
awaits the reporter (or is back in work after the answer, before the crew got there) is the arrival, and the record
keeps it with the officer's device_time. Before, the tablet's step came back `superseded` (the server ranked those
statuses as "on scene") and the arrival time was never recorded. End to end over HTTP on both databases."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from backend.audit.models import AuditLog
from backend.context import Context
from backend.dispatch import service as dispatch
from backend.lib.clock import as_utc
from backend.lib.errors import ZanError
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import CITIZEN_PROJECTION, Action, Actor, CitizenStatus, Status
from backend.routing import corrections
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import DISPATCHER, Tablet, assigned_report
from tests.sync.test_evidence import Scene, _scene
from tests.sync.test_request_info import ASK, _ask, _pull, _push

pytestmark = pytest.mark.anyio


def _step(scene: Scene, status: str, device_time: datetime, **fields: Any) -> dict[str, Any]:
    return {"mutation_id": uuid.uuid4().hex, "entity": "reports", "id": scene.report_id, "op": "update",
            "hlc": f"{int(time.time() * 1000):013d}-00001-{scene.device_id}", "device_time": device_time.isoformat(),
            "fields": {"status": status, **fields}}


async def _report(ctx: Context, scene: Scene) -> tuple[Report, list[ReportEvent], list[AuditLog]]:
    """The report, its status steps (oldest first) and their audit lines."""
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(scene.report_id))
        assert report is not None
        events = list(await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.to_status.is_not(None))  # type: ignore[arg-type, union-attr]
            .order_by(ReportEvent.created_at)))  # type: ignore[arg-type]
        audit = list(await session.scalars(select(AuditLog).where(
            AuditLog.target_id == scene.report_id, AuditLog.action == "report.on_scene")))  # type: ignore[arg-type]
        return report, events, audit


async def _reply(ctx: Context, scene: Scene, text: str) -> None:
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(scene.report_id), with_for_update=True)
        assert report is not None
        await reports.add_citizen_comment(session, report, text, By(Actor.CITIZEN, str(report.citizen_id), "partner"))
        await session.commit()


async def test_the_arrival_is_recorded_while_the_reporter_is_asked(app_client: httpx.AsyncClient,
                                                                   ctx: Context) -> None:
    scene = await _scene(ctx, app_client)
    first = await _pull(app_client, scene.tablet)
    left = datetime(2026, 12, 5, 14, 2, tzinfo=UTC)
    arrived = left + timedelta(minutes=11)
    [en_route] = await _push(app_client, scene.tablet, scene.device_id, _step(scene, "en_route", left))
    assert en_route["status"] == "applied", en_route
    # on the way, the dispatcher asks the reporter which entrance
    asked = await app_client.post(f"/api/v1/dispatch/reports/{scene.report_id}/request-info",
                                  json={"reason": "Уточните номер подъезда"}, headers=scene.dispatcher)
    assert asked.status_code == 200, asked.text
    [on_scene] = await _push(app_client, scene.tablet, scene.device_id, _step(scene, "on_scene", arrived))
    assert (on_scene["status"], on_scene["applied_fields"]) == ("applied", ["status"]), on_scene
    report, events, audit = await _report(ctx, scene)
    # the arrival is in the record, dated when the officer arrived; the report still waits for the reporter, and
    # the citizen still sees that their answer is needed
    assert [(e.action, e.from_status, e.to_status) for e in events][-2:] == [
        (Action.REQUEST_INFO.value, Status.EN_ROUTE.value, Status.AWAITING_REPORTER.value),
        (Action.ON_SCENE.value, Status.AWAITING_REPORTER.value, Status.AWAITING_REPORTER.value)]
    arrival = events[-1]
    assert arrival.device_time is not None and as_utc(arrival.device_time) == arrived
    assert arrival.public and arrival.channel == "tablet"
    assert report.status == Status.AWAITING_REPORTER.value
    assert CITIZEN_PROJECTION[Status(report.status)] is CitizenStatus.NEEDS_INPUT
    [line] = audit
    assert (line.device_id, line.data["device_time"]) == (scene.device_id, arrived.isoformat()), line.data
    # the tablet's optimistic "on_scene" is put back to the server's status on its next pull
    after = await _pull(app_client, scene.tablet, first["cursor"])
    assert [r["status"] for r in after["changes"]["reports"]["upserted"]] == [Status.AWAITING_REPORTER.value]
    # the crew arrives once: a crewmate's tablet (or a resend under a new id) sending it again is stale
    [again] = await _push(app_client, scene.tablet, scene.device_id, _step(scene, "on_scene", arrived))
    assert (again["status"], again["superseded_fields"]) == ("superseded", ["status"]), again
    # the reporter's answer puts the report back in work; a stale en_route is still stale
    await _reply(ctx, scene, "Третий подъезд")
    [stale] = await _push(app_client, scene.tablet, scene.device_id, _step(scene, "en_route", left))
    assert stale["status"] == "superseded", stale
    report, events, audit = await _report(ctx, scene)
    assert report.status == Status.IN_PROGRESS.value and len(audit) == 1
    assert [e.action for e in events].count(Action.ON_SCENE.value) == 1


async def _asked_on_the_way(app_client: httpx.AsyncClient, scene: Any, en_route: datetime) -> None:
    """The crew's tablet marks it en route at `en_route` and asks the reporter, in one push, both applied."""
    pushed = await _push(app_client, scene.tablet, scene.device_id, _step(scene, "en_route", en_route),
                         _ask(scene.report_id, scene.device_id, reason=ASK))
    assert [r["status"] for r in pushed] == ["applied", "applied"], pushed


async def test_the_arrival_after_the_reporter_answered_is_recorded(app_client: httpx.AsyncClient,
                                                                   ctx: Context) -> None:
    """The officer asked from the tablet on the way and the reporter answered before the crew got there: the
    report is back in work (in_progress), and the arrival is still the crew's to record."""
    scene = await _scene(ctx, app_client)
    arrived = datetime(2026, 12, 5, 14, 20, tzinfo=UTC)
    await _asked_on_the_way(app_client, scene, arrived - timedelta(minutes=9))
    await _reply(ctx, scene, "Второй подъезд, серая Camry")
    [on_scene] = await _push(app_client, scene.tablet, scene.device_id, _step(scene, "on_scene", arrived))
    assert on_scene["status"] == "applied", on_scene
    report, events, audit = await _report(ctx, scene)
    assert report.status == Status.IN_PROGRESS.value
    assert CITIZEN_PROJECTION[Status(report.status)] is CitizenStatus.IN_WORK
    assert (events[-1].action, events[-1].from_status, events[-1].to_status) == (
        Action.ON_SCENE.value, Status.IN_PROGRESS.value, Status.IN_PROGRESS.value)
    assert events[-1].device_time is not None and as_utc(events[-1].device_time) == arrived
    assert len(audit) == 1


async def test_resolved_on_scene_before_the_reporter_answered(app_client: httpx.AsyncClient, ctx: Context) -> None:
    """The crew arrives and settles it before the citizen answers: arrival and closing both land, in order, the
    citizen is told the outcome (the question lapses with the closing), and a late answer meets a closed report."""
    scene = await _scene(ctx, app_client)
    arrived = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)
    await _asked_on_the_way(app_client, scene, arrived - timedelta(minutes=7))
    pushed = await _push(app_client, scene.tablet, scene.device_id, _step(scene, "on_scene", arrived),
                         _step(scene, "resolved", arrived + timedelta(minutes=25), outcome="warning"))
    assert [r["status"] for r in pushed] == ["applied", "applied"], pushed
    report, events, _ = await _report(ctx, scene)
    assert [(e.action, e.to_status) for e in events][-3:] == [
        (Action.REQUEST_INFO.value, Status.AWAITING_REPORTER.value),
        (Action.ON_SCENE.value, Status.AWAITING_REPORTER.value),
        (Action.RESOLVE.value, Status.CLOSED.value)]
    assert (report.status, report.resolution, report.outcome) == (Status.CLOSED.value, "resolved", "warning")
    assert CITIZEN_PROJECTION[Status(report.status)] is CitizenStatus.CLOSED
    with pytest.raises(ZanError) as refused:
        await _reply(ctx, scene, "Уже не нужно")
    assert refused.value.code == "report.transition_forbidden"


async def test_the_incidents_other_reports_follow_the_arrival(ctx: Context) -> None:
    """On an incident's primary the other reports follow the crew's steps; the arrival recorded while the primary's
    reporter is asked moves them on scene as it would have without the question (a question is for one reporter)."""
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    tab = Tablet(ctx, officer, unit.id)
    first, second = [await assigned_report(ctx, unit, text=f"Драка у магазина ({n})") for n in range(2)]
    async with ctx.sessions() as session:
        rows = [r for r in [await session.get(Report, first.id), await session.get(Report, second.id)] if r]
        assert await corrections.merge(session, rows, DISPATCHER) == first.id
        await session.commit()
    await tab.pull_all()
    tab.edit("reports", str(first.id), status="en_route")
    [moved] = await tab.push()
    assert moved["status"] == "applied", moved
    async with ctx.sessions() as session:
        primary = await session.get(Report, first.id, with_for_update=True)
        assert primary is not None
        await dispatch.request_info(session, primary, "Уточните номер подъезда", DISPATCHER)
        await session.commit()
    tab.edit("reports", str(first.id), status="on_scene")
    [arrived] = await tab.push()
    assert arrived["status"] == "applied", arrived
    async with ctx.sessions() as session:
        primary, member = await session.get(Report, first.id), await session.get(Report, second.id)
        assert primary is not None and member is not None
        assert (primary.status, member.status) == (Status.AWAITING_REPORTER.value, Status.ON_SCENE.value)
        steps = list(await session.scalars(select(ReportEvent.report_id).where(  # type: ignore[call-overload]
            ReportEvent.action == Action.ON_SCENE.value,  # type: ignore[arg-type]
            ReportEvent.report_id.in_([first.id, second.id]))))  # type: ignore[attr-defined]
    assert sorted(steps) == sorted([first.id, second.id])
