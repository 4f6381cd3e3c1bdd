"""Field work of an officer who has left field duty (a patrol officer made a dispatcher, moved to a desk role).

Least privilege stays: sync is for field roles, and a desk officer must not do field work now. But the tablet's outbox
may hold what they wrote in the field before the change (arrivals, notes, write-ups, a resolve): that is police work
and evidence, and is applied as the field officer's it was, with the custody they had then. The roles an officer
held and until when are kept in sync_role_tenures (backend.sync.tenure); a mutation is judged by when the tablet says
it was written (custody.written_at: its device time, else its HLC, never later than now), and only from a tablet
enrolled while the officer was on field duty. Anything written after the change is refused `role_changed` (final, so
the tablet drains its queue), its text kept for staff as other refused texts are (backend.sync.sealed.TEXT_KEPT).
Pulls stay refused: a desk officer's tablet gets no new field work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.audit.service import record
from backend.context import Context
from backend.dispatch.models import Assignment
from backend.lib.clock import as_utc, utcnow
from backend.lib.errors import ZanError
from backend.officers.auth import FIELD_ROLES, OfficerPrincipal, Role, authenticate
from backend.officers.models import Device, UnitMember
from backend.reports.models import Report
from backend.sync.blobs import STALE_UPLOAD
from backend.sync.custody import past_custody
from backend.sync.models import Evidence, RoleTenure
from backend.sync.views import Viewer

_DUTY = "sync_duty"  # the connection state's name for field_duty_guard's read
ROLE_CHANGED = "role_changed"  # the per-mutation reason of what was written after the officer left field duty
# how long after leaving field duty a tablet may still hand in what it wrote then: a shift's outbox reaches the network
# within hours, and a dispatcher closing their old unit's reports months later with back-dated stamps must not be
# possible (after it, each mutation is refused `role_changed`, its text kept, and files are no longer taken)
OFF_DUTY_GRACE = timedelta(hours=72)
# how long after the grace the files the tablet declared in time may still be uploaded (nothing else: no new
# declaration, no other file): as long as the server keeps any idle, unfinished upload before it takes it for a lost
# or wiped tablet's (blobs.STALE_UPLOAD, blobs.purge_stale_uploads). Bounded, so a desk officer's tablet keeps no
# upload right for ever; long enough for the bytes of a declaration accepted at hour 71 to follow when it is back
DECLARED_UPLOAD = STALE_UPLOAD
_ROLES = frozenset(role.value for role in Role)


@dataclass(frozen=True, slots=True)
class OnDuty:
    """The field role an officer held when they wrote a mutation, and when that field duty ended (their last field
    role's end, a patrol officer made a district inspector being still in the field)."""

    role: Role
    ended: datetime


@dataclass(frozen=True, slots=True)
class Duty:
    """What the record says of a desk officer's past field duty. `held`: (until, role) of each role they left, in
    time order (each held from the previous one's end); `enrolled_at`: when the pushing tablet was enrolled."""

    held: tuple[tuple[datetime, Role], ...]
    enrolled_at: datetime | None

    def at(self, written: datetime | None) -> OnDuty | None:
        """The field duty the officer was on when the mutation was `written` on this tablet; None when it was written
        after they left field duty, or on a tablet enrolled only after (it never was a field officer's tablet)."""
        if written is None or self.enrolled_at is None:
            return None
        later = [(until, role) for until, role in self.held if written < until]
        if not later or later[0][1] not in FIELD_ROLES:
            return None
        ended = later[0][0]
        for until, role in later[1:]:
            if role not in FIELD_ROLES:
                break
            ended = until
        return OnDuty(later[0][1], ended) if self.enrolled_at < ended else None

    def drained_until(self) -> datetime | None:
        """Until when this tablet may hand in field work: OFF_DUTY_GRACE after the latest field stint of the
        officer's that it was enrolled before the end of (`at`); None when there is none. Each stint counts (patrol,
        desk, patrol again on the same tablet, then the desk again: the last one is what is handed in)."""
        stints = (self.at(until - timedelta(microseconds=1)) for until, role in self.held if role in FIELD_ROLES)
        ends = [then.ended for then in stints if then is not None]
        return max(ends) + OFF_DUTY_GRACE if ends else None

    def drains(self, now: datetime) -> bool:
        """Whether this tablet may still hand in field work (push it, declare and upload files)."""
        until = self.drained_until()
        return until is not None and now <= until


async def former_duty(session: AsyncSession, officer: OfficerPrincipal) -> Duty | None:
    """The field duty on record of an officer whose role is not a field role now; None when they never held one
    (a desk officer's tablet is refused as before: 403)."""
    rows = (await session.execute(
        select(col(RoleTenure.until), col(RoleTenure.role)).where(col(RoleTenure.officer_id) == officer.officer_id)
        .order_by(col(RoleTenure.until)))).all()
    held = tuple((as_utc(until), Role(role)) for until, role in rows if role in _ROLES)
    if not any(role in FIELD_ROLES for _, role in held):
        return None
    enrolled = await session.scalar(select(col(Device.created_at)).where(col(Device.device_id) == officer.device_id))
    return Duty(held, as_utc(enrolled) if enrolled is not None else None)


async def duty_of(session: AsyncSession, officer: OfficerPrincipal) -> Duty | None:
    """None for a field officer (their tablet syncs as ever); a desk officer's past field duty, whose tablet may
    still push what it wrote then (and upload the files it declared); `403 auth.forbidden` for an officer who never
    held a field role on record, as before."""
    if officer.role in FIELD_ROLES:
        return None
    duty = await former_duty(session, officer)
    if duty is None:
        raise ZanError("auth.forbidden", 403)
    return duty


async def field_duty_guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Field officers, and officers with field duty on record (their tablet drains its outbox: duty_of); anyone else
    is refused here, before the request's body or query is read, as every route refuses who it leaves out. The duty
    read is kept on the connection for the route's own guard and handler (`remembered_duty`)."""
    officer = await authenticate(connection)
    if officer.role in FIELD_ROLES:
        return
    ctx: Context = connection.app.state.ctx
    async with ctx.sessions() as session:
        setattr(connection.state, _DUTY, await duty_of(session, officer))


def remembered_duty(connection: ASGIConnection[Any, Any, Any, Any]) -> Duty | None:
    """The past field duty field_duty_guard read for this request (None: a field officer)."""
    duty: Duty | None = getattr(connection.state, _DUTY, None)
    return duty


async def upload_guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Evidence uploads (after field_duty_guard): a desk officer's tablet while it drains (Duty.drains), the files
    its field work declared, from the tablet it was written on; after the grace, for DECLARED_UPLOAD more, only the
    files this tablet declared in time (declared_in_time)."""
    officer = await authenticate(connection)
    if officer.role in FIELD_ROLES:
        return
    duty, now = remembered_duty(connection), utcnow()
    if duty is not None and duty.drains(now):
        return
    drained = duty.drained_until() if duty is not None else None
    if drained is not None:
        ctx: Context = connection.app.state.ctx
        sha = str(connection.path_params.get("sha256", "")).lower()
        async with ctx.sessions() as session:
            if await declared_in_time(session, officer, sha, drained=drained, now=now):
                return
    raise ZanError("auth.forbidden", 403)


async def declared_in_time(session: AsyncSession, officer: OfficerPrincipal, sha: str, *, drained: datetime,
                           now: datetime) -> bool:
    """Whether this tablet declared `sha` for this officer, and the grace ended (`drained`) less than DECLARED_UPLOAD
    ago. Every such declaration was accepted in time: a desk officer's push declares nothing after the grace (each
    mutation is refused `role_changed`, push._on_duty). A push accepted at hour 71 declares files whose bytes (a
    video over a bad link, a tablet switched off for the weekend) follow later: refusing them at hour 72 would lose
    evidence the grace accepted. The bytes must hash to the declaration, so nothing new enters the record this way."""
    if now - drained >= DECLARED_UPLOAD:
        return False
    found = await session.scalar(select(col(Evidence.id)).where(
        col(Evidence.officer_id) == officer.officer_id, col(Evidence.device_id) == officer.device_id,
        col(Evidence.sha256) == sha).limit(1))
    return found is not None


async def held_then(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer, report: Report,
                    written: datetime | None, duty: OnDuty) -> bool:
    """Whether the officer's crew had the report while they were on field duty: their unit now was given it before
    that duty ended, or a unit they have left held it while they were in it and it was written before they left.
    What became of the report since (closed, given to another unit) the ordinary rules judge, as for any field
    officer; this only keeps a stamp dated back from reaching work given out after they left the field. (Not "given
    before `written`": a tablet's clock a little behind the server's would date its first step before the report's
    assignment.)"""
    if (viewer.unit_id is not None and await _member_before(session, officer.officer_id, viewer.unit_id, duty.ended)
            and await _given_before(session, viewer.unit_id, report.id, duty.ended)):
        return True
    return (await past_custody(session, officer, report, written)).verdict == "before"


async def _member_before(session: AsyncSession, officer_id: uuid.UUID, unit_id: uuid.UUID, ended: datetime) -> bool:
    """Whether the officer was in their unit now while still on field duty (a dispatcher moved into a unit afterwards
    never held its reports in the field: that unit's work is not theirs to hand in)."""
    since = await session.scalar(select(col(UnitMember.since)).where(
        col(UnitMember.officer_id) == officer_id, col(UnitMember.unit_id) == unit_id))
    return since is not None and as_utc(since) < ended


async def _given_before(session: AsyncSession, unit_id: uuid.UUID, report_id: uuid.UUID, ended: datetime) -> bool:
    found = await session.scalar(select(col(Assignment.id)).where(
        col(Assignment.report_id) == report_id, col(Assignment.unit_id) == unit_id,
        col(Assignment.assigned_at) < ended).limit(1))
    return found is not None


async def audit_push(session: AsyncSession, officer: OfficerPrincipal, results: list[dict[str, Any]]) -> None:
    """One audit line per push of a desk officer's tablet (no personal data: counts), beside the lines of each step
    it applied (those name the field role they were written under, and the tablet): whoever reads the log sees a
    dispatcher's tablet drained, and how much of it was still field work."""
    applied = sum(1 for r in results if r["status"] == "applied")
    refused = sum(1 for r in results if r["reason"] == ROLE_CHANGED)
    await record(session, actor_type=officer.role.value, actor_id=officer.officer_id, action="sync.push_off_duty",
                 target_type="officer", target_id=officer.officer_id,
                 data={"mutations": len(results), "applied": applied, ROLE_CHANGED: refused})
