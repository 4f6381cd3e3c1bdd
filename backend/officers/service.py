"""Officer accounts, units, device enrollment, login sessions with rotating refresh tokens, and revocation."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
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
    Role,
    decode,
    hash_password,
    issue_access,
    issue_refresh,
    verify_password,
)
from backend.officers.field import close_open_shift
from backend.officers.jurisdiction import NATIONAL, Jurisdiction, scoping_district_sql
from backend.officers.locks import lock_officer
from backend.officers.models import Device, Officer, OfficerSession, Unit, UnitMember


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_in: int
    officer: Officer
    session_id: uuid.UUID


async def create_officer(session: AsyncSession, *, badge_number: str, full_name: str, role: Role | str,
                         department: str, district: str, password: str, rank: str = "",
                         unit: Unit | None = None, actor_id: str | None = None,
                         password_hash: str | None = None) -> Officer:
    """Create an officer account (argon2 password) and put them in `unit` if given. Bulk seeding may pass a
    precomputed `password_hash` (argon2 costs ~0.5 s per hash by design)."""
    hashed: str = password_hash or await asyncio.to_thread(hash_password, password)  # type: ignore[assignment]
    officer = Officer(badge_number=badge_number.strip(), full_name=full_name, rank=rank, role=Role(role).value,
                      department=department, district=district, password_hash=hashed)
    try:
        async with session.begin_nested():
            session.add(officer)
            await session.flush()
    except IntegrityError as exc:
        raise ZanError("officer.badge_taken", 409, errors=[FieldProblem("/badge_number", "invalid")]) from exc
    if unit is not None:
        await set_unit(session, officer=officer, unit=unit)
    await record(session, actor_type="admin", actor_id=actor_id, action="officer.create", target_type="officer",
                 target_id=officer.id, data={"role": officer.role, "department": department, "district": district})
    return officer


async def set_unit(session: AsyncSession, *, officer: Officer, unit: Unit | None) -> None:
    """Move the officer into `unit` (or out of any unit). Their tablet's sync scope changes with it."""
    current = await session.get(UnitMember, officer.id)
    if current is not None:
        await session.delete(current)
        await session.flush()
    if unit is not None:
        session.add(UnitMember(officer_id=officer.id, unit_id=unit.id))
        await session.flush()


async def create_unit(session: AsyncSession, *, code: str, name: str, department: str, district: str,
                      restricted_categories: list[str] | None = None, status: str = "available",
                      lat: float | None = None, lon: float | None = None) -> Unit:
    unit = Unit(code=code, name=name, department=department, district=district, status=status,
                restricted_categories=list(restricted_categories or []), last_lat=lat, last_lon=lon,
                last_at=utcnow() if lat is not None else None)
    session.add(unit)
    await session.flush()
    return unit


async def unit_of(session: AsyncSession, officer_id: uuid.UUID) -> uuid.UUID | None:
    member = await session.get(UnitMember, officer_id)
    return member.unit_id if member else None


async def _enrolled_device(session: AsyncSession, officer: Officer, device_id: str) -> Device | None:
    """The officer's device row for `device_id`, enrolling it if the officer has a free device slot.

    Enrollment policy: an admin creates the account with `max_devices` slots (default 3); the first login from a
    new tablet enrols it. A device registered to another officer, or revoked, can never log in again until an
    admin deletes the revocation (tablets are re-imaged and get a new device id instead)."""
    device = await session.scalar(select(Device).where(Device.device_id == device_id))  # type: ignore[arg-type]
    if device is not None:
        return device if device.officer_id == officer.id and device.revoked_at is None else None
    # Count-then-insert under the officer's row lock, held to the login's commit: without it parallel first logins
    # from new tablets each counted the same free slot and together enrolled more than `max_devices`.
    await lock_officer(session, officer.id)
    # a login that held the lock may have enrolled this very tablet (the same tablet retrying in parallel): its row
    # is committed by now and answers as the device, instead of an insert that would collide and be refused
    device = await session.scalar(select(Device).where(Device.device_id == device_id))  # type: ignore[arg-type]
    if device is not None:
        return device if device.officer_id == officer.id and device.revoked_at is None else None
    active = await session.scalars(
        select(Device.id).where(Device.officer_id == officer.id, Device.revoked_at.is_(None))  # type: ignore[arg-type, call-overload, union-attr]
    )
    if len(list(active)) >= officer.max_devices:
        return None
    device = Device(device_id=device_id, officer_id=officer.id)
    try:
        async with session.begin_nested():
            session.add(device)
            await session.flush()
    except IntegrityError:
        return None
    await record(session, actor_type="officer", actor_id=officer.id, action="device.enrol", target_type="device",
                 target_id=device.id, data={"device_id": device_id}, device_id=device_id)
    return device


async def _barred_tablet(session: AsyncSession, device_id: str) -> bool:
    """Whether `device_id` is a revoked tablet, which no password (no badge) logs in from."""
    device = await session.scalar(select(Device).where(Device.device_id == device_id))  # type: ignore[arg-type]
    return device is not None and device.revoked_at is not None


async def _still_current(session: AsyncSession, officer: Officer, verified: str | None) -> bool:
    """Whether the password hash the login verified is still the officer's, read again under the officer's row lock,
    which is held until the login commits (its session with it).

    The hash was read without a lock, and verifying it takes argon2's half second: a password reset (or a
    deactivation) committing meanwhile revoked every session that existed then, and the session this login goes on
    to create would have outlived it, for whoever knew the old password. Under the lock, either the reset committed
    first (its new hash is read here: the login is refused) or it waits on this row (accounts.reset_password
    updates the officer first) until the new session is committed, and then revokes it with the others. `officer`
    is refreshed with the row (its role and active flag as they are now)."""
    await session.refresh(officer, with_for_update=True)
    return officer.password_hash == verified


async def login(ctx: Context, session: AsyncSession, *, badge_number: str, password: str, device_id: str,
                ip: str) -> Tokens:
    # one spelling of the badge for the lookup and for its failure counter: a padded badge that found the same
    # account under a fresh counter would give a guesser a new five tries per variant
    badge_number = badge_number.strip()
    wait = await ratelimit.reserve(ctx, badge=badge_number, ip=ip)
    if wait is not None:
        raise ZanError("rate_limited", 429, headers={"Retry-After": str(wait)})
    officer = await session.scalar(select(Officer).where(Officer.badge_number == badge_number))  # type: ignore[arg-type]
    verified = officer.password_hash if officer else None
    barred = await _barred_tablet(session, device_id)
    # argon2 is deliberately slow: keep the event loop free while it runs (also on a barred tablet: its answer
    # takes as long whatever was typed)
    ok = await asyncio.to_thread(verify_password, verified, password)
    if officer is not None and ok and not barred:
        ok = await _still_current(session, officer, verified)
    if barred:
        # A revoked tablet is answered 403 device_not_allowed whatever badge and password are typed on it:
        # answered 401 for a wrong one, whoever holds a stolen revoked tablet learnt from the 403 that the password
        # they tried is the officer's. A wrong guess still counts (it is not released) and is a failed login in the
        # audit; a right one on an active account is the refused tablet it always was.
        if officer is not None and ok and officer.active:
            await record(session, actor_type="officer", actor_id=officer.id, action="auth.device_refused",
                         target_type="device", target_id=None, data={"device_id": device_id}, ip=ip,
                         device_id=device_id)
        else:
            await record(session, actor_type="officer", actor_id=officer.id if officer else None, action="auth.fail",
                         target_type="officer", target_id=officer.id if officer else None, ip=ip,
                         device_id=device_id)
        await session.commit()
        raise ZanError("officer.device_not_allowed", 403)
    if officer is None or not ok or not officer.active:
        # the tablet it came from, for whoever investigates a guessing run (never the badge typed: it may be a
        # password typed in the wrong field)
        await record(session, actor_type="officer", actor_id=officer.id if officer else None, action="auth.fail",
                     target_type="officer", target_id=officer.id if officer else None, ip=ip, device_id=device_id)
        await session.commit()
        raise ZanError("officer.bad_credentials", 401)
    device = await _enrolled_device(session, officer, device_id)
    if device is None:
        await record(session, actor_type="officer", actor_id=officer.id, action="auth.device_refused",
                     target_type="device", target_id=None, data={"device_id": device_id}, ip=ip, device_id=device_id)
        await session.commit()
        raise ZanError("officer.device_not_allowed", 403)
    now = utcnow()
    device.last_seen_at = now
    sess = OfficerSession(officer_id=officer.id, device_pk=device.id, ip=ip,
                          expires_at=now + timedelta(seconds=ctx.settings.jwt_refresh_ttl_s))
    session.add(sess)
    await record(session, actor_type="officer", actor_id=officer.id, action="auth.login", target_type="session",
                 target_id=sess.id, data={"device_id": device_id}, ip=ip, device_id=device_id, session_id=sess.id)
    await session.commit()
    await ratelimit.release(ctx, ip=ip)
    await ratelimit.clear_badge(ctx, badge=badge_number)  # a right password clears the account's failures
    return Tokens(issue_access(ctx, officer=officer, session_id=sess.id),
                  issue_refresh(ctx, session_id=sess.id, generation=sess.generation),
                  ctx.settings.jwt_access_ttl_s, officer, sess.id)


# How long after a rotation the previous refresh token is still answered (with the current generation) instead of
# being taken for theft. A tablet whose refresh answer is lost on a bad mobile network retries with the token it still
# holds, after its HTTP timeout (typically 10-30 s) and a short backoff: a minute covers a timeout and a couple of
# retries. The same minute bounds what a stolen token gains: only the previous generation, only within a minute of
# each rotation, and it gets no further than the generation the tablet already has (next rotation or later use of
# an older one still revokes). Auth0's reuse interval likewise forgives only the previous token; AWS Cognito caps its
# retry grace period at 60 s.
REFRESH_REUSE_GRACE_S = 60


async def refresh(ctx: Context, session: AsyncSession, *, refresh_token: str, ip: str) -> Tokens:
    """Rotate: the presented generation must be the current one. The previous one, within REFRESH_REUSE_GRACE_S of
    the rotation, is a retry after a lost answer → the current generation again, without rotating; any other older
    one means reuse → revoke the family. Every refusal carries the same challenge as a forged token's (decode): a
    tablet learns from it to sign in again, and one that differed by reason would tell whoever holds a stolen token
    whether its session still exists."""
    claims = decode(ctx, refresh_token, "refresh")
    try:
        session_id, generation = uuid.UUID(str(claims["sid"])), int(claims["gen"])
    except (KeyError, ValueError, TypeError, OverflowError) as exc:  # a "gen" of null, a list or infinity too
        raise ZanError("officer.token_invalid", 401, headers=BEARER_REFUSED) from exc
    sess = await session.scalar(
        select(OfficerSession).where(OfficerSession.id == session_id).with_for_update()  # type: ignore[arg-type]
    )
    now = utcnow()
    # a generation never issued (only a bug or the server's key could sign one) is refused, not taken for the reuse
    # of a stolen token that revokes the tablet's session
    if sess is None or sess.revoked_at is not None or sess.expires_at < now or generation > sess.generation:
        raise ZanError("officer.token_invalid", 401, headers=BEARER_REFUSED)
    # Decided under the row lock, so a retry (or a resend racing the original) sees the rotation once it committed.
    # Generation 1 was never rotated to: its refreshed_at is the login, and no generation 0 was ever issued.
    since_rotation = now - sess.refreshed_at
    retry = (sess.generation > 1 and generation == sess.generation - 1
             and since_rotation < timedelta(seconds=REFRESH_REUSE_GRACE_S))
    if generation != sess.generation and not retry:
        sess.revoked_at, sess.revoked_reason = now, "refresh_reuse"
        tablet = await session.get(Device, sess.device_pk)  # whose session it was, for whoever investigates the theft
        await record(session, actor_type="system", actor_id=None, action="auth.refresh_reuse", target_type="session",
                     target_id=sess.id, session_id=sess.id, device_id=tablet.device_id if tablet else None, ip=ip,
                     data={"presented": generation, "current": sess.generation})
        await session.commit()
        raise ZanError("officer.token_invalid", 401, headers=BEARER_REFUSED)
    officer = await session.get(Officer, sess.officer_id)
    device = await session.get(Device, sess.device_pk)
    if officer is None or not officer.active or device is None or device.revoked_at is not None:
        raise ZanError("officer.token_invalid", 401, headers=BEARER_REFUSED)
    if retry:
        # Nothing moves. Rotating again would make the same token two generations old for the next retry (a second
        # lost answer, or two retries in flight), which is a revocation; and leaving refreshed_at alone keeps retries
        # from sliding the window (a stolen token could otherwise be replayed once a minute forever).
        await record(session, actor_type="system", actor_id=None, action="auth.refresh_retry", target_type="session",
                     target_id=sess.id, session_id=sess.id, device_id=device.device_id, ip=ip,
                     data={"presented": generation, "current": sess.generation,
                           "since_rotation_s": round(since_rotation.total_seconds(), 3)})
    else:
        sess.generation += 1
        sess.refreshed_at = device.last_seen_at = now
    await session.commit()
    return Tokens(issue_access(ctx, officer=officer, session_id=sess.id),
                  issue_refresh(ctx, session_id=sess.id, generation=sess.generation),
                  ctx.settings.jwt_access_ttl_s, officer, sess.id)


async def logout(session: AsyncSession, *, session_id: uuid.UUID, officer_id: uuid.UUID) -> None:
    await _revoke_sessions(session, [OfficerSession.id == session_id], "logout")  # type: ignore[list-item]
    await record(session, actor_type="officer", actor_id=officer_id, action="auth.logout", target_type="session",
                 target_id=session_id)
    await session.commit()


async def _revoke_sessions(session: AsyncSession, where: list[object], reason: str) -> None:
    await session.execute(
        update(OfficerSession).where(*where, OfficerSession.revoked_at.is_(None))  # type: ignore[arg-type,union-attr]
        .values(revoked_at=utcnow(), revoked_reason=reason).execution_options(synchronize_session=False)
    )


async def revoke_sessions_of(session: AsyncSession, officer_id: uuid.UUID, reason: str) -> None:
    """End every live session of the officer on every tablet: each has to log in again."""
    await _revoke_sessions(session, [OfficerSession.officer_id == officer_id], reason)  # type: ignore[list-item]


async def _answered_for(session: AsyncSession, officer_id: uuid.UUID, within: Jurisdiction | None) -> Officer | None:
    """The officer `officer_id` if an admin of `within` answers for them (None: anyone, e.g. the CLI), else None;
    read with their jurisdiction (jurisdiction_of's SQL rule) in one query."""
    row = (await session.execute(select(Officer, scoping_district_sql())  # type: ignore[call-overload]
                                 .where(col(Officer.id) == officer_id))).first()
    if row is None or (within is not None and not within.answers_for(Jurisdiction(row[1] or NATIONAL))):
        return None
    officer: Officer = row[0]
    return officer


def unlink_duty_chat(officer: Officer) -> None:
    """Unlink the duty bot's Telegram chat, and void a link code not yet redeemed: the chat is a way in of its own
    (urgent offers with addresses, accepting reports), ended with the officer's access (a password reset, a
    deactivation)."""
    officer.telegram_chat_id = officer.telegram_link_code_hash = officer.telegram_link_expires_at = None


def why(reason: str | None, *, last_admin: bool = False) -> dict[str, object]:
    """What an admin's audit line adds for why a change was made: its `reason` if one was given, and `last_admin`
    when it left the officer's jurisdiction with no admin (the console's `--force`, backend.officers.admins)."""
    return {**({"reason": reason} if reason else {}), **({"last_admin": True} if last_admin else {})}


# the service operator's console (`zan officers ...`, `zan units ...`) as its audit lines name it (`by_officer`,
# `actor_id`): a name, never a permission (revoke_device's is its `console` flag)
CONSOLE = "cli"


async def revoke_device(session: AsyncSession, *, device_id: str, by_officer: uuid.UUID | str,
                        within: Jurisdiction | None = None, reason: str | None = None,
                        console: bool = False) -> Device:
    """Kill a lost or stolen tablet: its sessions die at once, it can never log in again, and the push
    registrations made from it get nothing more (assignment pushes carry report numbers and addresses).

    `within`: the revoking admin's jurisdiction. A regional admin revokes their region's tablets only; another
    region's (or a national officer's) answers as an unknown one does (404), so device ids cannot be probed.
    A prosecutor's tablet is refused to a police admin (403 officer.oversight_account, rules.admins_manage):
    barring the oversight's tablets would silence it as a deactivation would. The service operator's console
    (`console`: `zan officers revoke-device`, which names itself CONSOLE in `by_officer`) keeps prosecutors'
    accounts, and so revokes their tablets too. `by_officer` only names who did it in the audit line, never what
    they may do: a caller passing CONSOLE there is refused as any admin is. `reason` goes into the audit line."""
    device = await session.scalar(select(Device).where(Device.device_id == device_id))  # type: ignore[arg-type]
    owner = await _answered_for(session, device.officer_id, within) if device is not None else None
    if device is None or owner is None:
        raise ZanError("not_found", 404)
    if not console and not rules.admins_manage(owner.role):
        raise ZanError("officer.oversight_account", 403)
    device.revoked_at = device.revoked_at or utcnow()
    await _revoke_sessions(session, [OfficerSession.device_pk == device.id], "device_revoked")  # type: ignore[list-item]
    # after the sessions: a registration racing this one holds its session row (notifications' _session_tablet),
    # so by now it has either committed (and is deactivated here) or will find its session revoked. Those silenced
    # before (a deactivated officer's, at their deactivation) keep their first reason: deactivate_officer_devices
    # leaves them alone
    await deactivate_officer_devices(session, device.officer_id, "device_revoked", tablet_pk=device.id)
    await record(session, actor_type="admin", actor_id=by_officer, action="device.revoke", target_type="device",
                 target_id=device.id, data={"device_id": device_id, **why(reason)})
    await session.commit()
    return device


async def revoke_officer(session: AsyncSession, *, officer_id: uuid.UUID, by_officer: uuid.UUID | str,
                         within: Jurisdiction | None = None, reason: str | None = None,
                         force: bool = False) -> Officer:
    """Deactivate an officer: every session on every device dies at once, and their open shift ends. `within`: as
    for `revoke_device` (another region's officer, or a national one, is 404 to a regional admin). `by_officer`:
    the admin, or CONSOLE for `zan officers deactivate`, whose `reason` goes into the audit line. Not their
    jurisdiction's last active admin (`rules.Refused` officer.last_admin, backend.officers.admins) unless `force`
    (the console's break-glass, said in the audit line); the caller has held the officer (admins.hold)."""
    officer = await _answered_for(session, officer_id, within)
    if officer is None:
        raise ZanError("officer.not_found", 404)
    last = await admins.check_kept(session, officer_id, admin_of=None, field="", force=force)
    was_active = officer.active
    officer.active = False
    officer.updated_at = utcnow()
    # left linked, a reactivation months later would hand the chat back to whoever holds that Telegram account by
    # then; the reactivated officer links again
    unlink_duty_chat(officer)
    await revoke_sessions_of(session, officer_id, "officer_revoked")
    # an open shift would keep the unit "available" with nobody left to work it: dispatch would go on assigning it
    # urgent reports nobody accepts, and a crewmate's own shift end would not put the car off duty. Ended before
    # the push devices are touched: the unit's lock comes before them here as in a position heartbeat, so the two
    # never deadlock
    await close_open_shift(session, officer_id, await unit_of(session, officer_id), actor_type="admin",
                           actor_id=by_officer, data={"reason": "officer_revoked"})
    await deactivate_officer_devices(session, officer_id, "officer_revoked")
    await record(session, actor_type="admin", actor_id=by_officer, action="officer.revoke", target_type="officer",
                 target_id=officer_id, data={"active": {"from": was_active, "to": False},
                                             **why(reason, last_admin=last)})
    await session.commit()
    return officer
