"""Officer accounts for `zan officers ...` and the admin API alike: creation, a new role or scope, another unit,
reactivation, a new password, the roster; and an officer's change of their own password (`change_own_password`).

(Deactivation is `service.revoke_officer`.) What an account may be is backend.officers.rules: `create`, `set_role`
and `move_to` check it here, so the console and the API refuse the same things (each words a `rules.Refused` its
own way), and answer False for a change that changes nothing. Each change is one audit line in the same
transaction, with what the value was and what it became (never password material). A change of what the officer may
do (role, scope) or of their credential ends every session of theirs at once: the tablet has to log in again, under
the new role or with the new password. A role or unit change also ends the officer's open shift, which would keep the
old unit on duty for someone who no longer works in it.

Changes go through the ORM, in a flush of their own: backend.sync.tenure's listener (imported here, as nothing else a
console command loads imports it) records the role or unit left, so field work a tablet queued before the change is
still judged as it was written (on PostgreSQL a trigger records roles as well).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.audit.service import record
from backend.context import Context
from backend.lib.clock import utcnow
from backend.lib.errors import FieldProblem, ZanError
from backend.notifications.service import deactivate_officer_devices
from backend.officers import admins, ratelimit, rules
from backend.officers.auth import (
    BEARER_REFUSED,
    OfficerPrincipal,
    Role,
    hash_password,
    principal_for_session,
    verify_password,
)
from backend.officers.field import close_open_shift
from backend.officers.jurisdiction import Jurisdiction, scoping_district, scoping_district_sql
from backend.officers.locks import lock_officer
from backend.officers.models import Officer, Unit, UnitMember
from backend.officers.service import create_officer, revoke_sessions_of, set_unit, unit_of, unlink_duty_chat, why
from backend.sync import tenure as _tenure  # noqa: F401  (registers the role and unit tenure listener)

ActorId = str | uuid.UUID


@dataclass(frozen=True)
class Account:
    officer: Officer
    unit: Unit | None

    @property
    def jurisdiction(self) -> Jurisdiction:
        """The officer's jurisdiction as the account is now (`jurisdiction_in`)."""
        return jurisdiction_in(self.officer.district, self.unit)


def jurisdiction_in(district: str | None, unit: Unit | None) -> Jurisdiction:
    """The jurisdiction of an officer of `district` in `unit` (None: in none): scoped by their own district, else
    their unit's (backend.officers.jurisdiction.scoping_district); what an account is, or would be after a change."""
    return Jurisdiction(scoping_district(district, unit.district if unit is not None else None))


def _with_unit() -> Select[Officer, Unit]:
    """Officers with their crew unit (None outside any)."""
    return (select(Officer, Unit).outerjoin(UnitMember, col(UnitMember.officer_id) == col(Officer.id))
            .outerjoin(Unit, col(Unit.id) == col(UnitMember.unit_id)))


async def by_badge(session: AsyncSession, badge_number: str) -> Account | None:
    """The officer with this badge and their crew unit, or None."""
    row = (await session.execute(_with_unit().where(col(Officer.badge_number) == badge_number.strip()))).first()
    return Account(row[0], row[1]) if row is not None else None


async def by_id(session: AsyncSession, officer_id: uuid.UUID) -> Account | None:
    """The officer with this id and their crew unit, or None."""
    row = (await session.execute(_with_unit().where(col(Officer.id) == officer_id))).first()
    return Account(row[0], row[1]) if row is not None else None


async def roster(session: AsyncSession, *, district: str | None = None, role: Role | None = None,
                 within: Jurisdiction | None = None, after: str | None = None,
                 limit: int | None = None) -> list[Account]:
    """Officers by badge number, with their crew unit; only those of `district` and `role` when given, those an admin
    of `within` answers for (Jurisdiction.answers_for: their region's, never a national one; None: everyone), and
    a page of them: `limit` badges after the badge `after`."""
    query = _with_unit().order_by(col(Officer.badge_number))
    if district is not None:
        query = query.where(col(Officer.district) == district)
    if role is not None:
        query = query.where(col(Officer.role) == role.value)
    if within is not None and within.districts is not None:
        # a national officer's scoping district is "", never one of a region's codes
        query = query.where(scoping_district_sql().in_(within.districts))
    if after is not None:
        query = query.where(col(Officer.badge_number) > after)
    if limit is not None:
        query = query.limit(limit)
    return [Account(officer, unit) for officer, unit in (await session.execute(query)).all()]


def _check_within(within: Jurisdiction | None, scoped: Jurisdiction) -> None:
    """Refuse an account an admin of `within` would not answer for once it is made or changed (`scoped`: its
    jurisdiction then, `jurisdiction_in`; another region's, a national one for a regional admin): they could not
    even read it back. None: anyone (the console). Refused for `national` when the account would read the whole
    country, else for its `district`."""
    if within is not None and not within.answers_for(scoped):
        raise rules.Refused("officer.out_of_jurisdiction", "national" if scoped.national else "district")


async def hashed(password: str) -> str | None:
    """The argon2 hash of `password` if rules.check_password allows it, else None (`create` and `reset_password`
    refuse it then, where their checks come to it). Slow on purpose (0.3–0.5 s), so hashed before the caller's
    transaction begins: inside it, its locks would be held through the hash, on SQLite the whole database's write
    lock (every transaction there begins IMMEDIATE, backend.db) that every other writer waits for."""
    try:
        rules.check_password(password)
    except rules.Refused:
        return None
    hashed_password: str = await asyncio.to_thread(hash_password, password)
    return hashed_password


async def create(session: AsyncSession, *, badge_number: str, full_name: str, rank: str, role: Role,
                 department: str, district: str | None, national: bool, unit: Unit | None, password: str,
                 actor_id: ActorId, within: Jurisdiction | None = None, password_hash: str | None = None) -> Officer:
    """A new account, checked by backend.officers.rules (a `rules.Refused` otherwise; a badge taken: ZanError
    officer.badge_taken), of `within` (`_check_within`). `password_hash`: `password`'s, from `hashed` before the
    caller's transaction (else it is hashed here). The caller commits."""
    department = rules.check_department(department)
    district = rules.placed_district(role, district, national=national, department=department, unit=unit)
    _check_within(within, jurisdiction_in(district, unit))
    return await create_officer(session, badge_number=badge_number, full_name=full_name, role=role,
                                department=department, district=district, password=rules.check_password(password),
                                rank=rank, unit=unit, actor_id=str(actor_id), password_hash=password_hash)


def new_scope(account: Account, *, role: Role, district: str | None, national: bool) -> str:
    """The district `account` would have as a `role` (rules.placed_district): `district`, "" with `national`, or
    with neither the one they have (national if they have none). Refused if their unit would not fit it."""
    officer, unit = account.officer, account.unit
    keep = district is None and not national
    return rules.placed_district(role, (officer.district or None) if keep else district,
                                 national=national or (keep and not officer.district), department=officer.department,
                                 unit=unit)


async def set_role(session: AsyncSession, account: Account, *, role: Role, district: str | None, national: bool,
                   actor_id: ActorId, within: Jurisdiction | None = None, force: bool = False,
                   reason: str | None = None) -> bool:
    """Give the officer `role` and the district `new_scope` picks (refused as it refuses, and outside `within`:
    `_check_within`; nor may it take their jurisdiction's last admin away, admins.check_kept, unless `force`: the
    console's break-glass); False, with nothing written, if that is what they have. `reason`: for the audit line
    (the console's, which a `force` needs). The caller has held the officer (admins.hold). Commits."""
    new_district = new_scope(account, role=role, district=district, national=national)
    scoped = jurisdiction_in(new_district, account.unit)
    _check_within(within, scoped)
    if (role.value, new_district) == (account.officer.role, account.officer.district):
        return False
    last = await admins.check_kept(session, account.officer.id, admin_of=scoped if role is Role.ADMIN else None,
                                   field="role", force=force)
    await change_role(session, account.officer, role=role, district=new_district, actor_id=actor_id,
                      last_admin=last, reason=reason)
    return True


def check_move(account: Account, unit: Unit | None) -> None:
    """Refuse (`rules.Refused`) a unit the officer may not be in: a national officer belongs to none, and a unit is
    of their department and region."""
    officer = account.officer
    if unit is None:
        return
    rules.placed_district(Role(officer.role), officer.district or None, national=not officer.district,
                          department=officer.department, unit=unit)


async def move_to(session: AsyncSession, account: Account, *, unit: Unit | None, actor_id: ActorId,
                  within: Jurisdiction | None = None, force: bool = False, reason: str | None = None) -> bool:
    """Put the officer in `unit` (None: in none), refused as `check_move` refuses (and outside `within`:
    `_check_within`; nor, for an admin scoped by their unit's district, out of the region it leaves with no admin:
    admins.check_kept, unless `force`); False, with nothing written, if they are there already. `reason`: as for
    `set_role`. The caller has held the officer (admins.hold). Commits."""
    check_move(account, unit)
    # an officer without a district of their own (rows from before one was required) is scoped by their unit's:
    # out of it, they read the whole country, and an admin among them is no longer their region's
    scoped = jurisdiction_in(account.officer.district, unit)
    _check_within(within, scoped)
    if (account.unit.id if account.unit else None) == (unit.id if unit else None):
        return False
    last = await admins.check_kept(session, account.officer.id, admin_of=scoped, field="unit", force=force)
    await move(session, account.officer, unit=unit, before=account.unit, actor_id=actor_id, last_admin=last,
               reason=reason)
    return True


async def _end_shift(session: AsyncSession, officer: Officer, actor_id: ActorId, reason: str) -> None:
    await close_open_shift(session, officer.id, await unit_of(session, officer.id), actor_type="admin",
                           actor_id=actor_id, data={"reason": reason})


async def change_role(session: AsyncSession, officer: Officer, *, role: Role, district: str, actor_id: ActorId,
                      last_admin: bool = False, reason: str | None = None) -> None:
    """Give the officer `role` and `district` (checked by the caller; "" is national). `last_admin`: the change
    leaves their jurisdiction with no admin (the console's `--force`), said in the audit line, as `reason` is when
    given. Commits."""
    before = {"role": officer.role, "district": officer.district}
    officer.role, officer.district, officer.updated_at = role.value, district, utcnow()
    await session.flush()  # the role left is recorded (backend.sync.tenure) with this very update
    await revoke_sessions_of(session, officer.id, "role_changed")
    await _end_shift(session, officer, actor_id, "role_changed")
    await record(session, actor_type="admin", actor_id=actor_id, action="officer.role", target_type="officer",
                 target_id=officer.id, data={"role": {"from": before["role"], "to": officer.role},
                                             "district": {"from": before["district"], "to": officer.district},
                                             **why(reason, last_admin=last_admin)})
    await session.commit()


async def move(session: AsyncSession, officer: Officer, *, unit: Unit | None, before: Unit | None,
               actor_id: ActorId, last_admin: bool = False, reason: str | None = None) -> None:
    """Put the officer in `unit` (None: in none), from `before`. Their sessions live on: every request re-reads the
    unit. `last_admin`, `reason`: as for `change_role`. Commits."""
    await _end_shift(session, officer, actor_id, "unit_changed")
    await set_unit(session, officer=officer, unit=unit)  # the membership left is recorded (backend.sync.tenure)
    officer.updated_at = utcnow()
    await record(session, actor_type="admin", actor_id=actor_id, action="officer.unit", target_type="officer",
                 target_id=officer.id, data={"unit": {"from": before.code if before else None,
                                                      "to": unit.code if unit else None},
                                             **why(reason, last_admin=last_admin)})
    await session.commit()


async def reactivate(session: AsyncSession, officer: Officer, *, actor_id: ActorId) -> None:
    """Let a deactivated officer log in again (their old sessions stay revoked). Commits."""
    officer.active, officer.updated_at = True, utcnow()
    await record(session, actor_type="admin", actor_id=actor_id, action="officer.reactivate", target_type="officer",
                 target_id=officer.id, data={"active": {"from": False, "to": True}})
    await session.commit()


async def reset_password(session: AsyncSession, officer: Officer, *, password: str, actor_id: ActorId,
                         password_hash: str | None = None, by_self: bool = False) -> None:
    """Set a new password (as rules.check_password allows) and end every session, the duty bot's Telegram link
    included: whoever knew the old one is logged out everywhere. `password_hash`: `password`'s, from `hashed` before
    the caller's transaction (else it is hashed here). `by_self`: the officer changes their own
    (`change_own_password`): the audit line is `officer.password_change` by the officer, else
    `officer.password_reset` by the admin (or the console, service.CONSOLE). Commits. The caller then lifts the
    badge's login lockout (ratelimit.clear_badge)."""
    rules.check_password(password)
    if password_hash is None:
        password_hash = await asyncio.to_thread(hash_password, password)
    reason, actor_type = ("password_change", "officer") if by_self else ("password_reset", "admin")
    officer.password_hash, officer.updated_at = password_hash, utcnow()
    # and the duty bot's chat: one linked with a code a stolen token asked for would outlive every session ended here,
    # as would a code not yet redeemed (the officer links again)
    unlink_duty_chat(officer)
    # the officer's row first: a login that verified the old password holds it until its session is committed
    # (service._still_current), so the revocation below waits for that session and ends it too, and a login still
    # verifying reads the new hash once this commits
    await session.flush()
    await revoke_sessions_of(session, officer.id, reason)
    # and the phones registered under the old password: whoever used a leaked one gets no more of the unit's pushes
    # (the officer's own apps register again at their next login). A deactivated officer's, silenced at their
    # deactivation, keep that first reason (deactivate_officer_devices leaves silenced ones alone)
    await deactivate_officer_devices(session, officer.id, reason)
    await record(session, actor_type=actor_type, actor_id=actor_id, action=f"officer.{reason}",
                 target_type="officer", target_id=officer.id)
    await session.commit()


async def change_own_password(ctx: Context, session: AsyncSession, me: OfficerPrincipal, *, current: str, new: str,
                              ip: str) -> None:
    """The logged-in officer `me` sets their own password, proving the current one. The new one is refused first,
    as a `rules.Refused` (field "password": rules.check_password's, or officer.password_unchanged for the current
    one again), spending no try. The current one is checked as a login checks a password, under the same counters
    (ratelimit.reserve by badge and address, 429 rate_limited once spent; a wrong one is 403
    officer.current_password_wrong and an `auth.fail` audit line), so a stolen access token gets no more guesses
    than the login endpoint gives. Then `reset_password` (`by_self`): every session ends, this one included — the
    tablet logs in again with the new password, as after an admin's reset, and registers its push device afresh
    (the ones registered under the old password are silenced). A right current password, as at login, clears the
    badge's failures.

    Both argon2 steps (the check, the new hash) run outside any transaction. The write then holds the officer's row
    and goes ahead only if the session, its tablet and the account are still live and the hash is still the one
    checked (401 officer.token_invalid otherwise: a reset, a deactivation or a revocation came in between)."""
    rules.check_password(new)
    if new == current:
        raise rules.Refused("officer.password_unchanged", "password")
    officer = await session.get(Officer, me.officer_id)
    if officer is None:  # accounts are never deleted
        raise ZanError("officer.not_found", 404)
    badge, verified = officer.badge_number, officer.password_hash
    await session.rollback()  # ends the read: nothing (on SQLite, the write lock) is held through argon2
    wait = await ratelimit.reserve(ctx, badge=badge, ip=ip)
    if wait is not None:
        raise ZanError("rate_limited", 429, headers={"Retry-After": str(wait)})
    if not await asyncio.to_thread(verify_password, verified, current):
        await record(session, actor_type="officer", actor_id=me.officer_id, action="auth.fail", target_type="officer",
                     target_id=me.officer_id, data={"via": "password_change"})
        await session.commit()
        raise ZanError("officer.current_password_wrong", 403, errors=[FieldProblem("/current_password", "invalid")])
    password_hash = await hashed(new)
    await lock_officer(session, me.officer_id)
    officer = await session.get(Officer, me.officer_id, populate_existing=True)
    if (officer is None or officer.password_hash != verified
            or await principal_for_session(session, me.session_id) is None):
        raise ZanError("officer.token_invalid", 401, headers=BEARER_REFUSED)
    await reset_password(session, officer, password=new, actor_id=me.officer_id, password_hash=password_hash,
                         by_self=True)
    await ratelimit.release(ctx, ip=ip)
    await ratelimit.clear_badge(ctx, badge=badge)
