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

Before: both demotions answered 200; the move answered 200 (the console printed the officer, now national).

Then, what a later reading decided: the admins who keep a region administered are those who answer for it
(Jurisdiction.answers_for), its own and the national ones, as the country's are its national ones. A national admin
can act on every account of a region and make it a new admin, so a region whose only admin of its own leaves is not
left without one while a national admin is active; and counting its own alone did not stop a national admin (they
could make another admin first) but kept the account of an admin who left open until someone was made admin only to
let it be closed. A unit-scoped admin taken out of their unit becomes national, so still answers for their region.
The console's `--force` past the rule needs a `--reason`, kept in the audit line as every console override's is.

Before: a national admin's deactivation or demotion of a region's only admin, and the move out of the unit, answered
409 officer.last_admin (the console refused them without `--force`); `--force` went ahead without a reason."""

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
from backend.officers import accounts, admins, rules
from backend.officers.auth import Role
from backend.officers.models import Officer, OfficerSession
from backend.officers.service import CONSOLE
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


async def test_a_national_admin_answers_for_a_region_left_without_its_own(ctx: Context,
                                                                          app_client: httpx.AsyncClient) -> None:
    """A national admin may deactivate or demote a region's only admin of its own (one who left): the region keeps an
    admin who answers for it, them. The country's last national admin stays, whatever regional admins there are."""
    national, national_headers = await _national_admin(ctx, app_client)
    left, _ = await make_officer(ctx, role="admin", district=KARAGANDA)
    demoted, _ = await make_officer(ctx, role="admin", district="astana")
    path = f"{ADMIN}/{left.id}"

    done = await app_client.post(f"{path}/revoke", json=REASON, headers=national_headers)
    assert done.status_code == 200, done.text
    changed = await app_client.post(f"{ADMIN}/{demoted.id}/role", json={"role": "supervisor"},
                                    headers=national_headers)
    assert changed.status_code == 200, changed.text
    assert await _state(ctx, left.id) == ("admin", KARAGANDA, False)
    assert await _state(ctx, demoted.id) == ("supervisor", "astana", True)
    (revoked,) = await _audit_data(ctx, left.id, "officer.revoke")
    assert "last_admin" not in revoked
    (role,) = await _audit_data(ctx, demoted.id, "officer.role")
    assert "last_admin" not in role

    # a region's admin does not answer for the country: the national admin is still its last one
    await make_officer(ctx, role="admin", district=KARAGANDA)
    refused = await zan(ctx, "deactivate", "--badge", national.badge_number, "--reason", "перевод")
    assert refused.exit_code == 1 and "last active admin of the whole country" in refused.output, refused.output
    assert (await _state(ctx, national.id))[2] is True


async def test_a_deactivated_admin_keeps_no_region(ctx: Context) -> None:
    """An admin already deactivated counts for nobody: the region's other admin is its last one (no national admin
    answers for it)."""
    first, _ = await make_officer(ctx, role="admin", district=KARAGANDA)
    second, _ = await make_officer(ctx, role="admin", district=KARAGANDA)
    assert shown(await zan(ctx, "deactivate", "--badge", first.badge_number, "--reason", "перевод"))["active"] \
        is False
    refused = await zan(ctx, "deactivate", "--badge", second.badge_number, "--reason", "перевод")
    assert refused.exit_code == 1, refused.output
    assert f"last active admin of the region of {KARAGANDA}" in refused.output, refused.output
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
    `--force` (the operator's break-glass) and a `--reason` done, and the audit line says why and that the
    jurisdiction was left without; `--force` without a reason is refused and changes nothing."""
    national, _ = await make_officer(ctx, role="admin", district="")
    regional, _ = await make_officer(ctx, role="admin", district=KARAGANDA)

    refused = await zan(ctx, "deactivate", "--badge", national.badge_number, "--reason", "ушёл на пенсию")
    assert refused.exit_code == 1, refused.output
    assert "last active admin of the whole country" in refused.output and "--force" in refused.output
    assert await _state(ctx, national.id) == ("admin", "", True)
    assert shown(await zan(ctx, "deactivate", "--badge", national.badge_number, "--reason", "учётная запись "
                           "скомпрометирована", "--force"))["active"] is False
    (revoked,) = await _audit_data(ctx, national.id, "officer.revoke")
    assert (revoked["last_admin"], revoked["reason"]) == (True, "учётная запись скомпрометирована")

    # no national admin left to answer for the region: its own is its last one
    demoted = await zan(ctx, "set-role", "--badge", regional.badge_number, "--role", "supervisor")
    assert demoted.exit_code == 1, demoted.output
    assert f"last active admin of the region of {KARAGANDA}" in demoted.output
    unexplained = await zan(ctx, "set-role", "--badge", regional.badge_number, "--role", "supervisor", "--force")
    assert unexplained.exit_code == 1 and "--force needs --reason" in unexplained.output, unexplained.output
    assert await _state(ctx, regional.id) == ("admin", KARAGANDA, True)
    assert await _audit_data(ctx, regional.id, "officer.role") == []

    assert shown(await zan(ctx, "set-role", "--badge", regional.badge_number, "--role", "supervisor", "--force",
                           "--reason", "  уволен приказом  "))["role"] == "supervisor"
    (changed,) = await _audit_data(ctx, regional.id, "officer.role")
    assert changed == {"role": {"from": "admin", "to": "supervisor"},
                       "district": {"from": KARAGANDA, "to": KARAGANDA},
                       "reason": "уволен приказом", "last_admin": True}


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


async def _demoted(ctx: Context, officer_id: uuid.UUID) -> str:
    """What `zan officers set-role --role supervisor` does (no national admin can: they answer for the region): "done",
    or the code it was refused with."""
    async with ctx.sessions() as session:
        await admins.hold(session, officer_id)
        account = await accounts.by_id(session, officer_id)
        assert account is not None
        try:
            await accounts.set_role(session, account, role=Role.SUPERVISOR, district=None, national=False,
                                    actor_id=CONSOLE)
        except rules.Refused as refused:
            return refused.code
        return "done"


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_an_admin_made_meanwhile_is_held_before_being_counted(ctx: Context,
                                                                    app_client: httpx.AsyncClient) -> None:
    """Karaganda's only admin is demoted while a supervisor of it is being made an admin, and that new admin is
    demoted too: one of the two demotions is refused. The interleaving is made with row locks of other connections
    (PostgreSQL: on SQLite writers are serialised)."""
    only, password = await make_officer(ctx, role="admin", district=KARAGANDA)
    made, _ = await make_officer(ctx, role="supervisor", district=KARAGANDA)
    await login_tokens(app_client, only.badge_number, password, "tab-only")

    rows = select(col(Officer.id)).where(col(Officer.id).in_([only.id, made.id])).with_for_update()
    sessions = select(col(OfficerSession.id)).where(col(OfficerSession.officer_id) == only.id).with_for_update()
    async with _holding(ctx, sessions) as writing, _holding(ctx, rows) as promoting:
        demotions = [asyncio.create_task(_demoted(ctx, officer_id)) for officer_id in (only.id, made.id)]
        await until_lock_waiters(ctx, 2, *demotions)  # each read which rows to hold, and waits for them
        # the supervisor is made an admin (as the role endpoint would, holding their row) and that commits
        await promoting.execute(update(Officer).where(col(Officer.id) == made.id).values(role="admin"))
        await promoting.commit()
        # the first demotion of the only admin is held writing once it has counted, so the other counts before it
        # commits (as two requests may); or one of them is done already
        await until_lock_waiters(ctx, 2, *demotions, where=_ending_a_session)
        await writing.rollback()
        answers = [await demotion for demotion in demotions]

    assert sorted(answers) == ["done", "officer.last_admin"], answers
    assert len(await _active_admins(ctx, only.id, made.id)) == 1


async def _unit_scoped_admin(ctx: Context) -> tuple[Officer, str]:
    """Karaganda's only admin, scoped by their unit's district (no district of their own)."""
    unit = await make_unit(ctx, district=KARAGANDA)
    admin, _ = await make_officer(ctx, role="admin", district="", unit=unit)
    return admin, unit.code


async def test_a_unit_scoped_admin_taken_out_of_their_unit_still_answers_for_their_region(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    """Out of their unit they read the whole country: a national admin, who answers for the region they leave."""
    _, national = await _national_admin(ctx, app_client)
    admin, _ = await _unit_scoped_admin(ctx)

    moved = await app_client.post(f"{ADMIN}/{admin.id}/unit", json={"unit_id": None}, headers=national)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["unit_code"], moved.json()["scope"]) == (None, "national")


async def test_the_console_moves_them_too_without_force(ctx: Context) -> None:
    admin, code = await _unit_scoped_admin(ctx)

    moved = shown(await zan(ctx, "move", "--badge", admin.badge_number, "--no-unit"))
    assert (moved["unit"], moved["scope"]) == (None, "national")
    (line,) = await _audit_data(ctx, admin.id, "officer.unit")
    assert line == {"unit": {"from": code, "to": None}}


async def test_a_forced_move_needs_a_reason(ctx: Context) -> None:
    """`move --force` as `set-role --force`: refused without a `--reason`, before anything is read."""
    admin, _ = await _unit_scoped_admin(ctx)
    refused = await zan(ctx, "move", "--badge", admin.badge_number, "--no-unit", "--force")
    assert refused.exit_code == 1 and "--force needs --reason" in refused.output, refused.output
    assert await _audit_data(ctx, admin.id, "officer.unit") == []
    blank = await zan(ctx, "move", "--badge", admin.badge_number, "--no-unit", "--force", "--reason", "  ")
    assert blank.exit_code == 1 and "--reason" in blank.output, blank.output
    assert await _audit_data(ctx, admin.id, "officer.unit") == []
