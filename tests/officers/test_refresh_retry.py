"""Refresh-token rotation on tablets that lose the network: a retry of the previous generation shortly after the
rotation (the response was lost) gets the current generation back instead of logging the officer out, while real
reuse (older tokens, or the previous one long after) still revokes the whole session."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from backend.audit.models import AuditLog
from backend.context import Context
from backend.lib.clock import utcnow
from backend.officers.models import Device, Officer, OfficerSession
from backend.officers.service import REFRESH_REUSE_GRACE_S
from tests.helpers import until_lock_waiters
from tests.officers.factories import bearer, login, login_tokens, make_officer

pytestmark = pytest.mark.anyio

REFRESH = "/api/v1/officer/auth/refresh"


async def _refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(REFRESH, json={"refresh_token": refresh_token})


async def _rotate(client: httpx.AsyncClient, refresh_token: str) -> dict[str, Any]:
    response = await _refresh(client, refresh_token)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _logged_in(client: httpx.AsyncClient, ctx: Context,
                     device_id: str = "tab-retry") -> tuple[Officer, dict[str, Any]]:
    officer, password = await make_officer(ctx)
    return officer, await login_tokens(client, officer.badge_number, password, device_id)


async def _session_of(ctx: Context, officer_id: uuid.UUID) -> OfficerSession:
    async with ctx.sessions() as session:
        row = await session.scalar(select(OfficerSession).where(OfficerSession.officer_id == officer_id))  # type: ignore[arg-type]
    assert row is not None
    return row


async def _move_last_rotation_back(ctx: Context, session_id: uuid.UUID, seconds: float) -> datetime:
    """As if the retry arrived `seconds` after the rotation (the window is tested without sleeping through it)."""
    at = utcnow() - timedelta(seconds=seconds)
    async with ctx.sessions() as session:
        await session.execute(update(OfficerSession).where(OfficerSession.id == session_id)  # type: ignore[arg-type]
                              .values(refreshed_at=at))
        await session.commit()
    return at


async def _actions(ctx: Context, session_id: uuid.UUID) -> list[str]:
    async with ctx.sessions() as session:
        return list(await session.scalars(
            select(AuditLog.action).where(AuditLog.target_type == "session",  # type: ignore[call-overload]
                                          AuditLog.target_id == str(session_id)).order_by(AuditLog.at)
        ))


async def _works(client: httpx.AsyncClient, access_token: str) -> bool:
    return (await client.get("/api/v1/officer/me", headers=bearer(access_token))).status_code == 200


def _assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "officer.token_invalid"


@pytest.mark.parametrize("continue_with", ["lost_response", "retry_response"])
async def test_retry_of_the_previous_generation_inside_the_window_keeps_the_session(
        app_client: httpx.AsyncClient, ctx: Context, continue_with: str) -> None:
    officer, first = await _logged_in(app_client, ctx)
    lost = await _rotate(app_client, first["refresh_token"])  # generation 1 → 2; the tablet never sees this answer
    rotated = await _session_of(ctx, officer.id)
    assert rotated.generation == 2

    retry = await _refresh(app_client, first["refresh_token"])
    assert retry.status_code == 200, retry.text
    again = retry.json()
    assert await _works(app_client, again["access_token"])
    assert await _works(app_client, lost["access_token"])  # the session was not revoked
    after = await _session_of(ctx, officer.id)
    assert after.revoked_at is None and after.generation == 2  # no second rotation
    assert after.refreshed_at == rotated.refreshed_at  # a retry does not slide the window
    assert await _actions(ctx, after.id) == ["auth.login", "auth.refresh_retry"]

    # the tablet carries on with whichever generation-2 token it holds: a normal rotation to generation 3
    token = lost["refresh_token"] if continue_with == "lost_response" else again["refresh_token"]
    following = await _rotate(app_client, token)
    assert await _works(app_client, following["access_token"])
    final = await _session_of(ctx, officer.id)
    assert final.revoked_at is None and final.generation == 3


async def test_a_retry_does_not_extend_the_window(app_client: httpx.AsyncClient, ctx: Context) -> None:
    """Otherwise a stolen previous-generation token could be replayed every minute forever without detection: the
    window closes at rotation + REFRESH_REUSE_GRACE_S however many retries came inside it."""
    officer, first = await _logged_in(app_client, ctx)
    await _rotate(app_client, first["refresh_token"])
    sess = await _session_of(ctx, officer.id)
    rotated_at = await _move_last_rotation_back(ctx, sess.id, REFRESH_REUSE_GRACE_S - 10)  # 10 s of window left
    assert (await _refresh(app_client, first["refresh_token"])).status_code == 200
    assert (await _session_of(ctx, officer.id)).refreshed_at == rotated_at  # the retry did not restart the window
    # the window's end passes (moved in the database rather than slept through: a loaded CI machine can stall for
    # seconds); a sliding window would have been restarted by the retry above and still be open
    await _move_last_rotation_back(ctx, sess.id, REFRESH_REUSE_GRACE_S + 1)
    _assert_refused(await _refresh(app_client, first["refresh_token"]))
    assert (await _session_of(ctx, officer.id)).revoked_reason == "refresh_reuse"


async def test_a_token_two_generations_old_revokes_the_session(app_client: httpx.AsyncClient, ctx: Context) -> None:
    officer, first = await _logged_in(app_client, ctx)
    second = await _rotate(app_client, first["refresh_token"])
    third = await _rotate(app_client, second["refresh_token"])  # still well inside the window of the last rotation

    _assert_refused(await _refresh(app_client, first["refresh_token"]))
    sess = await _session_of(ctx, officer.id)
    assert sess.revoked_at is not None and sess.revoked_reason == "refresh_reuse"
    assert not await _works(app_client, third["access_token"])
    _assert_refused(await _refresh(app_client, third["refresh_token"]))
    assert "auth.refresh_retry" not in await _actions(ctx, sess.id)


async def test_the_previous_generation_after_the_window_revokes_the_session(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    officer, first = await _logged_in(app_client, ctx)
    second = await _rotate(app_client, first["refresh_token"])
    sess = await _session_of(ctx, officer.id)
    await _move_last_rotation_back(ctx, sess.id, REFRESH_REUSE_GRACE_S + 1)

    _assert_refused(await _refresh(app_client, first["refresh_token"]))
    revoked = await _session_of(ctx, officer.id)
    assert revoked.revoked_at is not None and revoked.revoked_reason == "refresh_reuse"
    assert not await _works(app_client, second["access_token"])
    _assert_refused(await _refresh(app_client, second["refresh_token"]))


@pytest.mark.parametrize("how", ["logout", "device_revoked", "officer_revoked", "device_flag_only",
                                 "officer_flag_only"])
async def test_a_retry_inside_the_window_is_refused_once_access_is_withdrawn(
        app_client: httpx.AsyncClient, ctx: Context, how: str) -> None:
    """The window forgives a lost response, never a revocation. The *_flag_only cases set the device/officer flag
    without revoking the session rows, so refresh's own device and officer checks are what refuses the retry."""
    officer, first = await _logged_in(app_client, ctx, device_id="tab-withdrawn")
    second = await _rotate(app_client, first["refresh_token"])
    sess = await _session_of(ctx, officer.id)
    if how == "logout":
        assert (await app_client.post("/api/v1/officer/auth/logout",
                                      headers=bearer(second["access_token"]))).status_code == 200
    elif how in ("device_revoked", "officer_revoked"):
        admin, admin_pw = await make_officer(ctx, role="admin")
        admin_h = bearer(await login(app_client, admin.badge_number, admin_pw))
        done = (await app_client.post("/api/v1/officer/admin/devices/revoke", json={"device_id": "tab-withdrawn"},
                                      headers=admin_h) if how == "device_revoked" else
                await app_client.post(f"/api/v1/officer/admin/officers/{officer.id}/revoke", headers=admin_h,
                                      json={"reason": "left the police"}))
        assert done.status_code == 200
    else:
        async with ctx.sessions() as session:
            if how == "device_flag_only":
                await session.execute(update(Device).where(Device.id == sess.device_pk)  # type: ignore[arg-type]
                                      .values(revoked_at=utcnow()))
            else:
                await session.execute(update(Officer).where(Officer.id == officer.id)  # type: ignore[arg-type]
                                      .values(active=False))
            await session.commit()

    _assert_refused(await _refresh(app_client, first["refresh_token"]))
    assert "auth.refresh_retry" not in await _actions(ctx, sess.id)


@asynccontextmanager
async def _session_row_locked(ctx: Context, session_id: uuid.UUID) -> AsyncIterator[None]:
    """Hold the session row's lock (PostgreSQL FOR UPDATE; SQLite's BEGIN IMMEDIATE write lock) until the block ends,
    so that requests started inside the block all queue on it and then run one after another."""
    async with ctx.sessions() as session:
        await session.execute(select(OfficerSession.id).where(OfficerSession.id == session_id)  # type: ignore[call-overload]
                              .with_for_update())
        yield
        await session.commit()


async def _wait_until_waiting_on_locks(ctx: Context, count: int) -> None:
    if ctx.engine.dialect.name != "postgresql":
        # SQLite: a second connection cannot even look while the write lock is held; give the requests time to queue
        await asyncio.sleep(0.3)
        return
    await until_lock_waiters(ctx, count)


async def _two_refreshes_at_once(app_client: httpx.AsyncClient, ctx: Context, session_id: uuid.UUID,
                                 refresh_token: str) -> list[httpx.Response]:
    """Two refreshes with the same token, both queued on the session row's lock before either runs, and each
    answer asserted 200."""
    async with _session_row_locked(ctx, session_id):
        sends = [asyncio.create_task(_refresh(app_client, refresh_token)) for _ in range(2)]
        await _wait_until_waiting_on_locks(ctx, 2)
    answers = list(await asyncio.gather(*sends))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    return answers


async def test_concurrent_retries_of_the_old_token_both_get_the_current_generation(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    officer, first = await _logged_in(app_client, ctx)
    await _rotate(app_client, first["refresh_token"])
    sess = await _session_of(ctx, officer.id)

    answers = await _two_refreshes_at_once(app_client, ctx, sess.id, first["refresh_token"])
    for answer in answers:
        assert await _works(app_client, answer.json()["access_token"])
    after = await _session_of(ctx, officer.id)
    assert after.revoked_at is None and after.generation == 2
    assert await _actions(ctx, sess.id) == ["auth.login", "auth.refresh_retry", "auth.refresh_retry"]
    # and either answer's refresh token rotates on normally
    assert (await _rotate(app_client, answers[1].json()["refresh_token"]))["access_token"]


async def test_a_resent_refresh_racing_the_original_rotates_once(app_client: httpx.AsyncClient, ctx: Context) -> None:
    """The tablet gives up waiting and resends while the first request is still in flight: the row lock makes the
    second one see the first one's rotation, and the window turns it into a retry instead of a reuse."""
    officer, first = await _logged_in(app_client, ctx)
    sess = await _session_of(ctx, officer.id)

    await _two_refreshes_at_once(app_client, ctx, sess.id, first["refresh_token"])
    after = await _session_of(ctx, officer.id)
    assert after.revoked_at is None and after.generation == 2
    assert await _actions(ctx, sess.id) == ["auth.login", "auth.refresh_retry"]
    async with ctx.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OfficerSession)) == 1
