"""An officer of any role changes their own password (`POST /api/v1/officer/me/password`), proving the current one.

Before: a password changed only by an admin's reset (never one's own) or the console: no officer could change
theirs, and the route answered 404.

The current password is checked as a login checks it, and a wrong one counts toward the badge's and the address's
login lockout (backend.officers.ratelimit), so a stolen access token cannot be used to guess the password. A change
goes through accounts.reset_password: every session ends, the one that made the change included (the tablet logs in
again with the new password)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.context import Context
from backend.officers import accounts, service
from backend.officers.locks import lock_officer
from backend.officers.models import Officer
from tests.helpers import until_lock_waiters
from tests.officers.factories import bearer, login_tokens, make_officer
from tests.officers.test_reset_race import _holding

# passwords set here hashed at the factories' cost (conftest cheap_hashing)
pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("cheap_hashing")]


CHANGE = "/api/v1/officer/me/password"
LOGIN = "/api/v1/officer/auth/login"
NEW_PASSWORD = "a-brand-new-password"
WRONG = "not-the-password-at-all"
ROLES = ("patrol_officer", "district_inspector", "dispatcher", "supervisor", "prosecutor", "admin")


async def _logged_in(ctx: Context, client: httpx.AsyncClient, role: str = "patrol_officer",
                     ) -> tuple[Officer, str, dict[str, str]]:
    officer, password = await make_officer(ctx, role=role)
    return officer, password, await login_tokens(client, officer.badge_number, password, f"tab-{uuid.uuid4().hex[:8]}")


async def _change(client: httpx.AsyncClient, tokens: dict[str, str], current: str, new: str,
                  **headers: str) -> httpx.Response:
    return await client.post(CHANGE, json={"current_password": current, "new_password": new},
                             headers={**bearer(tokens["access_token"]), **headers})


async def _login(client: httpx.AsyncClient, badge: str, password: str) -> httpx.Response:
    return await client.post(LOGIN, json={"badge_number": badge, "password": password, "device_id": "tab-later"})


async def _dead(client: httpx.AsyncClient, tokens: dict[str, str]) -> bool:
    """Whether the session's access and refresh tokens are both refused."""
    me = await client.get("/api/v1/officer/me", headers=bearer(tokens["access_token"]))
    again = await client.post("/api/v1/officer/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    return me.status_code == 401 and again.status_code == 401


async def _hash(ctx: Context, officer_id: uuid.UUID) -> str:
    async with ctx.sessions() as session:
        officer = await session.get(Officer, officer_id)
        assert officer is not None
        return officer.password_hash


async def _audit(ctx: Context, officer_id: uuid.UUID, action: str) -> list[AuditLog]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(AuditLog).where(col(AuditLog.action) == action,
                                                                 col(AuditLog.target_id) == str(officer_id))))


def _problem(answer: httpx.Response) -> tuple[int, Any, list[Any]]:
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
    body = answer.json()
    return answer.status_code, body.get("code"), [e["pointer"] for e in body.get("errors") or []]


@pytest.mark.parametrize("role", ROLES)
async def test_every_role_changes_their_own_password(ctx: Context, app_client: httpx.AsyncClient, role: str) -> None:
    officer, password, tokens = await _logged_in(ctx, app_client, role)
    other_tablet = await login_tokens(app_client, officer.badge_number, password, "tab-other")

    changed = await _change(app_client, tokens, password, NEW_PASSWORD)
    assert (changed.status_code, changed.json()) == (200, {"ok": True}), changed.text
    assert NEW_PASSWORD not in changed.text and password not in changed.text
    # every session ends, this one included: whoever knew the old password (or holds a token) is out everywhere
    assert await _dead(app_client, tokens)
    assert await _dead(app_client, other_tablet)
    assert (await _login(app_client, officer.badge_number, password)).status_code == 401
    assert (await _login(app_client, officer.badge_number, NEW_PASSWORD)).status_code == 200
    (line,) = await _audit(ctx, officer.id, "officer.password_change")
    assert (line.actor_type, line.actor_id, line.data) == ("officer", str(officer.id), {})
    assert line.device_id is not None and line.session_id is not None  # the tablet and session it came from
    assert await _audit(ctx, officer.id, "officer.password_reset") == []


@pytest.mark.parametrize("store", ["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def test_a_wrong_current_password_counts_toward_the_login_lockout(
        ctx: Context, app_client: httpx.AsyncClient, store: str) -> None:
    """A stolen access token gets no more guesses at the password than the login endpoint gives: the same five per
    badge, counted together with failed logins, and refused unchecked once spent."""
    assert (ctx.redis is not None) == (store == "redis")
    officer, password, tokens = await _logged_in(ctx, app_client)
    before = await _hash(ctx, officer.id)

    wrong = await _change(app_client, tokens, WRONG, NEW_PASSWORD)
    assert _problem(wrong) == (403, "officer.current_password_wrong", ["/current_password"])
    kazakh = await _change(app_client, tokens, WRONG, NEW_PASSWORD, **{"Accept-Language": "kk"})
    assert kazakh.json()["title"] == "Ағымдағы құпиясөз қате"
    russian = await _change(app_client, tokens, WRONG, NEW_PASSWORD, **{"Accept-Language": "ru"})
    assert russian.json()["title"] == "Текущий пароль указан неверно"
    assert not await _dead(app_client, tokens)  # a typo does not log the tablet out
    # two failed logins of the badge: five failures in all
    for _ in range(2):
        assert (await _login(app_client, officer.badge_number, WRONG)).status_code == 401

    locked = await _change(app_client, tokens, password, NEW_PASSWORD)
    assert _problem(locked)[:2] == (429, "rate_limited")
    assert int(locked.headers["retry-after"]) > 0
    assert (await _login(app_client, officer.badge_number, password)).status_code == 429
    assert await _hash(ctx, officer.id) == before
    assert len(await _audit(ctx, officer.id, "auth.fail")) == 5  # the three guesses here and the two logins
    assert await _audit(ctx, officer.id, "officer.password_change") == []
    assert not await _dead(app_client, tokens)


async def test_a_right_current_password_clears_the_badges_failures(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    """As a right password at login does: four typos and then the change leave the badge a full five tries."""
    officer, password, tokens = await _logged_in(ctx, app_client)
    for _ in range(4):
        assert (await _change(app_client, tokens, WRONG, NEW_PASSWORD)).status_code == 403
    assert (await _change(app_client, tokens, password, NEW_PASSWORD)).status_code == 200
    for _ in range(5):
        assert (await _login(app_client, officer.badge_number, WRONG)).status_code == 401
    assert (await _login(app_client, officer.badge_number, WRONG)).status_code == 429


@pytest.mark.parametrize(("new", "code"), [
    ("short-pass1", "officer.password_policy"),  # 11 characters: the console's policy asks for 12
    ("x" * 201, "officer.password_policy"),  # longer than a login takes
    (None, "officer.password_unchanged"),  # the current one again
])
async def test_the_new_password_passes_the_policy_and_differs(ctx: Context, app_client: httpx.AsyncClient,
                                                              new: str | None, code: str) -> None:
    """Refused with a pointer at the new password, before the current one is checked: such refusals spend none of
    the badge's tries, and nothing changes."""
    officer, password, tokens = await _logged_in(ctx, app_client)
    before = await _hash(ctx, officer.id)
    for _ in range(6):  # more than the badge's five tries
        refused = await _change(app_client, tokens, password, password if new is None else new)
        assert _problem(refused) == (422, code, ["/new_password"]), refused.text
    english = await _change(app_client, tokens, password, password if new is None else new,
                            **{"Accept-Language": "en"})
    assert english.json()["title"] in {"The password must be 12 to 200 characters long",
                                       "The new password must differ from the current one"}
    assert await _hash(ctx, officer.id) == before
    assert not await _dead(app_client, tokens)
    assert await _audit(ctx, officer.id, "auth.fail") == []
    assert (await _change(app_client, tokens, password, NEW_PASSWORD)).status_code == 200


async def test_a_missing_field_is_a_validation_problem(ctx: Context, app_client: httpx.AsyncClient) -> None:
    officer, password, tokens = await _logged_in(ctx, app_client)
    answer = await app_client.post(CHANGE, json={"new_password": NEW_PASSWORD},
                                   headers=bearer(tokens["access_token"]))
    assert _problem(answer) == (422, "validation.failed", ["/current_password"]), answer.text
    assert not await _dead(app_client, tokens)
    assert (await _login(app_client, officer.badge_number, password)).status_code == 200


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # row locks make the interleaving: PostgreSQL only
async def test_a_tablet_revoked_while_the_change_waits_changes_nothing(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    """The current password was right when checked, but an admin revoked the tablet before the change could write:
    whoever holds that tablet's token (it was stolen) does not get to lock the officer out with a password of
    theirs. The change writes under the officer's row lock and finds the session gone."""
    officer, password, tokens = await _logged_in(ctx, app_client)
    admin, admin_password = await make_officer(ctx, role="admin")
    await login_tokens(app_client, admin.badge_number, admin_password, "tab-admin")
    me = await app_client.get("/api/v1/officer/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    before = await _hash(ctx, officer.id)
    async with ctx.sessions() as session:
        (device_id,) = (await session.execute(select(AuditLog.device_id).where(  # type: ignore[call-overload]
            col(AuditLog.action) == "auth.login", col(AuditLog.actor_id) == str(officer.id)))).one()

    # FOR NO KEY UPDATE: stops the change's lock of the officer's row, not the revocation's writes
    async with _holding(ctx, select(col(Officer.id)).where(col(Officer.id) == officer.id)
                        .with_for_update(key_share=True)):
        changing = asyncio.create_task(_change(app_client, tokens, password, NEW_PASSWORD))
        await until_lock_waiters(ctx, 1, changing)
        async with ctx.sessions() as session:
            await service.revoke_device(session, device_id=device_id, by_officer=admin.id)
    answer = await changing

    assert _problem(answer)[:2] == (401, "officer.token_invalid"), answer.text
    assert await _hash(ctx, officer.id) == before
    assert await _audit(ctx, officer.id, "officer.password_change") == []
    assert (await _login(app_client, officer.badge_number, password)).status_code == 200


@pytest.mark.parametrize("by", ["self", "admin"])
async def test_a_changed_password_unlinks_the_duty_bot(ctx: Context, app_client: httpx.AsyncClient, by: str) -> None:
    """The duty bot's Telegram chat is a way in of its own (offers with addresses, accepting reports, shifts): one
    linked with a code a stolen access token asked for outlived every session the new password ended. A change or
    a reset unlinks the chat and voids a code not yet used; the officer links their own chat again, as their
    tablet logs in again.

    Before: the chat stayed linked, and a code asked for before the change could still be redeemed after it."""
    from bots.officer import service as duty

    officer, password, tokens = await _logged_in(ctx, app_client)

    async def link_code() -> str:
        issued = await app_client.post("/api/v1/officer/telegram/link-code", headers=bearer(tokens["access_token"]))
        assert issued.status_code == 201, issued.text
        code: str = issued.json()["code"]
        return code

    thief_chat, later_chat = 7_000_001, 7_000_002
    assert await duty.redeem_link_code(ctx, code=await link_code(), chat_id=thief_chat) is not None
    unused = await link_code()
    assert await duty.status(ctx, chat_id=thief_chat) is not None

    if by == "self":
        changed = await _change(app_client, tokens, password, NEW_PASSWORD)
    else:
        admin, admin_password = await make_officer(ctx, role="admin")
        admin_tokens = await login_tokens(app_client, admin.badge_number, admin_password, "tab-admin")
        changed = await app_client.post(f"/api/v1/officer/admin/officers/{officer.id}/password",
                                        json={"password": NEW_PASSWORD}, headers=bearer(admin_tokens["access_token"]))
    assert changed.status_code == 200, changed.text

    assert await duty.status(ctx, chat_id=thief_chat) is None
    assert await duty.redeem_link_code(ctx, code=unused, chat_id=later_chat) is None
    async with ctx.sessions() as session:
        assert await duty.officer_by_chat(session, thief_chat) is None
        assert await duty.officer_by_chat(session, later_chat) is None


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # row locks make the interleaving: PostgreSQL only
async def test_an_admin_reset_landing_while_the_change_waits_wins(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """The officer's own change checked the current password, and an admin's reset commits before the change can
    write: the change writes nothing (401, as for a session ended meanwhile) and the admin's password is the
    officer's. The other order needs nothing of its own: the reset, taken second, ends every session (an admin's
    If-Match sees the account changed)."""
    officer, password, tokens = await _logged_in(ctx, app_client)
    async with ctx.sessions() as admin:
        account = await accounts.by_id(admin, officer.id)
        assert account is not None
        await lock_officer(admin, officer.id)  # the reset holds the row (the admin API's, the console's) ...
        changing = asyncio.create_task(_change(app_client, tokens, password, NEW_PASSWORD))
        await until_lock_waiters(ctx, 1, changing)
        # ... and commits its new password while the change, its check done, waits for the row
        await accounts.reset_password(admin, account.officer, password="the-admins-new-one", actor_id="cli")
    answer = await changing

    assert _problem(answer)[:2] == (401, "officer.token_invalid"), answer.text
    assert await _audit(ctx, officer.id, "officer.password_change") == []
    assert (await _login(app_client, officer.badge_number, NEW_PASSWORD)).status_code == 401
    assert (await _login(app_client, officer.badge_number, "the-admins-new-one")).status_code == 200
