"""Dispatch: assigning reports to units (by hand or to the nearest available designated unit), closing them as
duplicate / redirected / unfounded / rejected, extending deadlines, and the queue. What each role may see is
backend.dispatch.visibility (re-exported here, where its callers have always taken it).

Every assignment appends the report's ASSIGN event (so the citizen hears of it), an Assignment row (chain of
custody) and an audit line; the sync change log follows automatically (see backend.sync.changes).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from msgspec import UNSET, UnsetType
from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from backend.audit.service import record
from backend.dispatch.jobs import awaiting_crew, unassigned_urgent
from backend.dispatch.models import Assignment, Escalation
from backend.dispatch.regions import districts_for

# the console's visibility rule, where routing and the duty bot have always taken it from
from backend.dispatch.visibility import Scope as Scope
from backend.dispatch.visibility import designated_categories as designated_categories
from backend.dispatch.visibility import get_visible as get_visible
from backend.dispatch.visibility import in_region
from backend.dispatch.visibility import readable as readable
from backend.dispatch.visibility import scope_of as scope_of
from backend.dispatch.visibility import visible_to as visible_to
from backend.lib.clock import as_utc, utcnow
from backend.lib.errors import FieldProblem, ZanError
from backend.lib.i18n import LANGS
from backend.lib.pagination import older_than
from backend.officers.auth import OfficerPrincipal, Role
from backend.officers.jurisdiction import around
from backend.officers.models import Unit
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By, is_restricted
from backend.reports.texts import NEUTRAL_DEPARTMENT, department_names
from backend.reports.workflow import WORKING, Action, Status, can
from backend.sync.changes import mark_report
from backend.sync.hlc import CLOCK
from backend.sync.hlc import parse as parse_hlc
from backend.sync.models import ReportField
from backend.sync.views import OFFICER_FIELDS
from ml.taxonomy import load_taxonomy

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


async def regional_units(session: AsyncSession, principal: OfficerPrincipal) -> Select[Unit]:
    """The units of `principal`'s region (every unit, for a national officer): the ones the console lists to them
    and the ones they may send. Police work is organised per region (backend.officers.jurisdiction): a duty officer
    of Astana neither sends Almaty's cars nor follows where they are."""
    districts = await districts_for(session, principal)
    query = select(Unit)
    return query if districts is None else query.where(col(Unit.district).in_(districts))


async def regional_unit(session: AsyncSession, principal: OfficerPrincipal, unit_id: uuid.UUID) -> Unit:
    """A unit `principal` may send (`regional_units`); another region's answers as a missing one does (404), as a
    report outside their region does."""
    unit = await session.scalar((await regional_units(session, principal)).where(col(Unit.id) == unit_id))
    if unit is None:
        raise ZanError("officer.unit_not_found", 404)
    return unit


async def assign_nearest_unit(session: AsyncSession, report: Report, *,
                              within: tuple[str, ...] | None = None) -> Unit | None:
    """The nearest *available* unit of the report's department (designated, for restricted categories) and of the
    report's region, by haversine distance from the unit's last known position. Units without a position come last.

    Never another region's unit: with the region's units busy, or none of them placed yet, the nearest positioned
    car was one 900 km away in another city. `within`: the districts to pick from for a report placed in none (the
    assigning officer's region; None: anywhere)."""
    query = select(Unit).where(Unit.status == "available")  # type: ignore[arg-type]
    districts = around(report.district) if report.district else within
    if districts is not None:
        query = query.where(col(Unit.district).in_(districts))
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
                 reason: str | None = None, visible: Select[Report] | None = None) -> Assignment:
    """Assign (or reassign) `report` to `unit`: timeline event, custody record, audit. Caller commits.

    An incident is one job for one unit: assigning its primary assigns every open member the workflow allows to
    the same unit (each with its own event and custody record); a member assigned on its own moves alone.
    `visible`: the reports the assigning officer may read (`readable`); a member outside them stays where it is.

    A report the unit already works is left as it is (see `held_by`)."""
    assignment = await held_by(session, report, unit) or await _assign_one(session, report, unit, by, auto=auto,
                                                                           reason=reason)
    for member in await reports.incident_followers(session, report, Action.ASSIGN, by, visible=visible):
        if unit_may_take(unit, member) and await held_by(session, member, unit) is None:
            await _assign_one(session, member, unit, by, auto=auto, **reports.as_follower(report, reason))
    return assignment


async def held_by(session: AsyncSession, report: Report, unit: Unit) -> Assignment | None:
    """The custody record under which `unit` works `report` now, if it does. Two duty officers take the same report
    off the top of the queue, or one click is sent twice: assigning it again to its own unit would put it back to
    "assigned" under a fresh record, dropping the crew's acceptance (an urgent report then escalates as not
    accepted, and its timer restarts) and telling the citizen a second time."""
    if report.unit_id != unit.id or report.status not in WORKING:
        return None
    return await session.scalar(select(Assignment).where(col(Assignment.report_id) == report.id,
                                                         col(Assignment.released_at).is_(None))
                                .order_by(col(Assignment.assigned_at).desc()).limit(1))


def ensure_holder_unchanged(report: Report, seen: uuid.UUID | UnsetType | None) -> None:
    """A step taken on what the console showed (`seen`: the unit it saw holding the report, None for none; UNSET: not
    said) is refused when another officer has assigned the report since: taking it from that unit, or closing it
    under a crew on its way, would silently undo their decision."""
    if seen is not UNSET and report.unit_id != seen:
        raise ZanError("dispatch.assignment_changed", 409,
                       extra={"unit_id": str(report.unit_id) if report.unit_id else None,
                              "report_status": report.status})


async def release_if_not_designated(session: AsyncSession, report: Report, by: By) -> bool:
    """A report reclassified into a restricted category its unit is not designated for leaves that unit (True if
    it did): the unit can no longer see it, and while it kept the unit no queue listed it. It waits in the
    dispatch queue, open and with no unit, for a designated one."""
    if report.status == Status.CLOSED or report.unit_id is None:
        return False
    unit = await session.get(Unit, report.unit_id)
    if unit is None or unit_may_take(unit, report):
        return False
    now = utcnow()
    await reports.release_custody(session, report.id, now)
    report.unit_id = None
    report.updated_at = now
    session.add(report)
    await reports.append_event(session, report, "custody_released", by, public=False,
                               reason="the unit is not designated for this category",
                               data={"unit_id": str(unit.id), "unit_code": unit.code})
    return True


async def follow_primary_unit(session: AsyncSession, primary: Report, member: Report, by: By) -> bool:
    """A report that joins an incident already being worked follows the primary's unit (True if it moved)."""
    if (primary.unit_id is None or primary.status not in WORKING or member.unit_id == primary.unit_id
            or not can(Action.ASSIGN, Status(member.status), by.actor)):
        return False
    unit = await session.get(Unit, primary.unit_id)
    if unit is None or not unit_may_take(unit, member):
        return False
    await _assign_one(session, member, unit, by, **reports.as_follower(primary, None))
    return True


async def _assign_one(session: AsyncSession, report: Report, unit: Unit, by: By, *, auto: bool = False,
                      reason: str | None = None, params: dict[str, object] | None = None,
                      data: dict[str, object] | None = None) -> Assignment:
    if not unit_may_take(unit, report):
        raise ZanError("dispatch.unit_not_designated", 409)
    now = utcnow()
    await reports.release_custody(session, report.id, now)
    from_unit = report.unit_id
    distance = (haversine_km(report.lat, report.lon, unit.last_lat, unit.last_lon)
                if unit.last_lat is not None and unit.last_lon is not None else None)
    report.unit_id = unit.id
    if report.department is None:
        report.department = unit.department
    # the citizen reads where it went in their own language: the taxonomy's name of the unit's department, or a
    # neutral name for a restricted report (whoever it is about may read the citizen's screen)
    department = NEUTRAL_DEPARTMENT if reports.is_restricted(report) else department_names(unit.department, unit.name)
    params = {**(params or {}), "department": department}
    await reports.change_status(session, report, Action.ASSIGN, by, reason=reason, params=params,
                                data={**(data or {}), "unit_id": str(unit.id), "unit_code": unit.code, "auto": auto,
                                      "from_unit_id": str(from_unit) if from_unit else None})
    assignment = Assignment(report_id=report.id, unit_id=unit.id, assigned_by_type=by.actor.value,
                            assigned_by=by.actor_id, auto=auto,
                            distance_km=round(distance, 3) if distance is not None else None)
    session.add(assignment)
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action="report.assign",
                 target_type="report", target_id=report.id,
                 data={"unit_id": str(unit.id), "from_unit_id": str(from_unit) if from_unit else None, "auto": auto})
    return assignment


def redirect_target(report: Report, redirect_to: str | None) -> dict[str, str]:
    """Whom a redirect notice names, per language: the law wants the applicant told where the appeal went. A
    taxonomy target code ("akimat", "112") by its names; other text as written (a body's proper name); nothing:
    the category's own redirect target. A category without one needs the dispatcher to say (422)."""
    taxonomy = load_taxonomy()
    given = (redirect_to or "").strip()
    known = {c.redirect.target: c.redirect for c in taxonomy.categories if c.redirect is not None}
    if given and given not in known:
        return {lang: given for lang in LANGS}
    redirect = known.get(given) if given else (
        taxonomy.category(report.category).redirect
        if report.category and taxonomy.has_category(report.category) else None)
    if redirect is None:
        raise ZanError("validation.failed", 422, errors=[FieldProblem("/redirect_to", "required")])
    return {lang: redirect.names.get(lang) for lang in LANGS}


def duplicate_of_invalid(duplicate_of: uuid.UUID | None) -> ZanError:
    """`duplicate_of` left out, or naming no report the closer may take as the original (a missing, hidden or
    in-incident one, all answered alike): the console points the officer at the field."""
    problem = FieldProblem("/duplicate_of", "required") if duplicate_of is None else FieldProblem("/duplicate_of")
    return ZanError("dispatch.duplicate_of_invalid", 422, errors=[problem])


async def close(session: AsyncSession, report: Report, how: str, by: By, *, reason: str,
                duplicate_of: uuid.UUID | None = None, redirect_to: str | None = None,
                visible: Select[Report] | None = None) -> None:
    """Close with a reason; on an incident's primary the open members close with it (reports.change_status), those
    of `visible` only if given (`readable`). The caller checks that `duplicate_of` is a report it may read (see
    the controller). The officer whose closing a pending appeal complains of is refused (403), and a member under
    such an appeal stays open (reports.appeals.refuse_own_appeal, which every closing takes in change_status)."""
    reports.require_text(reason, "/reason")  # public: the reporter reads why (zero-width characters alone are blank)
    action = CLOSE_ACTIONS[how]
    original = None
    if how == "duplicate":
        original = await session.get(Report, duplicate_of) if duplicate_of is not None else None
        # a primary is no duplicate of a report in its own incident: that is a split or nothing
        if (original is None or original.id == report.id
                or (reports.is_primary(report) and original.incident_id == report.incident_id)):
            raise duplicate_of_invalid(duplicate_of)
    params: dict[str, object] = {"target": redirect_target(report, redirect_to)} if how == "redirected" else {}
    followers = await reports.incident_followers(session, report, action, by, visible=visible)
    await reports.change_status(session, report, action, by, reason=reason, params=params, visible=visible,
                                data={"duplicate_of": str(duplicate_of) if duplicate_of else None})
    closed = [r for r in (report, *followers) if r.status == Status.CLOSED]
    for closed_report in closed:
        if how == "duplicate" and original is not None:
            closed_report.duplicate_of = original.id
            # "you will be kept informed": the original's closing (or its outcome, if it is already closed) reaches
            # this reporter too
            await reports.link_duplicate(session, closed_report, original, by)
        await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action=f"report.close.{how}",
                     target_type="report", target_id=closed_report.id, data={"reason_len": len(reason)})


async def request_info(session: AsyncSession, report: Report, reason: str, by: By, *,
                       device_time: datetime | None = None) -> None:
    """Ask the reporter for information: they see "needs your input" with `reason` (public, in the report's
    language), and their comment puts the report back in work (reports.service, REPORTER_REPLIED). `device_time`:
    when a tablet's officer asked, in the field (the sync came later). A question of invisible characters only
    would ask the reporter nothing: 422 (a tablet's is rejected with its code)."""
    reports.require_text(reason, "/reason")
    await reports.change_status(session, report, Action.REQUEST_INFO, by, reason=reason, device_time=device_time)
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action="report.request_info",
                 target_type="report", target_id=report.id, data={"reason_len": len(reason)})


async def extend(session: AsyncSession, report: Report, new_deadline: datetime, reason: str, by: By) -> None:
    reports.require_text(reason, "/reason")  # a reasoned decision, told to the reporter
    await reports.extend_deadline(session, report, new_deadline, reason, by)
    mark_report(session, report)
    # the term the report got (it runs to the end of the day named), not the instant the console sent
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action="report.extend",
                 target_type="report", target_id=report.id, data={"deadline_at": report.deadline_at.isoformat()})


async def set_fields(session: AsyncSession, report: Report, fields: dict[str, str | None], by: By) -> list[str]:
    """A dispatcher's correction of officer text fields: stamped with server HLC, so it beats earlier tablet writes.

    Allowed on closed reports too (neither the workflow nor the sync protocol freezes them; a reopening is the
    citizen's or oversight's), but never silently: an internal event keeps each field's previous value and who wrote
    it, and an audit line names the fields and that provenance. Both are sealed by the ledger, so oversight sees
    that field findings were altered, and from what. An unknown field name is a 422, not ignored."""
    unknown = [name for name in fields if name not in OFFICER_FIELDS]
    if unknown:
        raise ZanError("validation.failed", 422,
                       errors=[FieldProblem(f"/fields/{name}", "unknown_field") for name in unknown])
    changed: list[str] = []
    provenance: dict[str, dict[str, Any] | None] = {}  # who wrote each field's previous text, and when
    previous: dict[str, dict[str, Any] | None] = {}  # the same, with the text itself
    for name, value in fields.items():
        row = await session.get(ReportField, (report.id, name))
        provenance[name] = previous[name] = None
        if row is not None:
            # the stored stamp may come from another replica, or from before a restart, and run ahead of this
            # process's clock (tablets may stamp up to 5 min ahead): the correction must still be the later write
            CLOCK.accept(parse_hlc(row.hlc))
            written = row.written()
            provenance[name], previous[name] = written, {**written, "value": row.value}
        stamp = str(CLOCK.now())
        if row is None:
            row = ReportField(report_id=report.id, field=name, hlc=stamp, actor_type=by.actor.value)
        row.value, row.hlc, row.actor_type, row.actor_id = value, stamp, by.actor.value, by.actor_id
        row.updated_at = utcnow()
        session.add(row)
        changed.append(name)
    if not changed:
        return changed
    mark_report(session, report)
    # the field rows are rewritten in place; the event (internal: oversight reads it in the history) keeps the
    # text that was there, the audit line (no personal data: names, lengths, writers) says who changed what
    event = await reports.append_event(session, report, "fields_corrected", by, public=False,
                                       data={"fields": changed, "report_status": report.status,
                                             "previous": previous, "values": dict(fields)})
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action="report.fields",
                 target_type="report", target_id=report.id,
                 data={"fields": changed, "report_status": report.status, "event_id": str(event.id),
                       "previous": provenance})
    return changed


async def escalations_page(session: AsyncSession, principal: OfficerPrincipal,
                           after: tuple[datetime, uuid.UUID] | None, limit: int) -> list[tuple[Escalation, Report]]:
    """Escalations still due of open reports this officer may read, newest first (`still_due`: a closed report's,
    or one whose cause was settled since, is moot; its audit line and push keep the record). SQL leaves out what it
    can tell is settled (`_maybe_due`); the rest is read in batches past what `still_due` then settles, so a page is
    full whenever that many are due, and its last row is where the next one starts."""
    query = ((await readable(session, principal))
             .add_columns(Escalation).join(Escalation, col(Escalation.report_id) == Report.id)
             .where(Report.status != Status.CLOSED.value, _maybe_due())  # type: ignore[arg-type]
             .order_by(col(Escalation.created_at).desc(), col(Escalation.id).desc()))
    due: list[tuple[Escalation, Report]] = []
    while len(due) < limit:
        batch = (await session.execute((query if after is None else query.where(
            older_than(col(Escalation.created_at), col(Escalation.id), after))).limit(limit))).all()
        if not batch:
            break
        unaccepted = await _unaccepted(session, [e.subject for _, e in batch if e.kind == "unaccepted_urgent"])
        waiting = [report.id for report, e in batch if e.kind == "unassigned_urgent"]
        stretches = {report_id: since.isoformat()
                     for report_id, since in await unassigned_urgent(session, report_ids=waiting)} if waiting else {}
        due += [(escalation, report) for report, escalation in batch
                if still_due(escalation, report, unaccepted, stretches)]
        after = (batch[-1][1].created_at, batch[-1][1].id)
    return due[:limit]


async def is_still_due(session: AsyncSession, escalation: Escalation, report: Report) -> bool:
    """`still_due` for one escalation, with what it needs read (the duty bot, before it tells a supervisor: its
    message may wait an hour for Telegram, and by then the crew may have accepted or a unit taken the report)."""
    unaccepted = (await _unaccepted(session, [escalation.subject])
                  if escalation.kind == "unaccepted_urgent" else set())
    stretches = ({report_id: since.isoformat()
                  for report_id, since in await unassigned_urgent(session, report_ids=[report.id])}
                 if escalation.kind == "unassigned_urgent" else {})
    return still_due(escalation, report, unaccepted, stretches)


def still_due(escalation: Escalation, report: Report, unaccepted: set[str], stretches: dict[uuid.UUID, str]) -> bool:
    """Whether what `escalation` was made for (backend.dispatch.jobs) still holds for the open `report`: the report
    is still urgent and without a unit in the same stretch in the queue (`stretches`: when each such report was last
    left without one, the subject jobs.unassigned_urgent gives), the assignment named is still not accepted while the
    report waits for its crew (`unaccepted`: those of them still held and not accepted), the deadline or redirect
    term named is still the report's. Another stretch without a unit, another unit, a new term escalate again under
    their own subject, and only that escalation is listed."""
    if escalation.kind == "unassigned_urgent":
        return escalation.subject == stretches.get(report.id)
    if escalation.kind == "unaccepted_urgent":
        # `unaccepted` holds only what the job would escalate now (jobs.awaiting_crew): the console's question to
        # the reporter leaves it due, as the crew has still not confirmed; a crew step, or another unit, settles it
        return escalation.subject in unaccepted
    if escalation.kind in _ON_DEADLINE:  # settled by a new deadline (extended, or restarted by an appeal)
        return escalation.subject == as_utc(report.deadline_at).isoformat()
    if escalation.kind == "redirect_due":
        return report.redirect_due_at is not None and escalation.subject == as_utc(report.redirect_due_at).isoformat()
    return True  # a kind this list does not know how to settle stays listed


# the escalations about the report's current deadline: about to lapse, and its citizen's complaint that it did
# (reports.service.complain_of_delay)
_ON_DEADLINE = ("deadline_near", "delay_complaint")
# the actions after which a report's legal deadline is another one: an extension lengthens it, an appeal starts a
# fresh term (both later than a deadline escalated before them: reports.service.extend_deadline, change_status)
_NEW_DEADLINE = (Action.REOPEN.value, "extend")


def _maybe_due() -> ColumnElement[bool]:
    """A filter on Escalation joined with its Report: what `still_due` needs of it that SQL can tell, so the settled
    escalations, thousands in a busy week, are left in the database instead of being read in batches to be dropped
    (bench/escalations.py: 5,000 settled took a page 300 statements). Only ever necessary: `still_due` decides on
    what it lets through (the same stretch in the queue, the same assignment, the same term)."""
    kind = col(Escalation.kind)
    held = exists().where(col(Assignment.report_id) == col(Report.id), awaiting_crew())
    extended = exists().where(col(ReportEvent.report_id) == col(Report.id),
                              col(ReportEvent.action).in_(_NEW_DEADLINE),
                              col(ReportEvent.created_at) > col(Escalation.created_at))
    return or_(and_(kind == "unassigned_urgent", col(Report.urgent).is_(True), col(Report.unit_id).is_(None)),
               and_(kind == "unaccepted_urgent", held),
               and_(kind.in_(_ON_DEADLINE), ~extended),
               and_(kind == "redirect_due", col(Report.redirect_due_at).is_not(None)),
               kind.not_in(("unassigned_urgent", "unaccepted_urgent", *_ON_DEADLINE, "redirect_due")))


async def _unaccepted(session: AsyncSession, assignment_ids: list[str]) -> set[str]:
    """Of the assignments named (unaccepted_urgent subjects), those whose crew has still not confirmed them
    (jobs.awaiting_crew: held, not accepted, no crew step since, the report still urgent)."""
    if not assignment_ids:
        return set()
    rows = await session.scalars(select(col(Assignment.id)).join(Report, col(Report.id) == col(Assignment.report_id))
                                 .where(col(Assignment.id).in_([uuid.UUID(a) for a in assignment_ids]),
                                        awaiting_crew()))
    return {str(assignment_id) for assignment_id in rows}


def _waiting(table: Any) -> Any:
    """Triage, or open and with no unit (not yet, or no longer: see release_if_not_designated)."""
    return ((table.status != Status.CLOSED.value) & table.unit_id.is_(None)) | (table.status == Status.TRIAGE.value)


def _entries(principal: OfficerPrincipal, scope: Scope) -> Select[Report]:
    """Triage and unassigned open reports, one entry per incident: its primary, or, if the primary is not waiting
    (assigned, closed, or hidden from this officer), its earliest waiting report; the others of the incident are
    listed on that entry's card."""
    other = aliased(Report)
    better = (other.incident_id == Report.incident_id) & (other.id != Report.id) & _waiting(other) & (
        (other.id == other.incident_id)
        | ((Report.id != Report.incident_id)
           & ((other.created_at < Report.created_at)
              | ((other.created_at == Report.created_at) & (other.id < Report.id)))))
    behind_another = Report.incident_id.is_not(None) & exists().where(better & _shown(principal, scope, other))  # type: ignore[union-attr]
    return visible_to(principal, scope).where(_waiting(Report), ~behind_another)


def _shown(principal: OfficerPrincipal, scope: Scope, table: Any) -> Any:
    """Another report of an incident counts for this officer's queue only if the officer may see it (an incident
    near a regional border may have a report across it)."""
    if principal.role in (Role.SUPERVISOR, Role.ADMIN, Role.PROSECUTOR):
        return in_region(scope, table)
    return table.restricted.is_(False) & in_region(scope, table)


PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}  # an unknown priority ranks after "low"


def _urgent_rank(table: Any) -> Any:
    return case((table.urgent.is_(True), 0), else_=1)


def _priority_rank(table: Any) -> Any:
    return case(PRIORITY_RANK, value=table.priority, else_=len(PRIORITY_RANK))


@dataclass(frozen=True)
class QueueKey:
    """Where a queue entry stands: the urgent flag (0: urgent), priority rank and deadline of its incident's most
    urgent open report (the entry's own when it is no incident), then the entry's registration time and id."""

    urgent: int
    priority: int
    deadline_at: datetime
    created_at: datetime
    id: uuid.UUID


async def queue_page(session: AsyncSession, principal: OfficerPrincipal, after: QueueKey | None,
                     limit: int) -> list[tuple[Report, QueueKey]]:
    """The dispatch queue, most urgent first: urgent flag, then priority, then the nearest legal deadline, then the
    longest waiting. A deadline is the end of a local day, shared by every report registered that day: without the
    age, a day's reports of one priority came in the order of their random ids.

    An incident ranks by its most urgent open report, not by whichever report stands for it: a "me too" report
    saying "he has a knife now" lifts the whole incident. Keyset pagination on the returned keys."""
    member = aliased(Report)
    scope = await scope_of(session, principal)

    def of_most_urgent(value: Any, own: Any) -> Any:
        # `value` of the incident's most urgent open report (the entry itself is one); a report in no incident
        # only has its own, and skips the lookup. Correlated lookups on ix_reports_incident_id rather than a join
        # on a computed id, which PostgreSQL answers with a scan of the whole table
        most_urgent = (
            select(value)
            .where(col(member.incident_id) == col(Report.incident_id), col(member.status) != Status.CLOSED.value,
                   _shown(principal, scope, member))
            .order_by(_urgent_rank(member), _priority_rank(member), col(member.deadline_at), col(member.id))
            .limit(1).correlate(Report).scalar_subquery()
        )
        return case((col(Report.incident_id).is_(None), own), else_=func.coalesce(most_urgent, own))

    u = of_most_urgent(_urgent_rank(member), _urgent_rank(Report))
    p = of_most_urgent(_priority_rank(member), _priority_rank(Report))
    d = of_most_urgent(col(member.deadline_at), col(Report.deadline_at))
    query = _entries(principal, scope).add_columns(u, p, d)
    if after is not None:
        # one row comparison (none of the five is ever NULL), not the OR of its expansion: that repeated each
        # correlated lookup ten times, and its cost estimate alone had PostgreSQL JIT-compile the page (2.5 s)
        query = query.where(tuple_(u, p, d, col(Report.created_at), col(Report.id))
                            > tuple_(after.urgent, after.priority, after.deadline_at, after.created_at, after.id))
    rows = await session.execute(query.order_by(u, p, d, col(Report.created_at), col(Report.id)).limit(limit))
    return [(report, QueueKey(int(ur), int(pr), dl, report.created_at, report.id)) for report, ur, pr, dl in rows]


@dataclass(frozen=True)
class Incident:
    """What a card shows of a report's incident (its id is the primary's): the other reports this officer may see,
    and what the queue ranks the incident by (its most urgent open report's urgent flag, priority and deadline)."""

    incident_id: uuid.UUID
    report_ids: list[uuid.UUID]
    size: int
    urgent: bool
    priority: str
    deadline_at: datetime


def _rank(urgent: bool, priority: str, deadline_at: datetime) -> tuple[int, int, datetime]:
    """The queue's order (queue_page) for rows already loaded."""
    return (0 if urgent else 1, PRIORITY_RANK.get(priority, len(PRIORITY_RANK)), deadline_at)


async def incidents(session: AsyncSession, principal: OfficerPrincipal,
                    page: list[Report]) -> dict[uuid.UUID, Incident]:
    """Incidents of the given reports, by report id, in one query (restricted reports stay hidden as usual)."""
    wanted = {r.incident_id for r in page if r.incident_id is not None}
    if not wanted:
        return {}
    query = await readable(session, principal)
    rows = (await session.execute(
        query.with_only_columns(col(Report.id), col(Report.incident_id), col(Report.status), col(Report.urgent),
                                col(Report.priority), col(Report.deadline_at))
        .where(col(Report.incident_id).in_(wanted))
        .order_by(col(Report.created_at), col(Report.id)))).all()
    members: dict[uuid.UUID | None, list[uuid.UUID]] = {}
    lead: dict[uuid.UUID | None, tuple[bool, str, datetime]] = {}
    for report_id, incident_id, status, urgent, priority, deadline_at in rows:
        members.setdefault(incident_id, []).append(report_id)
        best = lead.get(incident_id)
        if status != Status.CLOSED and (best is None or _rank(urgent, priority, deadline_at) < _rank(*best)):
            lead[incident_id] = (urgent, priority, deadline_at)
    out = {}
    for report in page:
        if report.incident_id is None:
            continue
        ids = members.get(report.incident_id, [])
        urgent, priority, deadline_at = lead.get(report.incident_id,
                                                 (report.urgent, report.priority, report.deadline_at))
        out[report.id] = Incident(incident_id=report.incident_id, report_ids=[i for i in ids if i != report.id],
                                  size=len(ids) or 1, urgent=urgent, priority=priority, deadline_at=deadline_at)
    return out
