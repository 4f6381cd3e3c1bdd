"""An officer's audit lines say from which enrolled tablet, login session and address they came: what a prosecutor
asks of every action ("who did what, when, from which device"), and what tells a stolen tablet's actions from its
owner's others. Before, no line an officer's request wrote named the tablet, and most not even the address."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.audit.service import record
from backend.context import Context
from tests.officers.factories import bearer, login_tokens, make_officer, make_unit

pytestmark = pytest.mark.anyio

LOGIN = "/api/v1/officer/auth/login"


async def _lines(ctx: Context, action: str) -> list[AuditLog]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(AuditLog).where(col(AuditLog.action) == action)
                                          .order_by(col(AuditLog.at), col(AuditLog.id))))


async def _session_of(ctx: Context, officer_id: uuid.UUID, device_id: str) -> str:
    """The login session the officer opened on `device_id` (the target of its `auth.login` line)."""
    logins = [line for line in await _lines(ctx, "auth.login")
              if line.actor_id == str(officer_id) and line.data.get("device_id") == device_id]
    assert len(logins) == 1 and logins[0].target_id is not None
    return logins[0].target_id


async def test_an_officers_actions_name_their_tablet_session_and_address(app_client: httpx.AsyncClient,
                                                                         ctx: Context) -> None:
    unit = await make_unit(ctx, status="off_duty")
    officer, password = await make_officer(ctx, unit=unit)
    first = await login_tokens(app_client, officer.badge_number, password, "tab-own-1")
    second = await login_tokens(app_client, officer.badge_number, password, "tab-own-2")
    on_first, on_second = bearer(first["access_token"]), bearer(second["access_token"])

    assert (await app_client.post("/api/v1/officer/shift/start", headers=on_first)).status_code == 200
    status = await app_client.post("/api/v1/officer/unit/status", json={"status": "busy"}, headers=on_second)
    assert status.status_code == 200
    assert (await app_client.post("/api/v1/officer/auth/logout", headers=on_second)).status_code == 200

    first_sid = await _session_of(ctx, officer.id, "tab-own-1")
    second_sid = await _session_of(ctx, officer.id, "tab-own-2")
    assert first_sid != second_sid
    [shift] = await _lines(ctx, "shift.start")
    assert (shift.device_id, shift.session_id, shift.ip) == ("tab-own-1", first_sid, "127.0.0.1")
    [unit_status] = await _lines(ctx, "unit.status")
    assert (unit_status.device_id, unit_status.session_id, unit_status.ip) == ("tab-own-2", second_sid, "127.0.0.1")
    [logout] = await _lines(ctx, "auth.logout")
    assert (logout.device_id, logout.session_id) == ("tab-own-2", second_sid)
    # the login itself, before any session existed, names them too
    logins = {line.device_id: line.session_id for line in await _lines(ctx, "auth.login")}
    assert logins == {"tab-own-1": first_sid, "tab-own-2": second_sid}


async def test_other_domains_lines_and_an_admins_revocation_are_stamped_too(app_client: httpx.AsyncClient,
                                                                             ctx: Context) -> None:
    """The stamp is made where every line is written, so a domain that audits an officer's read (the ledger's
    head, here) names the tablet without passing it; the revoked officer's own tablet is not the admin's."""
    prosecutor, ppw = await make_officer(ctx, role="prosecutor")
    oversight = await login_tokens(app_client, prosecutor.badge_number, ppw, "tab-prosecutor")
    head = await app_client.get("/api/v1/ledger/head", headers=bearer(oversight["access_token"]))
    assert head.status_code == 200, head.text
    [read] = await _lines(ctx, "ledger.head")
    assert (read.actor_id, read.device_id) == (str(prosecutor.id), "tab-prosecutor")
    assert read.session_id == await _session_of(ctx, prosecutor.id, "tab-prosecutor")

    admin, apw = await make_officer(ctx, role="admin")
    console = await login_tokens(app_client, admin.badge_number, apw, "console-admin")
    officer, password = await make_officer(ctx)
    await login_tokens(app_client, officer.badge_number, password, "tab-stolen")
    revoked = await app_client.post("/api/v1/officer/admin/devices/revoke", json={"device_id": "tab-stolen"},
                                    headers=bearer(console["access_token"]))
    assert revoked.status_code == 200
    [revocation] = await _lines(ctx, "device.revoke")
    assert revocation.data == {"device_id": "tab-stolen"}  # what was revoked
    assert (revocation.device_id, revocation.ip) == ("console-admin", "127.0.0.1")  # from where


async def test_failed_logins_name_the_tablet_tried(app_client: httpx.AsyncClient, ctx: Context) -> None:
    officer, _ = await make_officer(ctx)
    wrong = await app_client.post(LOGIN, json={"badge_number": officer.badge_number, "password": "guess-1",
                                               "device_id": "tab-guesser"})
    assert wrong.status_code == 401
    unknown = await app_client.post(LOGIN, json={"badge_number": "NO-SUCH-1", "password": "guess-2",
                                                 "device_id": "tab-guesser"})
    assert unknown.status_code == 401
    fails = await _lines(ctx, "auth.fail")
    assert [(f.target_id, f.device_id, f.ip) for f in fails] == [(str(officer.id), "tab-guesser", "127.0.0.1"),
                                                                  (None, "tab-guesser", "127.0.0.1")]
    assert all("NO-SUCH-1" not in str(f.data) for f in fails)  # the badge typed is never kept


async def test_a_line_written_after_the_request_names_no_tablet(app_client: httpx.AsyncClient,
                                                                ctx: Context) -> None:
    """The in-process ASGI client runs requests in the test's own task, as a job started by a request would
    inherit its context: a line the officer is the actor of, written after that request ended, is not stamped
    with the tablet of a request that is over, nor is a line of another actor during it."""
    officer, password = await make_officer(ctx)
    tokens = await login_tokens(app_client, officer.badge_number, password, "tab-earlier")
    assert (await app_client.get("/api/v1/officer/me", headers=bearer(tokens["access_token"]))).status_code == 200
    async with ctx.sessions() as session:
        late = await record(session, actor_type="system", actor_id=officer.id, action="test.later",
                            target_type="officer", target_id=officer.id)
        await session.commit()
    assert (late.device_id, late.session_id, late.ip) == (None, None, None)


async def test_a_stolen_refresh_token_names_the_session_and_tablet_it_killed(app_client: httpx.AsyncClient,
                                                                             ctx: Context) -> None:
    officer, password = await make_officer(ctx)
    first = await login_tokens(app_client, officer.badge_number, password, "tab-robbed")
    refresh = "/api/v1/officer/auth/refresh"
    second = await app_client.post(refresh, json={"refresh_token": first["refresh_token"]})
    third = await app_client.post(refresh, json={"refresh_token": second.json()["refresh_token"]})
    assert (second.status_code, third.status_code) == (200, 200)
    replayed = await app_client.post(refresh, json={"refresh_token": first["refresh_token"]})  # two generations old
    assert replayed.status_code == 401
    [reuse] = await _lines(ctx, "auth.refresh_reuse")
    sid = await _session_of(ctx, officer.id, "tab-robbed")
    assert (reuse.target_id, reuse.session_id, reuse.device_id) == (sid, sid, "tab-robbed")
