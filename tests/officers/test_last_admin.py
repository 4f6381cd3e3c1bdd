"""A region (or, for national admins, the country) keeps an active admin (backend.officers.admins): the admin API and
`zan officers ...` refuse a deactivation, a demotion or a move that would take the last one away (409
officer.last_admin; one line and exit 1), the console goes ahead with `--force` and says so in the audit line, and
two admins demoting each other at once do not both succeed.

Before: only one's own account was protected. A national admin (or the console) could deactivate, demote or move
away a region's only admin, and two admins of a region could demote each other at the same moment, leaving the
region with no one to administer it."""

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
from backend.officers.models import Officer
from tests.officers.factories import make_officer
from tests.officers.test_officer_admin_api import ADMIN, KARAGANDA, REASON, _admin, _national_admin
from tests.officers.test_officer_admin_sessions import shown, zan
from tests.officers.test_reset_race import _holding, _until_waiting

pytestmark = pytest.mark.anyio

NURA = "nurinskiy"  # another district of Karaganda region


async def _state(ctx: Context, officer_id: uuid.UUID) -> tuple[str, str, bool]:
    async with ctx.sessions() as session:
        officer = await session.get(Officer, officer_id)
        assert officer is not None
        return officer.role, officer.district, officer.active


async def _audit_data(ctx: Context, officer_id: uuid.UUID, action: str) -> list[dict[str, Any]]:
    async with ctx.sessions() as session:
        return [dict(line.data) for line in await session.scalars(select(AuditLog).where(
            col(AuditLog.action) == action, col(AuditLog.target_id) == str(officer_id)))]


def _last_admin(answer: httpx.Response) -> None:
    assert answer.status_code == 409, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["code"] == "officer.last_admin"


async def test_a_regions_only_admin_is_not_taken_away(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """A national admin answers for every region, but a region's own last admin stays until another is made."""
    _, national = await _national_admin(ctx, app_client)
    only, _ = await make_officer(ctx, role="admin", district=KARAGANDA)
    path = f"{ADMIN}/{only.id}"

    _last_admin(await app_client.post(f"{path}/revoke", json=REASON, headers=national))
    _last_admin(await app_client.post(f"{path}/role", json={"role": "supervisor"}, headers=national))
    _last_admin(await app_client.post(f"{path}/role", json={"role": "admin", "district": "astana"},
                                      headers=national))
    _last_admin(await app_client.post(f"{path}/role", json={"role": "admin", "national": True}, headers=national))
    assert await _state(ctx, only.id) == ("admin", KARAGANDA, True)
    assert await _audit_data(ctx, only.id, "officer.revoke") == []
    assert await _audit_data(ctx, only.id, "officer.role") == []

    # another district of the same region: still its admin, so no loss
    moved = await app_client.post(f"{path}/role", json={"role": "admin", "district": NURA}, headers=national)
    assert moved.status_code == 200, moved.text
    # another admin of the region, and then they may go
    await make_officer(ctx, role="admin", district=KARAGANDA)
    demoted = await app_client.post(f"{path}/role", json={"role": "supervisor"}, headers=national)
    assert demoted.status_code == 200, demoted.text
    assert await _state(ctx, only.id) == ("supervisor", NURA, True)


async def test_a_deactivated_admin_keeps_no_region(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """An admin already deactivated counts for nobody: the region's other admin is its last one."""
    _, national = await _national_admin(ctx, app_client)
    first, _ = await make_officer(ctx, role="admin", district=KARAGANDA)
    second, _ = await make_officer(ctx, role="admin", district=KARAGANDA)
    done = await app_client.post(f"{ADMIN}/{first.id}/revoke", json=REASON, headers=national)
    assert done.status_code == 200, done.text
    _last_admin(await app_client.post(f"{ADMIN}/{second.id}/revoke", json=REASON, headers=national))
    assert (await _state(ctx, second.id))[2] is True


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_two_admins_demoting_each_other_at_once_do_not_both_succeed(ctx: Context,
                                                                          app_client: httpx.AsyncClient) -> None:
    """PostgreSQL (SQLite serialises writers): both requests are let go at the same moment, once each waits for the
    rows it locks; one demotion goes ahead and the other, counting again after it, is refused."""
    one, one_headers = await _admin(ctx, app_client)
    other, other_headers = await _admin(ctx, app_client)
    both = select(col(Officer.id)).where(col(Officer.id).in_([one.id, other.id])).with_for_update()
    async with _holding(ctx, both):
        demotions = [asyncio.create_task(app_client.post(f"{ADMIN}/{other.id}/role", json={"role": "supervisor"},
                                                         headers=one_headers)),
                     asyncio.create_task(app_client.post(f"{ADMIN}/{one.id}/role", json={"role": "supervisor"},
                                                         headers=other_headers))]
        await _until_waiting(ctx, 2, *demotions)
    answers = [await demotion for demotion in demotions]

    assert sorted(answer.status_code for answer in answers) == [200, 409], [answer.text for answer in answers]
    _last_admin(next(answer for answer in answers if answer.status_code != 200))
    roles = [(await _state(ctx, officer.id))[0] for officer in (one, other)]
    assert sorted(roles) == ["admin", "supervisor"]


async def test_the_console_refuses_the_last_admin_unless_forced(ctx: Context) -> None:
    """`zan officers deactivate` and `set-role`: refused as the API refuses, in one line naming the way out; with
    `--force` (the operator's break-glass) done, and the audit line says the jurisdiction was left without."""
    national, _ = await make_officer(ctx, role="admin", district="")
    regional, _ = await make_officer(ctx, role="admin", district=KARAGANDA)

    refused = await zan(ctx, "deactivate", "--badge", national.badge_number, "--reason", "ушёл на пенсию")
    assert refused.exit_code == 1, refused.output
    assert "last active admin of the whole country" in refused.output and "--force" in refused.output
    demoted = await zan(ctx, "set-role", "--badge", regional.badge_number, "--role", "supervisor")
    assert demoted.exit_code == 1, demoted.output
    assert f"last active admin of the region of {KARAGANDA}" in demoted.output
    assert await _state(ctx, national.id) == ("admin", "", True)
    assert await _state(ctx, regional.id) == ("admin", KARAGANDA, True)

    assert shown(await zan(ctx, "deactivate", "--badge", national.badge_number, "--reason", "учётная запись "
                           "скомпрометирована", "--force"))["active"] is False
    assert shown(await zan(ctx, "set-role", "--badge", regional.badge_number, "--role", "supervisor",
                           "--force"))["role"] == "supervisor"
    (revoked,) = await _audit_data(ctx, national.id, "officer.revoke")
    assert revoked["last_admin"] is True
    (changed,) = await _audit_data(ctx, regional.id, "officer.role")
    assert changed["last_admin"] is True


async def test_the_console_lets_an_admin_go_when_another_is_left(ctx: Context) -> None:
    """No `--force` needed, and no `last_admin` in the audit line, while the region keeps an admin."""
    leaving, _ = await make_officer(ctx, role="admin", district="astana")
    await make_officer(ctx, role="admin", district="astana")
    assert shown(await zan(ctx, "deactivate", "--badge", leaving.badge_number, "--reason", "перевод"))["active"] \
        is False
    (revoked,) = await _audit_data(ctx, leaving.id, "officer.revoke")
    assert "last_admin" not in revoked
