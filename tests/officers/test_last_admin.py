"""A region (or, for national admins, the country) keeps an active admin (backend.officers.admins): the admin API and
`zan officers ...` refuse a deactivation, a demotion or a move that would take the last one away (409
officer.last_admin; one line and exit 1), the console goes ahead with `--force` and says so in the audit line, and
two admins demoting each other at once do not both succeed.

Before: only one's own account was protected. A national admin (or the console) could deactivate, demote or move
away a region's only admin, and two admins of a region could demote each other at the same moment, leaving the
region with no one to administer it.

Then, what a first reading of the rule missed:
- An admin made meanwhile: `hold` read which admin rows to lock before locking them, so a demotion that waited for
  its row while another officer was made an admin of the region counted the new admin without holding their row,
  and the new admin's own demotion (which held only the rows of the admins it saw) counted the first: both passed
  and the region was left with none. Now the rows are read again once held and taken again when more are wanted.
- An admin scoped by their unit (no district of their own, rows from before a district was required): taking them
  out of their unit (`…/unit` with null, `zan officers move --no-unit`) moved them to national scope, so the region
  lost its last admin (and gained the country a national one) without the rule being asked.

Before: both demotions answered 200; the move answered 200 (the console printed the officer, now national)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.context import Context
from backend.officers.models import Officer, OfficerSession
from tests.helpers import until_lock_waiters
from tests.officers.factories import login_tokens, make_officer, make_unit
from tests.officers.test_officer_admin_api import ADMIN, KARAGANDA, REASON, _admin, _national_admin
from tests.officers.test_officer_admin_sessions import shown, zan
from tests.officers.test_reset_race import _holding

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
        await until_lock_waiters(ctx, 2, *demotions)
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


async def _active_admins(ctx: Context, *ids: uuid.UUID) -> list[uuid.UUID]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(col(Officer.id)).where(
            col(Officer.id).in_(ids), col(Officer.role) == "admin", col(Officer.active))))


def _ending_a_session(waiting: list[str]) -> bool:
    """One of the statements waiting for a lock ends a session: that request has counted and is writing."""
    return any(query.lstrip().upper().startswith("UPDATE OFFICER_SESSIONS") for query in waiting)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_an_admin_made_meanwhile_is_held_before_being_counted(ctx: Context,
                                                                    app_client: httpx.AsyncClient) -> None:
    """Karaganda's only admin is demoted while a supervisor of it is being made an admin, and that new admin is
    demoted too: one of the two demotions is refused. The interleaving is made with row locks of other connections
    (PostgreSQL: on SQLite writers are serialised)."""
    _, national = await _national_admin(ctx, app_client)
    only, password = await make_officer(ctx, role="admin", district=KARAGANDA)
    made, _ = await make_officer(ctx, role="supervisor", district=KARAGANDA)
    await login_tokens(app_client, only.badge_number, password, "tab-only")

    rows = select(col(Officer.id)).where(col(Officer.id).in_([only.id, made.id])).with_for_update()
    sessions = select(col(OfficerSession.id)).where(col(OfficerSession.officer_id) == only.id).with_for_update()
    async with _holding(ctx, sessions) as writing, _holding(ctx, rows) as promoting:
        demotions = [asyncio.create_task(app_client.post(f"{ADMIN}/{officer_id}/role", json={"role": "supervisor"},
                                                         headers=national)) for officer_id in (only.id, made.id)]
        await until_lock_waiters(ctx, 2, *demotions)  # each read which rows to hold, and waits for them
        # the supervisor is made an admin (as the role endpoint would, holding their row) and that commits
        await promoting.execute(update(Officer).where(col(Officer.id) == made.id).values(role="admin"))
        await promoting.commit()
        # the first demotion of the only admin is held writing once it has counted, so the other counts before it
        # commits (as two requests may); or one of them is done already
        await until_lock_waiters(ctx, 2, *demotions, where=_ending_a_session)
        await writing.rollback()
        answers = [await demotion for demotion in demotions]

    assert sorted(answer.status_code for answer in answers) == [200, 409], [answer.text for answer in answers]
    _last_admin(next(answer for answer in answers if answer.status_code != 200))
    assert len(await _active_admins(ctx, only.id, made.id)) == 1


async def _unit_scoped_admin(ctx: Context) -> tuple[Officer, str]:
    """Karaganda's only admin, scoped by their unit's district (no district of their own)."""
    unit = await make_unit(ctx, district=KARAGANDA)
    admin, _ = await make_officer(ctx, role="admin", district="", unit=unit)
    return admin, unit.code


async def test_a_unit_scoped_admin_is_not_moved_out_of_their_region(ctx: Context,
                                                                    app_client: httpx.AsyncClient) -> None:
    _, national = await _national_admin(ctx, app_client)
    admin, _ = await _unit_scoped_admin(ctx)

    refused = await app_client.post(f"{ADMIN}/{admin.id}/unit", json={"unit_id": None}, headers=national)
    _last_admin(refused)
    assert refused.json()["errors"][0]["pointer"] == "/unit_id"
    shown = (await app_client.get(f"{ADMIN}/{admin.id}", headers=national)).json()
    assert (shown["unit_code"], shown["scope"]) != (None, "national"), shown

    # with another admin of the region, they may go
    await make_officer(ctx, role="admin", district=KARAGANDA)
    moved = await app_client.post(f"{ADMIN}/{admin.id}/unit", json={"unit_id": None}, headers=national)
    assert moved.status_code == 200, moved.text
    assert moved.json()["scope"] == "national"


async def test_the_console_refuses_it_too_unless_forced(ctx: Context) -> None:
    admin, code = await _unit_scoped_admin(ctx)

    refused = await zan(ctx, "move", "--badge", admin.badge_number, "--no-unit")
    assert refused.exit_code == 1, refused.output
    # the region the admin is scoped by (their unit's), not "the whole country" their empty district would say
    assert f"last active admin of the region of {KARAGANDA}" in refused.output, refused.output
    assert len(refused.output.strip().splitlines()) == 1, refused.output
    assert await _state(ctx, admin.id) == ("admin", "", True)

    forced = shown(await zan(ctx, "move", "--badge", admin.badge_number, "--no-unit", "--force"))
    assert (forced["unit"], forced["scope"]) == (None, "national")
    (line,) = await _audit_data(ctx, admin.id, "officer.unit")
    assert line == {"unit": {"from": code, "to": None}, "last_admin": True}
