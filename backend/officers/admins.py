"""Every jurisdiction that has an active admin keeps one who answers for it (Jurisdiction.answers_for): a region its
own admins or a national one (a national admin administers every region: they may act on its accounts and make it
a new admin), the whole country its national ones (a region's admin does not answer for the country). A change that
would take the last one away (a deactivation, a demotion, a move to another region, by a new district or, for an
admin scoped by their unit's, another unit; a move to national scope keeps a region its admin) is refused as
`rules.Refused` officer.last_admin, by the admin API and `zan officers ...` alike; the console alone may go ahead with
`--force` and a `--reason` (the service operator's break-glass path: a jurisdiction's only admin who left, or whose
account must be shut now, when no one can be made admin first).

Without the rule a region could be left with no one to administer it: two admins demoting each other, the console
deactivating a region's only one. A national admin does not need it: they answer for the region they leave without
an admin of its own, and counting only a region's own admins did not stop them (they could make another first) but
kept a departed admin's account open until someone was made admin just to let it be closed. A compromised account is
not a reason to take the rule away from admins: a password reset or a device revocation ends its sessions at once and
leaves the account in place.

Two such changes racing (each admin demoting the other) must not both pass: each counts the admins the other takes
away. `hold` therefore locks, before anything is read to decide, the officer's row together with the rows of every
active admin who answers for their jurisdiction, in one statement ordered by id, so every change that may take an
admin away from that jurisdiction holds the same rows in the same order: the second waits for the first, then counts
what the first committed (no deadlock, no two passing). Those rows are read again once held, and taken again if an
admin was made meanwhile (`hold`). The count itself is a fresh query, never the ORM's copy.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from backend.officers import rules
from backend.officers.auth import Role
from backend.officers.jurisdiction import NATIONAL, Jurisdiction, around, scoping_district_sql
from backend.officers.models import Officer


def _administered(jurisdiction: Jurisdiction) -> ColumnElement[bool]:
    """Active admins who answer for `jurisdiction` (Jurisdiction.answers_for, as SQL): national ones, and for a
    region those scoped by a district read with its own."""
    scoped = scoping_district_sql()
    where = scoped == NATIONAL
    if not jurisdiction.national:
        where = or_(where, scoped.in_(around(jurisdiction.district)))
    return (col(Officer.role) == Role.ADMIN.value) & col(Officer.active) & where


async def _as_admin(session: AsyncSession, officer_id: uuid.UUID) -> Jurisdiction | None:
    """The jurisdiction the officer is an active admin of, read as committed now (with jurisdiction_of's SQL rule,
    in one query); None if they are none."""
    row = (await session.execute(select(col(Officer.role), col(Officer.active), scoping_district_sql())
                                 .where(col(Officer.id) == officer_id))).first()
    if row is None or row[0] != Role.ADMIN.value or not row[1]:
        return None
    return Jurisdiction(row[2] or NATIONAL)


async def _wanted(session: AsyncSession, officer_id: uuid.UUID) -> set[uuid.UUID]:
    """The rows a change of the officer must hold: theirs, and when they are an active admin those of every active
    admin who answers for their jurisdiction, as read now."""
    ids = {officer_id}
    jurisdiction = await _as_admin(session, officer_id)
    if jurisdiction is not None:
        ids.update(await session.scalars(select(col(Officer.id)).where(_administered(jurisdiction))))
    return ids


class _Grew(Exception):
    """The rows to hold, read again once held, are more than those held (see `hold`)."""


async def hold(session: AsyncSession, officer_id: uuid.UUID) -> None:
    """backend.officers.locks.lock_officer for a change that may take an admin away: the officer's row, and when
    they are an active admin those of every active admin who answers for their jurisdiction, locked in id order in
    one statement (see the module's docstring), before the caller reads what it decides on. SQLite ignores FOR
    UPDATE; it serialises writers anyway.

    Which rows those are is read before they are held, so it may be stale by the time they are: an officer made an
    admin of the jurisdiction (or the officer moved into another) while this waited for a row. So they are read
    again once held, and if more are wanted the rows are let go (a savepoint rolled back releases the row locks
    taken in it) and all of them taken again, still in one statement in id order: taking the missing ones on top
    would be another order than a concurrent change's, a deadlock. Without this, a change counting an admin made
    meanwhile and that admin's own demotion, which held the rows of the admins it saw, each counted the other and
    both passed."""
    ids = await _wanted(session, officer_id)
    while True:
        try:
            async with session.begin_nested():
                await session.execute(select(col(Officer.id)).where(col(Officer.id).in_(ids))
                                      .order_by(col(Officer.id)).with_for_update())
                wanted = await _wanted(session, officer_id)
                if not wanted <= ids:
                    raise _Grew
            return
        except _Grew:
            ids |= wanted


async def check_kept(session: AsyncSession, officer_id: uuid.UUID, *, admin_of: Jurisdiction | None,
                     field: str, force: bool = False) -> bool:
    """Refuse (`rules.Refused` officer.last_admin for `field`) a change after which the officer, an active admin
    now, no longer answers for their jurisdiction (`admin_of`: the jurisdiction they will be an active admin of;
    None: none) while no other active admin answers for it. With `force` (the console's break-glass) nothing is
    refused; True then if the change leaves the jurisdiction with no admin (its audit line says so). The caller has
    `hold` the officer first."""
    now = await _as_admin(session, officer_id)
    if now is None or (admin_of is not None and admin_of.answers_for(now)):
        return False
    others = await session.scalar(select(func.count()).select_from(Officer)
                                  .where(_administered(now), col(Officer.id) != officer_id))
    if others:
        return False
    if not force:
        raise rules.Refused("officer.last_admin", field)
    return True
