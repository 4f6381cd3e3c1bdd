"""Dispatch: assigning reports to units (by hand or to the nearest available designated unit), closing them as
duplicate / redirected / unfounded / rejected, extending deadlines, and what each role may see.

Every assignment appends the report's ASSIGN event (so the citizen hears of it), an Assignment row (chain of
custody) and an audit line; the sync change log follows automatically (see backend.sync.changes).
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.dispatch.models import Assignment
from backend.lib.clock import utcnow
from backend.lib.errors import ZanError
from backend.officers.auth import DISPATCH_ROLES, OfficerPrincipal, Role
from backend.officers.models import Unit
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By, is_restricted
from backend.reports.workflow import Action, Status
from backend.sync.changes import mark_report
from backend.sync.hlc import CLOCK
from backend.sync.models import ReportField
from backend.sync.views import OFFICER_FIELDS

EARTH_KM = 6371.0088
CLOSE_ACTIONS = {"duplicate": Action.MARK_DUPLICATE, "redirected": Action.REDIRECT, "unfounded": Action.CLOSE_UNFOUNDED,
                 "rejected": Action.REJECT}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


def by_for(principal: OfficerPrincipal, channel: str = "console") -> By:
    return By(principal.actor, str(principal.officer_id), channel)


def unit_may_take(unit: Unit, report: Report) -> bool:
    """Restricted categories go only to a unit designated for them; a police complaint never to ordinary units."""
    if is_restricted(report):
        return (report.category or "") in (unit.restricted_categories or [])
    return True


async def assign_nearest_unit(session: AsyncSession, report: Report) -> Unit | None:
    """The nearest *available* unit of the report's department (designated, for restricted categories), by
    haversine distance from the unit's last known position. Units without a position come last."""
    query = select(Unit).where(Unit.status == "available")  # type: ignore[arg-type]
    if report.department:
        query = query.where(Unit.department == report.department)  # type: ignore[arg-type]
    candidates = [u for u in await session.scalars(query) if unit_may_take(u, report)]
    if not candidates:
        return None

    def distance(unit: Unit) -> float:
        if unit.last_lat is None or unit.last_lon is None:
            return math.inf
        return haversine_km(report.lat, report.lon, unit.last_lat, unit.last_lon)

    return min(candidates, key=lambda u: (distance(u), u.code))


async def assign(session: AsyncSession, report: Report, unit: Unit, by: By, *, auto: bool = False,
                 reason: str | None = None) -> Assignment:
    """Assign (or reassign) `report` to `unit`: timeline event, custody record, audit. Caller commits."""
    if not unit_may_take(unit, report):
        raise ZanError("dispatch.unit_not_designated", 409)
    now = utcnow()
    previous = await session.scalars(select(Assignment).where(Assignment.report_id == report.id,  # type: ignore[arg-type]
                                                              Assignment.released_at.is_(None)))  # type: ignore[union-attr]
    for row in previous:
        row.released_at = now
    from_unit = report.unit_id
    distance = (haversine_km(report.lat, report.lon, unit.last_lat, unit.last_lon)
                if unit.last_lat is not None and unit.last_lon is not None else None)
    report.unit_id = unit.id
    if report.department is None:
        report.department = unit.department
    await reports.change_status(session, report, Action.ASSIGN, by, reason=reason, params={},
                                data={"unit_id": str(unit.id), "unit_code": unit.code, "auto": auto,
                                      "from_unit_id": str(from_unit) if from_unit else None})
    assignment = Assignment(report_id=report.id, unit_id=unit.id, assigned_by_type=by.actor.value,
                            assigned_by=by.actor_id, auto=auto,
                            distance_km=round(distance, 3) if distance is not None else None)
    session.add(assignment)
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action="report.assign",
                 target_type="report", target_id=report.id,
                 data={"unit_id": str(unit.id), "from_unit_id": str(from_unit) if from_unit else None, "auto": auto})
    return assignment


async def close(session: AsyncSession, report: Report, how: str, by: By, *, reason: str,
                duplicate_of: uuid.UUID | None = None, redirect_to: str | None = None) -> None:
    action = CLOSE_ACTIONS[how]
    if how == "duplicate":
        if duplicate_of is None or duplicate_of == report.id or await session.get(Report, duplicate_of) is None:
            raise ZanError("dispatch.duplicate_of_invalid", 422)
        report.duplicate_of = duplicate_of
    params: dict[str, object] = {"target": {"ru": redirect_to or "", "kk": redirect_to or "", "en": redirect_to or ""}}
    await reports.change_status(session, report, action, by, reason=reason, params=params,
                                data={"duplicate_of": str(duplicate_of) if duplicate_of else None})
    for row in await session.scalars(select(Assignment).where(Assignment.report_id == report.id,  # type: ignore[arg-type]
                                                              Assignment.released_at.is_(None))):  # type: ignore[union-attr]
        row.released_at = utcnow()
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action=f"report.close.{how}",
                 target_type="report", target_id=report.id, data={"reason_len": len(reason)})


async def extend(session: AsyncSession, report: Report, new_deadline: datetime, reason: str, by: By) -> None:
    await reports.extend_deadline(session, report, new_deadline, reason, by)
    mark_report(session, report)
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action="report.extend",
                 target_type="report", target_id=report.id, data={"deadline_at": new_deadline.isoformat()})


async def set_fields(session: AsyncSession, report: Report, fields: dict[str, str | None], by: By) -> list[str]:
    """A dispatcher's correction of officer text fields: stamped with server HLC, so it beats earlier tablet writes."""
    changed = []
    for name, value in fields.items():
        if name not in OFFICER_FIELDS:
            continue
        stamp = str(CLOCK.now())
        row = await session.get(ReportField, (report.id, name))
        if row is None:
            row = ReportField(report_id=report.id, field=name, hlc=stamp, actor_type=by.actor.value)
        row.value, row.hlc, row.actor_type, row.actor_id = value, stamp, by.actor.value, by.actor_id
        row.updated_at = utcnow()
        session.add(row)
        changed.append(name)
    if changed:
        mark_report(session, report)
    return changed


def visible_to(principal: OfficerPrincipal, designated: list[str]) -> Select[Report]:
    """Reports this officer may read. Dispatch roles and prosecutors: all; restricted ones only for supervisors,
    admins and prosecutors. Field officers: their unit's assignments, or their district — restricted categories
    only if their unit is designated. Anything else is a 404 (no IDOR)."""
    query = select(Report)
    if principal.role in (Role.SUPERVISOR, Role.ADMIN, Role.PROSECUTOR):
        return query
    if principal.role in DISPATCH_ROLES:
        return query.where(Report.restricted.is_(False))  # type: ignore[attr-defined]
    mine = Report.unit_id == principal.unit_id if principal.unit_id else Report.id.is_(None)  # type: ignore[attr-defined, union-attr]
    query = query.where(or_(mine, Report.district == principal.district))  # type: ignore[arg-type]
    return query.where(Report.restricted.is_(False) | Report.category.in_(designated)  # type: ignore[attr-defined,union-attr]
                       & (Report.unit_id == principal.unit_id))  # type: ignore[arg-type]


async def designated_categories(session: AsyncSession, principal: OfficerPrincipal) -> list[str]:
    if principal.unit_id is None:
        return []
    unit = await session.get(Unit, principal.unit_id)
    return list(unit.restricted_categories or []) if unit else []


async def get_visible(session: AsyncSession, principal: OfficerPrincipal, report_id: uuid.UUID, *,
                      lock: bool = False) -> Report:
    query = visible_to(principal, await designated_categories(session, principal)).where(Report.id == report_id)  # type: ignore[arg-type]
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    report = await session.scalar(query)
    if report is None:
        raise ZanError("report.not_found", 404)
    return report


def queue_query(principal: OfficerPrincipal) -> Select[Report]:
    """Triage and unassigned open reports: urgent first, then priority, then the nearest legal deadline."""
    open_unassigned = (Report.status.in_([Status.TRIAGE.value, Status.REGISTERED.value, Status.REOPENED.value])  # type: ignore[attr-defined]
                       & Report.unit_id.is_(None)) | (Report.status == Status.TRIAGE.value)  # type: ignore[union-attr]
    return visible_to(principal, []).where(open_unassigned)
