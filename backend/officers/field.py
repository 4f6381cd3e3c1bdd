"""What a patrol tablet reports about itself: position heartbeats, unit status, shift start and end."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.audit.service import record
from backend.lib.clock import utcnow
from backend.lib.errors import FieldProblem, ZanError
from backend.notifications.service import update_device_area
from backend.officers.auth import FIELD_ROLES, OfficerPrincipal
from backend.officers.locks import lock_officer
from backend.officers.models import UNIT_STATUSES, LocationPing, Officer, Shift, Unit

PING_RETENTION = timedelta(hours=24)


async def record_location(session: AsyncSession, officer: OfficerPrincipal, *, lat: float, lon: float,
                          accuracy_m: float | None = None, at: datetime | None = None) -> LocationPing:
    """Store a ping and, for a crew member, move the unit's last position; history older than 24 h for this officer
    is pruned. A desk officer still listed in a crew (a dispatcher promoted from it, a supervisor scoped by the unit
    they head) drives no car, as set_unit_status and start_shift hold: their phone at the station would put the car
    there, on the console and in `auto` assignment's ranking."""
    now = utcnow()
    # a tablet queues pings offline: keep its time, but never a time in the future
    when = min(at, now) if at is not None else now
    ping = LocationPing(officer_id=officer.officer_id, unit_id=officer.unit_id, lat=lat, lon=lon,
                        accuracy_m=accuracy_m, at=when)
    session.add(ping)
    if officer.unit_id is not None and officer.role in FIELD_ROLES:
        unit = await session.get(Unit, officer.unit_id, with_for_update=True)
        if unit is not None and (unit.last_at is None or unit.last_at <= when):
            unit.last_lat, unit.last_lon, unit.last_at = lat, lon, when
            unit.updated_at = now
    # the officer's tablets carry this position as their area for area alerts
    await update_device_area(session, officer.officer_id, lat, lon)
    await session.execute(
        delete(LocationPing).where(LocationPing.officer_id == officer.officer_id,  # type: ignore[arg-type]
                                   LocationPing.at < now - PING_RETENTION)  # type: ignore[arg-type]
    )
    await session.commit()
    return ping


async def recent_pings(session: AsyncSession, *, officer_id: uuid.UUID, limit: int = 100) -> list[LocationPing]:
    rows = await session.scalars(select(LocationPing).where(LocationPing.officer_id == officer_id)  # type: ignore[arg-type]
                                 .order_by(LocationPing.at.desc()).limit(limit))  # type: ignore[attr-defined]
    return list(rows)


async def own_unit(session: AsyncSession, officer: OfficerPrincipal) -> Unit:
    if officer.unit_id is None:
        raise ZanError("officer.no_unit", 409)
    unit = await session.get(Unit, officer.unit_id)
    if unit is None:
        raise ZanError("officer.unit_not_found", 404)
    return unit


async def set_unit_status(session: AsyncSession, officer: OfficerPrincipal, status: str) -> Unit:
    if status not in UNIT_STATUSES:
        raise ZanError("validation.failed", 422, errors=[FieldProblem("/status", "invalid")])
    unit = await own_unit(session, officer)
    previous, unit.status, unit.updated_at = unit.status, status, utcnow()
    await record(session, actor_type=officer.role.value, actor_id=officer.officer_id, action="unit.status",
                 target_type="unit", target_id=unit.id, data={"from": previous, "to": status})
    await session.commit()
    return unit


async def _lock_unit(session: AsyncSession, unit_id: uuid.UUID | None) -> Unit | None:
    """The unit row, locked and re-read: whether anyone else of the crew is on shift is decided under this lock,
    so of two officers ending at once the second sees the first's shift closed and puts the car off duty."""
    if unit_id is None:
        return None
    return await session.get(Unit, unit_id, with_for_update=True, populate_existing=True)


def _open_shift(officer_id: uuid.UUID) -> Select[Shift]:
    """The officer's open shift: at most one (uq_shifts_officer_open)."""
    return select(Shift).where(Shift.officer_id == officer_id, Shift.ended_at.is_(None))  # type: ignore[arg-type, union-attr]


async def open_shift(session: AsyncSession, officer_id: uuid.UUID) -> Shift | None:
    return (await session.scalars(_open_shift(officer_id))).first()


async def start_shift(session: AsyncSession, officer: OfficerPrincipal) -> Shift:
    """Open a shift (idempotent: an open shift is returned as is) and put the unit on duty."""
    # without the officer's lock two taps of the shift button each see "no open shift" and both insert one; it is
    # taken before the unit's lock, here and in end_shift alike, so the two never deadlock
    await lock_officer(session, officer.officer_id)
    # checked only under the officer's lock: a concurrent start has committed its shift by the time we get here
    shift = await open_shift(session, officer.officer_id)
    if shift is not None:
        await session.commit()  # nothing to write: only lets go of the officer's lock now, not at the session's end
        return shift
    shift = Shift(officer_id=officer.officer_id, unit_id=officer.unit_id)
    session.add(shift)
    # locked so that a crewmate ending the last shift at this moment cannot put the car off duty behind our back
    unit = await _lock_unit(session, officer.unit_id)
    # only a field officer's shift puts the car on duty: a dispatcher still listed in their old crew (promoted from
    # it) would make dispatch send urgent reports to a car nobody drives
    if unit is not None and unit.status == "off_duty" and officer.role in FIELD_ROLES:
        unit.status, unit.updated_at = "available", utcnow()
    await record(session, actor_type=officer.role.value, actor_id=officer.officer_id, action="shift.start",
                 target_type="shift", target_id=shift.id)
    await session.commit()
    return shift


async def end_shift(session: AsyncSession, officer: OfficerPrincipal) -> Shift | None:
    """Close the officer's open shift and put the unit off duty if nobody else of its crew is on shift. None if the
    officer is not on shift.

    The first look is deliberately without a lock: the duty bot's toggle asks this first, and a second tap racing
    a start must see "not on shift" and go on to `start_shift` (idempotent) rather than wait and end the shift the
    first tap is opening. Two "end" taps both see the shift and both answer "ended"."""
    first = await open_shift(session, officer.officer_id)
    if first is None:
        return None
    shift = await close_open_shift(session, officer.officer_id, officer.unit_id, actor_type=officer.role.value,
                                   actor_id=officer.officer_id)
    if shift is None:
        await session.refresh(first)
        await session.commit()  # ended already, by the other request (which also did the unit and the audit)
        return first
    await session.commit()
    return shift


async def close_open_shift(session: AsyncSession, officer_id: uuid.UUID, unit_id: uuid.UUID | None, *,
                           actor_type: str, actor_id: str | uuid.UUID | None,
                           data: dict[str, str] | None = None) -> Shift | None:
    """End the officer's open shift, if any, under the officer's and the unit's locks, and put the unit off duty if
    nobody else of its crew is on shift (an audit line `shift.end` by `actor_id`). None if no shift was open. The
    caller commits."""
    await lock_officer(session, officer_id)
    unit = await _lock_unit(session, unit_id)
    # re-read under the locks: another request may have ended the shift meanwhile
    shift = (await session.scalars(_open_shift(officer_id).execution_options(populate_existing=True))).first()
    if shift is None:
        return None
    now = utcnow()
    shift.ended_at = now
    await session.flush()
    if unit is not None:
        # only a field officer on shift keeps the car on duty, as only theirs puts it there (start_shift): a
        # dispatcher still listed in the crew they were promoted from is on a desk shift, not in the car
        others = await session.scalar(
            select(col(Shift.id)).join(Officer, col(Officer.id) == col(Shift.officer_id))
            .where(col(Shift.unit_id) == unit.id, col(Shift.ended_at).is_(None),
                   col(Officer.role).in_([role.value for role in FIELD_ROLES])).limit(1))
        if others is None:
            unit.status, unit.updated_at = "off_duty", now
    await record(session, actor_type=actor_type, actor_id=actor_id, action="shift.end", target_type="shift",
                 target_id=shift.id, data=data)
    return shift
