"""Which crew member's tablet received a restricted report (domestic violence, children, complaints about the
police): each opening of its card in the console is an audit line (`report.read`), but a tablet's pull carried the
whole card (text masked, the reporter's conversation with it) onto the device and left no trace, so oversight could
not tell whose tablet held it. Each pull now writes one `report.sync` line per restricted report it delivers, naming
the officer, the tablet and the login session; a pull that delivers no restricted report writes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from backend.audit.models import AuditLog
from backend.context import Context
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import assigned_report

pytestmark = pytest.mark.anyio


async def _sync_lines(ctx: Context, report_id: uuid.UUID | None = None) -> list[AuditLog]:
    async with ctx.sessions() as session:
        query = select(AuditLog).where(AuditLog.action == "report.sync")  # type: ignore[arg-type]
        if report_id is not None:
            query = query.where(AuditLog.target_id == str(report_id))  # type: ignore[arg-type]
        return list(await session.scalars(query.order_by(AuditLog.at, AuditLog.id)))  # type: ignore[arg-type]


async def _audit_count(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditLog)) or 0)


async def _pull_all(client: httpx.AsyncClient, headers: dict[str, str], cursor: str | None = None,
                    limit: int = 500) -> tuple[dict[str, Any], str]:
    reports: dict[str, Any] = {}
    for _ in range(100):
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        answer = await client.get("/api/v1/sync/pull", headers=headers, params=params)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        for row in page["changes"].get("reports", {}).get("upserted", []):
            reports[row["id"]] = row
        cursor = page["cursor"]
        if not page["has_more"]:
            assert cursor is not None
            return reports, cursor
    raise AssertionError("pull never finished")


async def test_each_crew_tablet_that_receives_a_restricted_report_is_an_audit_line(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    family = await make_unit(ctx, department="district_inspector", restricted_categories=["domestic_violence"])
    first, password_1 = await make_officer(ctx, unit=family, department="district_inspector")
    second, password_2 = await make_officer(ctx, unit=family, department="district_inspector")
    restricted = await assigned_report(ctx, family, category="domestic_violence", restricted=True)
    ordinary = await assigned_report(ctx, family, category="public_order")
    tablet_1 = bearer(await login(app_client, first.badge_number, password_1, device_id="tab-family-1"))
    tablet_2 = bearer(await login(app_client, second.badge_number, password_2, device_id="tab-family-2"))

    got, cursor_1 = await _pull_all(app_client, tablet_1, limit=1)  # page by page: one line per delivery
    assert {str(restricted.id), str(ordinary.id)} <= set(got)
    assert got[str(restricted.id)]["restricted"] is True
    (line,) = await _sync_lines(ctx, restricted.id)
    assert (line.actor_id, line.device_id, line.target_type) == (str(first.id), "tab-family-1", "report")
    assert line.actor_type == first.role and line.session_id is not None
    assert await _sync_lines(ctx, ordinary.id) == []  # an ordinary report's delivery costs nothing

    await _pull_all(app_client, tablet_2)
    lines = await _sync_lines(ctx, restricted.id)
    assert [(x.actor_id, x.device_id) for x in lines] == [(str(first.id), "tab-family-1"),
                                                          (str(second.id), "tab-family-2")]

    # a routine pull that carries nothing restricted writes nothing at all
    before = await _audit_count(ctx)
    _, cursor_1 = await _pull_all(app_client, tablet_1, cursor_1)
    assert await _audit_count(ctx) == before

    # the prosecutor reads in the report's own history whose tablets received it
    prosecutor, password = await make_officer(ctx, role="prosecutor")
    oversight = bearer(await login(app_client, prosecutor.badge_number, password))
    history = await app_client.get(f"/api/v1/dispatch/reports/{restricted.id}/history", headers=oversight)
    assert history.status_code == 200, history.text
    received = [(a["actor_id"], a["device_id"]) for a in history.json()["access"] if a["action"] == "report.sync"]
    assert received == [(str(first.id), "tab-family-1"), (str(second.id), "tab-family-2")]


async def test_a_pull_without_the_officers_request_still_names_the_officer(ctx: Context) -> None:
    """The service itself writes the line (the controller only adds the tablet and session): a caller in process
    (a job, a test tablet) leaves the officer named all the same."""
    from tests.sync.conftest import Tablet

    family = await make_unit(ctx, department="juvenile_police", restricted_categories=["child_incident"])
    officer, _ = await make_officer(ctx, unit=family, department="juvenile_police")
    report = await assigned_report(ctx, family, category="child_incident", restricted=True)
    tablet = Tablet(ctx, officer, family.id)
    await tablet.pull_all()
    assert str(report.id) in tablet.replica["reports"]
    (line,) = await _sync_lines(ctx, report.id)
    assert (line.actor_id, line.actor_type) == (str(officer.id), officer.role)
