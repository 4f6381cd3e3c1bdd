"""A request authenticated just before its officer's access was withdrawn does not write what the withdrawal undoes.

Every request checks the session once, at its start (backend.officers.auth.authenticate). A password reset voids
the duty bot's link code and a deactivation ends the open shift, but a link-code request or a shift start that had
already passed that check and committed after the withdrawal wrote its code or its shift all the same: a stolen
access token asking for link codes over and over while the officer's password was reset came away with a code that
linked the thief's Telegram chat (urgent offers with addresses, accepting reports) for good, and a deactivated
officer's unit was put back on duty with nobody to work it.

Before: both answered 201/200 and wrote. Now both hold the officer's row (which the reset, the deactivation and a
role change take first) and read the session again under it: 401 officer.token_invalid and nothing is written.

The interleavings are made with real row locks, waited for by watching PostgreSQL's lock waits (pg_stat_activity).
PostgreSQL only: on SQLite every transaction begins IMMEDIATE (backend.db), so the request's own authentication
already waits for the withdrawal's commit and sees it.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from backend.context import Context
from backend.officers import accounts, admins, field, service
from backend.officers.auth import Role
from backend.officers.locks import lock_officer
from backend.officers.models import Officer, Unit
from tests.helpers import until_lock_waiters
from tests.officers.factories import bearer, login_tokens, make_officer, make_unit

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    """Row locks are what is tested: PostgreSQL only (see the module's docstring)."""
    return str(request.getfixturevalue("pg_url"))


def _refused(answer: httpx.Response) -> None:
    assert answer.headers["content-type"].startswith("application/problem+json"), answer.text
    assert (answer.status_code, answer.json()["code"]) == (401, "officer.token_invalid"), answer.text


async def test_a_link_code_asked_for_while_a_reset_lands_is_not_issued(ctx: Context,
                                                                       app_client: httpx.AsyncClient) -> None:
    from bots.officer import service as duty

    officer, password = await make_officer(ctx)
    tokens = await login_tokens(app_client, officer.badge_number, password, f"tab-{uuid.uuid4().hex[:8]}")
    async with ctx.sessions() as admin:
        account = await accounts.by_id(admin, officer.id)
        assert account is not None
        await lock_officer(admin, officer.id)  # the reset holds the row (the admin API's, the console's) ...
        asking = asyncio.create_task(app_client.post("/api/v1/officer/telegram/link-code",
                                                     headers=bearer(tokens["access_token"])))
        await until_lock_waiters(ctx, 1, asking)
        # ... and commits while the link-code request, authenticated already, waits for the row
        await accounts.reset_password(admin, account.officer, password="the-admins-new-one", actor_id="cli")
    answer = await asking

    code = answer.json().get("code") if answer.status_code == 201 else None
    if code is not None:  # what the thief would do with it
        assert await duty.redeem_link_code(ctx, code=code, chat_id=7_000_003) is None
    _refused(answer)
    async with ctx.sessions() as session:
        after = await session.get(Officer, officer.id)
        assert after is not None
        assert (after.telegram_link_code_hash, after.telegram_chat_id) == (None, None)


@pytest.mark.parametrize("how", ["deactivated", "role_changed"])
async def test_a_shift_start_racing_the_withdrawal_opens_no_shift(ctx: Context, app_client: httpx.AsyncClient,
                                                                  how: str) -> None:
    unit = await make_unit(ctx, status="off_duty")
    officer, password = await make_officer(ctx, unit=unit)
    tokens = await login_tokens(app_client, officer.badge_number, password, f"tab-{uuid.uuid4().hex[:8]}")
    async with ctx.sessions() as admin:
        await admins.hold(admin, officer.id)  # as the admin API and the console hold the account they change
        starting = asyncio.create_task(app_client.post("/api/v1/officer/shift/start",
                                                       headers=bearer(tokens["access_token"])))
        await until_lock_waiters(ctx, 1, starting)
        if how == "deactivated":
            await service.revoke_officer(admin, officer_id=officer.id, by_officer=service.CONSOLE, reason="left")
        else:
            account = await accounts.by_id(admin, officer.id)
            assert account is not None
            assert await accounts.set_role(admin, account, role=Role.DISPATCHER, district=None,
                                           national=False, actor_id=service.CONSOLE)
    answer = await starting

    _refused(answer)
    async with ctx.sessions() as session:
        assert await field.open_shift(session, officer.id) is None
        after = await session.get(Unit, unit.id)
        assert after is not None and after.status == "off_duty"
