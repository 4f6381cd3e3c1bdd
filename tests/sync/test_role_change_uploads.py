"""The files a desk officer's tablet declared in time outlive the 72 hours (backend/sync/duty.py, upload_guard): a
photo declared by a push accepted at hour 71 of OFF_DUTY_GRACE is still uploaded at hour 73 (the bytes of a video
over a bad link follow their declaration for a while), for a bounded time after the grace (DECLARED_UPLOAD); no new
file is declared after the grace, and nothing else is taken."""

from __future__ import annotations

import hashlib
import os
import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from backend.context import Context
from backend.dispatch.models import Assignment
from backend.lib.clock import utcnow
from backend.officers.models import Device, Officer, UnitMember
from backend.sync.duty import DECLARED_UPLOAD, OFF_DUTY_GRACE
from backend.sync.models import RoleTenure
from tests.officers.factories import DEFAULT_PASSWORD
from tests.sync.conftest import assigned_report
from tests.sync.test_role_change import _patrol, _set_role, _tablet
from tests.sync.test_shift_walk import HttpTablet

pytestmark = pytest.mark.anyio


async def _left_the_field(ctx: Context, officer: Officer, tab: HttpTablet, report_id: uuid.UUID,
                          ago: timedelta) -> datetime:
    """Made a dispatcher `ago` (the record dated back as it would stand by then: in the crew and enrolled on the
    tablet two days before, the report given to the crew a day before). Returns when they left the field."""
    await _set_role(ctx, officer, "dispatcher")
    left = utcnow() - ago
    async with ctx.sessions() as session:
        for stmt in (update(RoleTenure).where(RoleTenure.officer_id == officer.id)  # type: ignore[arg-type]
                     .values(until=left),
                     update(Device).where(Device.device_id == tab.device_id)  # type: ignore[arg-type]
                     .values(created_at=left - timedelta(days=2)),
                     update(UnitMember).where(UnitMember.officer_id == officer.id)  # type: ignore[arg-type]
                     .values(since=left - timedelta(days=2)),
                     update(Assignment).where(Assignment.report_id == report_id)  # type: ignore[arg-type]
                     .values(assigned_at=left - timedelta(days=1))):
            await session.execute(stmt)
        await session.commit()
    return left


async def _later(ctx: Context, officer: Officer, tab: HttpTablet, by: timedelta) -> None:
    """`by` passes: the role change and the enrolment move back (the evidence table is append-only, and what the
    upload is judged by is the end of the grace, not the declaration's own time)."""
    async with ctx.sessions() as session:
        for tenure in await session.scalars(select(RoleTenure).where(RoleTenure.officer_id == officer.id)):  # type: ignore[arg-type]
            tenure.until -= by
        for device in await session.scalars(select(Device).where(Device.device_id == tab.device_id)):  # type: ignore[arg-type]
            device.created_at -= by
        await session.commit()


def _declare(tab: HttpTablet, report_id: uuid.UUID, data: bytes, written: datetime) -> dict[str, object]:
    m = tab.queue("evidence", str(uuid.uuid4()), "create", report_id=str(report_id),
                  sha256=hashlib.sha256(data).hexdigest(), size=len(data), content_type="image/jpeg")
    m["device_time"] = written.isoformat()
    return m


async def _declared_at_hour_71(client: httpx.AsyncClient, ctx: Context) -> tuple[Officer, HttpTablet, uuid.UUID,
                                                                                 datetime, bytes]:
    """A photo taken on patrol, declared by a push at hour 71 after the officer was made a dispatcher; its bytes
    not uploaded yet."""
    unit, officer, tab = await _patrol(client, ctx)
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    left = await _left_the_field(ctx, officer, tab, report.id, OFF_DUTY_GRACE - timedelta(hours=1))
    photo = os.urandom(3000)
    _declare(tab, report.id, photo, left - timedelta(hours=1))
    [declared] = await tab.push()
    assert (declared["status"], declared["upload_complete"]) == ("applied", False), declared
    return officer, tab, report.id, left, photo


async def test_a_file_declared_at_hour_71_is_uploaded_at_hour_73(app_client: httpx.AsyncClient,
                                                                 ctx: Context) -> None:
    officer, tab, report_id, left, photo = await _declared_at_hour_71(app_client, ctx)
    await _later(ctx, officer, tab, timedelta(hours=2))
    sha = hashlib.sha256(photo).hexdigest()

    status = await app_client.get(f"/api/v1/sync/evidence/{sha}", headers=tab.headers)
    assert (status.status_code, status.json().get("received")) == (200, 0), status.text
    uploaded = await app_client.put(f"/api/v1/sync/evidence/{sha}?offset=0", content=photo, headers=tab.headers)
    assert (uploaded.status_code, uploaded.json().get("complete")) == (200, True), uploaded.text

    # no new declaration after the grace, however far back it is dated, and no upload of a file never declared
    other = os.urandom(2000)
    _declare(tab, report_id, other, left - timedelta(hours=3))
    [late] = await tab.push()
    assert (late["status"], late["reason"]) == ("rejected", "role_changed"), late
    refused = await app_client.get(f"/api/v1/sync/evidence/{hashlib.sha256(other).hexdigest()}", headers=tab.headers)
    assert (refused.status_code, refused.json()["code"]) == (403, "auth.forbidden")


async def test_a_file_declared_in_time_is_not_uploadable_for_ever(app_client: httpx.AsyncClient,
                                                                 ctx: Context) -> None:
    officer, tab, _, _, photo = await _declared_at_hour_71(app_client, ctx)
    # declared an hour before the grace ended: past it and DECLARED_UPLOAD after it
    await _later(ctx, officer, tab, timedelta(hours=1) + DECLARED_UPLOAD + timedelta(minutes=1))
    sha = hashlib.sha256(photo).hexdigest()
    late = await app_client.put(f"/api/v1/sync/evidence/{sha}?offset=0", content=photo, headers=tab.headers)
    assert (late.status_code, late.json()["code"]) == (403, "auth.forbidden")


async def test_another_tablet_of_the_officer_uploads_nothing_after_the_grace(app_client: httpx.AsyncClient,
                                                                            ctx: Context) -> None:
    """The declaration is the tablet's: the same officer's other field tablet, enrolled before the change too, gets
    no upload of it once the grace is over (it never declared the file)."""
    officer, tab, _, _, photo = await _declared_at_hour_71(app_client, ctx)
    # the second tablet was enrolled on patrol (dated back), then the hours pass
    second = await _tablet(app_client, officer, DEFAULT_PASSWORD)
    async with ctx.sessions() as session:
        await session.execute(update(Device).where(Device.device_id == second.device_id)  # type: ignore[arg-type]
                              .values(created_at=utcnow() - timedelta(days=5)))
        await session.commit()
    await _later(ctx, officer, tab, timedelta(hours=2))
    sha = hashlib.sha256(photo).hexdigest()
    other = await app_client.put(f"/api/v1/sync/evidence/{sha}?offset=0", content=photo, headers=second.headers)
    assert (other.status_code, other.json()["code"]) == (403, "auth.forbidden")
