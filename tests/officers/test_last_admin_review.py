"""The last-admin rule (backend.officers.admins) under what a first reading of it missed.

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

import httpx
import pytest
from sqlalchemy import select, text, update
from sqlmodel import col

from backend.context import Context
from backend.officers.models import Officer, OfficerSession
from tests.officers.factories import login_tokens, make_officer, make_unit
from tests.officers.test_last_admin import _audit_data, _last_admin, _state
from tests.officers.test_officer_admin_api import ADMIN, KARAGANDA, _national_admin
from tests.officers.test_officer_admin_sessions import shown, zan
from tests.officers.test_reset_race import _holding, _until_waiting

pytestmark = pytest.mark.anyio


async def _active_admins(ctx: Context, *ids: uuid.UUID) -> list[uuid.UUID]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(col(Officer.id)).where(
            col(Officer.id).in_(ids), col(Officer.role) == "admin", col(Officer.active))))


async def _until_counted(ctx: Context, *tasks: asyncio.Task[httpx.Response]) -> None:
    """Until one request is done, or one waits to end a session (it has counted and is writing) while the other
    waits for a lock."""
    async with ctx.engine.connect() as probe:
        while not any(task.done() for task in tasks):
            rows = (await probe.execute(text(
                "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"))).scalars().all()
            await probe.rollback()  # pg_stat_activity is read once per transaction
            if len(rows) >= 2 and any(query.lstrip().upper().startswith("UPDATE OFFICER_SESSIONS") for query in rows):
                return
            await asyncio.sleep(0.005)  # polling a condition, not a guess at how long something takes


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
        await _until_waiting(ctx, 2, *demotions)  # each read which rows to hold, and waits for them
        # the supervisor is made an admin (as the role endpoint would, holding their row) and that commits
        await promoting.execute(update(Officer).where(col(Officer.id) == made.id).values(role="admin"))
        await promoting.commit()
        # the first demotion of the only admin is held writing once it has counted, so the other counts before it
        # commits (as two requests may)
        await _until_counted(ctx, *demotions)
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
