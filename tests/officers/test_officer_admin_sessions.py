"""`zan officers deactivate / reactivate / set-role / reset-password / move` against a live installation: what each
does to the officer's sessions, logins and shift, and the audit line it leaves.

Before: none of these commands existed (only SQL could change an account); an officer who left the police kept
logging in, and a patrol officer made a dispatcher kept the patrol sessions on their tablets."""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import anyio
import httpx
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.cli import main
from backend.context import Context
from backend.officers.models import Officer, Shift
from backend.sync.models import RoleTenure
from tests.officers.factories import bearer, login_tokens, make_officer, make_unit

pytestmark = pytest.mark.anyio

NEW_PASSWORD = "a-brand-new-password"


async def zan(ctx: Context, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
    """`zan officers ...` on the test's own database (in a thread: the command runs its own event loop); `env`:
    more of the installation's settings."""
    cleared: dict[str, str | None] = {name: None for name in os.environ if name.startswith("ZAN_")}
    env = {**cleared, "ZAN_DATABASE_URL": ctx.settings.database_url, "ZAN_VAR_DIR": str(ctx.settings.var_dir),
           "ZAN_SECRET_KEY": ctx.settings.secret_key, "ZAN_LOG_JSON": "false", **(env or {})}
    return await anyio.to_thread.run_sync(
        lambda: CliRunner().invoke(main, ["officers", *args], env=env, input=input))


def shown(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    account: dict[str, Any] = json.loads(result.output.strip().splitlines()[-1])
    return account


async def _logged_in(ctx: Context, client: httpx.AsyncClient,
                     **officer: Any) -> tuple[Officer, str, dict[str, str]]:
    """An officer (made by the factory, with `officer`'s fields), their password and a session of theirs."""
    row, password = await make_officer(ctx, **officer)
    return row, password, await login_tokens(client, row.badge_number, password, f"tab-{uuid.uuid4().hex[:10]}")


async def _refused(client: httpx.AsyncClient, tokens: dict[str, str]) -> None:
    """The session is dead: its access token and its refresh token are both refused."""
    assert (await client.get("/api/v1/officer/me", headers=bearer(tokens["access_token"]))).status_code == 401
    again = await client.post("/api/v1/officer/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 401 and again.json()["code"] == "officer.token_invalid"


async def _login(client: httpx.AsyncClient, badge: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/officer/auth/login",
                             json={"badge_number": badge, "password": password, "device_id": "tab-later"})


async def _audit(ctx: Context, officer_id: uuid.UUID, action: str) -> AuditLog:
    async with ctx.sessions() as session:
        (line,) = (await session.scalars(select(AuditLog).where(col(AuditLog.action) == action,
                                                                col(AuditLog.target_id) == str(officer_id)))).all()
    assert (line.actor_type, line.actor_id) == ("admin", "cli")
    return line


async def test_a_deactivated_officer_is_logged_out_and_cannot_log_in_until_reactivated(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    officer, password, tokens = await _logged_in(ctx, app_client)

    assert shown(await zan(ctx, "deactivate", "--badge", officer.badge_number, "--reason", "left the police"))[
        "active"] is False
    await _refused(app_client, tokens)
    refused = await _login(app_client, officer.badge_number, password)
    assert refused.status_code == 401 and refused.json()["code"] == "officer.bad_credentials"
    line = await _audit(ctx, officer.id, "officer.revoke")
    assert line.data == {"active": {"from": True, "to": False}, "reason": "left the police"}

    assert shown(await zan(ctx, "reactivate", "--badge", officer.badge_number))["active"] is True
    assert (await _login(app_client, officer.badge_number, password)).status_code == 200
    await _refused(app_client, tokens)  # the sessions it had stay dead
    assert (await _audit(ctx, officer.id, "officer.reactivate")).data == {"active": {"from": False, "to": True}}


async def test_set_role_ends_the_sessions_and_the_shift_and_keeps_the_role_left(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    unit = await make_unit(ctx, status="off_duty")
    officer, _, tokens = await _logged_in(ctx, app_client, unit=unit)
    started = await app_client.post("/api/v1/officer/shift/start", headers=bearer(tokens["access_token"]))
    assert started.status_code == 200, started.text

    after = shown(await zan(ctx, "set-role", "--badge", officer.badge_number, "--role", "dispatcher"))
    assert (after["role"], after["district"], after["unit"], after["scope"]) == (
        "dispatcher", "astana", unit.code, "region")
    await _refused(app_client, tokens)
    async with ctx.sessions() as session:
        # the field role left, for the field work the tablet queued before (on SQLite the ORM listener writes it)
        assert [t.role for t in await session.scalars(select(RoleTenure).where(
            col(RoleTenure.officer_id) == officer.id))] == ["patrol_officer"]
        shift = await session.scalar(select(Shift).where(col(Shift.officer_id) == officer.id))
        assert shift is not None and shift.ended_at is not None
    line = await _audit(ctx, officer.id, "officer.role")
    assert line.data == {"role": {"from": "patrol_officer", "to": "dispatcher"},
                         "district": {"from": "astana", "to": "astana"}}


async def test_a_password_reset_ends_every_session_and_the_old_password(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    officer, password, tokens = await _logged_in(ctx, app_client)

    # prompted twice, as `create` asks
    shown(await zan(ctx, "reset-password", "--badge", officer.badge_number,
                    input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"))
    await _refused(app_client, tokens)
    assert (await _login(app_client, officer.badge_number, password)).status_code == 401
    assert (await _login(app_client, officer.badge_number, NEW_PASSWORD)).status_code == 200
    assert (await _audit(ctx, officer.id, "officer.password_reset")).data == {}  # no password material


@pytest.mark.redis
async def test_a_password_reset_lifts_the_lockout_of_the_forgotten_one(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    """An officer who forgot the password and tried it five times is locked out for 15 minutes: the reset that gives
    them a new one lets them in at once (the counters in Redis, shared by the API and the command)."""
    officer, _ = await make_officer(ctx)
    for _ in range(5):
        await _login(app_client, officer.badge_number, "not-the-password-at-all")
    assert (await _login(app_client, officer.badge_number, "not-the-password-at-all")).status_code == 429
    assert ctx.settings.redis_url is not None
    shown(await zan(ctx, "reset-password", "--badge", officer.badge_number,
                    input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
                    env={"ZAN_REDIS_URL": ctx.settings.redis_url, "ZAN_REDIS_PREFIX": ctx.settings.redis_prefix}))
    assert (await _login(app_client, officer.badge_number, NEW_PASSWORD)).status_code == 200


async def test_a_move_ends_the_shift_in_the_old_unit_and_keeps_the_session(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    old, new = await make_unit(ctx, status="off_duty"), await make_unit(ctx)
    officer, _, tokens = await _logged_in(ctx, app_client, unit=old)
    assert (await app_client.post("/api/v1/officer/shift/start",
                                  headers=bearer(tokens["access_token"]))).status_code == 200

    assert shown(await zan(ctx, "move", "--badge", officer.badge_number, "--unit", new.code))["unit"] == new.code
    me = await app_client.get("/api/v1/officer/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200 and me.json()["unit_id"] == str(new.id)
    unit = await app_client.get("/api/v1/officer/unit", headers=bearer(tokens["access_token"]))
    assert unit.json()["code"] == new.code
    async with ctx.sessions() as session:
        shift = await session.scalar(select(Shift).where(col(Shift.officer_id) == officer.id))
        assert shift is not None and shift.ended_at is not None
    assert (await _audit(ctx, officer.id, "officer.unit")).data == {"unit": {"from": old.code, "to": new.code}}


async def test_a_deactivation_unlinks_the_duty_bot_chat_for_good(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """The duty bot's chat is a way in of its own (urgent offers with addresses, accepting reports). A deactivation
    left it linked: refused while the account was off, it came back with a reactivation months later, whoever holds
    that Telegram account by then. Now a deactivation unlinks it (and voids a code not yet redeemed), as a password
    reset does; the reactivated officer links again."""
    officer, _, tokens = await _logged_in(ctx, app_client)
    code = await app_client.post("/api/v1/officer/telegram/link-code", headers=bearer(tokens["access_token"]))
    assert code.status_code == 201, code.text
    async with ctx.sessions() as session:  # linked earlier, and a new code asked for since (a phone changed)
        row = await session.get(Officer, officer.id)
        assert row is not None and row.telegram_link_code_hash is not None
        row.telegram_chat_id = 7_000_000 + (officer.id.int % 1_000_000)
        await session.commit()

    shown(await zan(ctx, "deactivate", "--badge", officer.badge_number, "--reason", "suspended"))
    shown(await zan(ctx, "reactivate", "--badge", officer.badge_number))
    async with ctx.sessions() as session:
        after = await session.get(Officer, officer.id)
    assert after is not None and after.active
    assert (after.telegram_chat_id, after.telegram_link_code_hash, after.telegram_link_expires_at) == (None, None, None)
