"""A new password (the admin API's and `zan officers reset-password`) and a reactivation take no admin away, so they
hold the officer's row alone: not the rows of the other admins of the officer's jurisdiction, which the last-admin
rule (backend.officers.admins.hold) holds for a change that may take one away. PostgreSQL: SQLite serialises
writers anyway.

Before: a reset of an admin's password (its check before the hash as well as the change) held the row of every
active admin answering for their region, so it waited for any change of any of them."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.officers.models import Officer
from tests.helpers import until_lock_waiters
from tests.officers.factories import make_officer
from tests.officers.test_officer_admin_api import ADMIN, KARAGANDA, _national_admin
from tests.officers.test_officer_admin_sessions import zan
from tests.officers.test_reset_race import _holding

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("db_url", ["postgres"], indirect=True)]


@pytest.mark.parametrize("by", ["api", "console"])
async def test_a_password_reset_waits_for_no_other_admin(ctx: Context, app_client: httpx.AsyncClient,
                                                         by: str) -> None:
    _, national = await _national_admin(ctx, app_client)
    admin, _ = await make_officer(ctx, role="admin", district=KARAGANDA)
    other, _ = await make_officer(ctx, role="admin", district=KARAGANDA)
    new_password = "Новый-пароль-2026"

    async with _holding(ctx, select(col(Officer.id)).where(col(Officer.id) == other.id).with_for_update()):
        reset = asyncio.create_task(
            app_client.post(f"{ADMIN}/{admin.id}/password", json={"password": new_password}, headers=national)
            if by == "api" else
            zan(ctx, "reset-password", "--badge", admin.badge_number, "--password", new_password))
        # returns once the reset is done, or once it waits on a lock (then it is not done)
        await until_lock_waiters(ctx, 1, reset)
        assert reset.done()
    done = await reset
    assert (done.status_code if isinstance(done, httpx.Response) else done.exit_code) in (200, 0)


async def test_a_reactivation_waits_for_no_other_admin(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """An active admin's reactivation (which changes nothing) as well."""
    _, national = await _national_admin(ctx, app_client)
    admin, _ = await make_officer(ctx, role="admin", district=KARAGANDA)
    other, _ = await make_officer(ctx, role="admin", district=KARAGANDA)

    async with _holding(ctx, select(col(Officer.id)).where(col(Officer.id) == other.id).with_for_update()):
        reactivated = asyncio.create_task(app_client.post(f"{ADMIN}/{admin.id}/reactivate", headers=national))
        await until_lock_waiters(ctx, 1, reactivated)
        assert reactivated.done()
    assert (await reactivated).status_code == 200
