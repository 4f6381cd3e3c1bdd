"""Dispatch: assigning reports to units (by hand or to the nearest available designated unit), closing them as
duplicate / redirected / unfounded / rejected, extending deadlines, asking the reporter, correcting officer fields.
What each role may see is backend.dispatch.visibility, and the queue and escalation lists backend.dispatch.queue (both
re-exported here, where their callers have always taken them).

Every assignment appends the report's ASSIGN event (so the citizen hears of it), an Assignment row (chain of
custody) and an audit line; the sync change log follows automatically (see backend.sync.changes).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from msgspec import UNSET, UnsetType
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.audit.service import record
from backend.dispatch.designation import departments_under, history_of, may_hold
from backend.dispatch.models import Assignment

# the queue and the escalations (backend.dispatch.queue), where their callers have always taken them
from backend.dispatch.queue import PRIORITY_RANK as PRIORITY_RANK
from backend.dispatch.queue import Incident as Incident
from backend.dispatch.queue import QueueKey as QueueKey
from backend.dispatch.queue import escalations_page as escalations_page
from backend.dispatch.queue import incidents as incidents
from backend.dispatch.queue import is_still_due as is_still_due
from backend.dispatch.queue import queue_page as queue_page
from backend.dispatch.queue import shown_digest as shown_digest
from backend.dispatch.queue import still_due as still_due
from backend.dispatch.queue import urgent_ahead as urgent_ahead
from backend.dispatch.regions import districts_for

# the console's visibility rule, where routing and the duty bot have always taken it from
from backend.dispatch.visibility import Scope as Scope
from backend.dispatch.visibility import designated_categories as designated_categories
from backend.dispatch.visibility import get_visible as get_visible
from backend.dispatch.visibility import readable as readable
from backend.dispatch.visibility import scope_of as scope_of
from backend.dispatch.visibility import visible_to as visible_to
from backend.lib.clock import utcnow
from backend.lib.errors import FieldProblem, ZanError
from backend.lib.i18n import LANGS
from backend.officers.auth import OfficerPrincipal
from backend.officers.jurisdiction import around
from backend.officers.models import Unit
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
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


def unit_may_take(unit: Unit, report: Report, earlier: Iterable[str | None] = ()) -> bool:
    """Restricted reports go only to a unit designated for the restricted category they are restricted under, a
    police complaint never to ordinary units (backend.dispatch.designation; `earlier`: the report's
    `history_of`, which a report reclassified out of a restricted category needs)."""
    return may_hold(unit.restricted_categories or [], report, earlier)


async def may_take(session: AsyncSession, unit: Unit, report: Report) -> bool:
    """`unit_may_take` with the report's history read."""
    return unit_may_take(unit, report, await history_of(session, report))


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


async def assign_nearest_unit(session: AsyncSession, report: Report, *, within: tuple[str, ...] | None = None,
                              earlier: Iterable[str | None] | None = None) -> Unit | None:
    """The nearest *available* unit of the report's department (designated, for restricted categories) and of the
    report's region, by haversine distance from the unit's last known position. Units without a position come last.

    Never another region's unit: with the region's units busy, or none of them placed yet, the nearest positioned
    car was one 900 km away in another city. `within`: the districts to pick from for a report placed in none (the
    assigning officer's region; None: anywhere). `earlier`: the report's `history_of` when the caller has read it
    (it is read here otherwise)."""
    query = select(Unit).where(Unit.status == "available")  # type: ignore[arg-type]
    districts = around(report.district) if report.district else within
    if districts is not None:
        query = query.where(col(Unit.district).in_(districts))
    earlier = await history_of(session, report) if earlier is None else earlier
    if report.department:
        # a restricted report whose category is now an ordinary one is still taken by a designated unit of the
        # department of the category it is restricted under (a family-violence inspector, not a patrol car)
        departments = {report.department, *departments_under(report, earlier)}
        query = query.where(col(Unit.department).in_(sorted(departments)))
    candidates = [u for u in await session.scalars(query) if unit_may_take(u, report, earlier)]
    if not candidates:
        return None

    def distance(unit: Unit) -> float:
        if unit.last_lat is None or unit.last_lon is None:
            return math.inf
        return haversine_km(report.lat, report.lon, unit.last_lat, unit.last_lon)

    return min(candidates, key=lambda u: (distance(u), u.code))


async def assign(session: AsyncSession, report: Report, unit: Unit, by: By, *, auto: bool = False,
                 reason: str | None = None, visible: Select[Report] | None = None,
                 earlier: Iterable[str | None] | None = None) -> Assignment:
    """Assign (or reassign) `report` to `unit`: timeline event, custody record, audit. Caller commits.

    An incident is one job for one unit: assigning its primary assigns every open member the workflow allows to
    the same unit (each with its own event and custody record); a member assigned on its own moves alone.
    `visible`: the reports the assigning officer may read (`readable`); a member outside them stays where it is.
    `earlier`: `report`'s `history_of` when the caller has read it (it is read here otherwise).

    A report the unit already works is left as it is (see `held_by`)."""
    assignment = await held_by(session, report, unit) or await _assign_one(session, report, unit, by, auto=auto,
                                                                           reason=reason, earlier=earlier)
    for member in await reports.incident_followers(session, report, Action.ASSIGN, by, visible=visible):
        member_earlier = await history_of(session, member)
        if unit_may_take(unit, member, member_earlier) and await held_by(session, member, unit) is None:
            await _assign_one(session, member, unit, by, auto=auto, earlier=member_earlier,
                              **reports.as_follower(report, reason))
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
    if unit is None or await may_take(session, unit, report):
        return False
    now = utcnow()
    await reports.release_custody(session, report.id, now)
    report.unit_id = None
    report.updated_at = now
    session.add(report)
    await reports.append_event(session, report, "custody_released", by, public=False,
                               reason="the unit is not designated for this category",
                               data={"unit_id": str(unit.id), "unit_code": unit.code})
    # audited as every other change of who holds a report (assign, close): the trail must show the unit let go of
    # it and whose step (a dispatcher's reclassification or label, or routing: the system) took it away
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action="report.release",
                 target_type="report", target_id=report.id,
                 data={"unit_id": str(unit.id), "reason": "not_designated", "category": report.category})
    return True


async def follow_primary_unit(session: AsyncSession, primary: Report, member: Report, by: By) -> bool:
    """A report that joins an incident already being worked follows the primary's unit (True if it moved)."""
    if (primary.unit_id is None or primary.status not in WORKING or member.unit_id == primary.unit_id
            or not can(Action.ASSIGN, Status(member.status), by.actor, held=member.unit_id is not None)):
        return False
    unit = await session.get(Unit, primary.unit_id)
    if unit is None:
        return False
    earlier = await history_of(session, member)
    if not unit_may_take(unit, member, earlier):
        return False
    await _assign_one(session, member, unit, by, earlier=earlier, **reports.as_follower(primary, None))
    return True


async def _assign_one(session: AsyncSession, report: Report, unit: Unit, by: By, *, auto: bool = False,
                      reason: str | None = None, params: dict[str, object] | None = None,
                      data: dict[str, object] | None = None,
                      earlier: Iterable[str | None] | None = None) -> Assignment:
    """`earlier`: the report's `history_of` when the caller has read it (read here otherwise)."""
    if earlier is None:
        earlier = await history_of(session, report)
    if not unit_may_take(unit, report, earlier):
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
    language), and their comment puts the report back in work, or in triage if no unit holds it (asked before one
    was assigned: workflow, REPORTER_REPLIED). `device_time`:
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
