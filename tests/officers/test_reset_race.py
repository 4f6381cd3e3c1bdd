"""A login that verified the old password while `zan officers reset-password` commits keeps no session.

Before: the login read the officer's hash, verified it (argon2: half a second) and created its session in a
transaction that held no lock on the officer. A reset committing between the hash check and the session's commit
revoked every session existing then; the one created right after survived, for whoever knew the old password.

The interleavings are made with real row locks held by a third connection, and waited for by watching PostgreSQL's
lock waits (pg_stat_activity), never by sleeping. PostgreSQL only: on SQLite every transaction begins IMMEDIATE
(backend.db), so the login holds the database's write lock from its hash read to its commit and a reset cannot
interleave at all.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from backend.context import Context
from backend.officers.accounts import by_badge, reset_password
from backend.officers.models import Device, Officer, OfficerSession
from tests.helpers import until_lock_waiters
from tests.officers.factories import bearer, login_tokens, make_officer

pytestmark = pytest.mark.anyio

NEW_PASSWORD = "a-brand-new-password"


@pytest.fixture(params=["postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Row locks are what is tested: PostgreSQL only (see the module's docstring)."""
    return str(request.getfixturevalue("pg_url"))


@asynccontextmanager
async def _holding(ctx: Context, statement: object) -> AsyncIterator[AsyncConnection]:
    """A third connection holding the row locks `statement` takes, until the block ends."""
    async with ctx.engine.connect() as holder:
        await holder.execute(statement)  # type: ignore[call-overload]
        try:
            yield holder
        finally:
            await holder.rollback()


def _login(client: httpx.AsyncClient, badge: str, password: str, device_id: str) -> asyncio.Task[httpx.Response]:
    return asyncio.create_task(client.post("/api/v1/officer/auth/login", json={
        "badge_number": badge, "password": password, "device_id": device_id}))


async def _reset(ctx: Context, badge: str) -> None:
    """What `zan officers reset-password` does to the database (accounts.reset_password, as the command calls it)."""
    async with ctx.sessions() as session:
        account = await by_badge(session, badge)
        assert account is not None
        await reset_password(session, account.officer, password=NEW_PASSWORD, actor_id="cli")


async def _live_sessions(ctx: Context, officer_id: uuid.UUID) -> list[OfficerSession]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(OfficerSession).where(
            col(OfficerSession.officer_id) == officer_id, col(OfficerSession.revoked_at).is_(None))))


async def test_a_session_created_after_the_reset_revoked_the_others_is_revoked_too(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    """The login verified the old password before the reset began, and its session is committed after the reset
    revoked the officer's sessions: the reset waits for it and revokes it too."""
    officer, password = await make_officer(ctx)
    earlier = await login_tokens(app_client, officer.badge_number, password, "tab-enrolled")
    async with ctx.sessions() as session:
        tablet = await session.scalar(select(col(Device.id)).where(col(Device.device_id) == "tab-enrolled"))

    # the login stops at its tablet's row (it records when the tablet was last seen), after its hash check
    async with _holding(ctx, select(col(Device.id)).where(col(Device.id) == tablet).with_for_update()):
        logging_in = _login(app_client, officer.badge_number, password, "tab-enrolled")
        await until_lock_waiters(ctx, 1, logging_in)
        resetting = asyncio.create_task(_reset(ctx, officer.badge_number))
        # the reset runs to its commit, or waits for the login (the fix): either way it is as far as it gets
        await until_lock_waiters(ctx, 2, resetting, logging_in)
    answer, _ = await asyncio.gather(logging_in, resetting)

    assert answer.status_code == 200, answer.text  # the password was right when it was checked
    assert await _live_sessions(ctx, officer.id) == []
    for tokens in (earlier, answer.json()):
        assert (await app_client.get("/api/v1/officer/me", headers=bearer(tokens["access_token"]))).status_code == 401
    # the new password works
    await login_tokens(app_client, officer.badge_number, NEW_PASSWORD, "tab-enrolled")


async def test_a_login_whose_hash_check_passed_before_the_reset_committed_is_refused(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    """The login read the old hash before the reset committed and goes on after it: it is refused as a wrong
    password would be, and no session of it is left."""
    officer, password = await make_officer(ctx)
    # FOR KEY SHARE (what a foreign key check takes) stops whoever locks the officer's row for update, as a login
    # does after its hash check (and, before the fix, when it enrolled a new tablet), but not the reset's update of
    # the password hash, which changes no key column
    async with _holding(ctx, select(col(Officer.id)).where(col(Officer.id) == officer.id)
                        .with_for_update(read=True, key_share=True)):
        logging_in = _login(app_client, officer.badge_number, password, "tab-new")
        await until_lock_waiters(ctx, 1, logging_in)
        await _reset(ctx, officer.badge_number)
    answer = await logging_in

    assert answer.status_code == 401, answer.text
    assert answer.json()["code"] == "officer.bad_credentials"
    assert await _live_sessions(ctx, officer.id) == []
