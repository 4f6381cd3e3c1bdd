"""A tablet's report mutations: the crew's write-up texts (per field, last writer on the HLC wins; another writer's
text replaced or outrunning this one is kept in a sealed event), its status steps along the lattice assigned <
en_route < on_scene < resolved (never backwards, a step not forward superseded), and its request for information
from the reporter. Called by the push ledger (backend.sync.ledger), one mutation in its own savepoint."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.dispatch import service as dispatch
from backend.dispatch.schemas import Reason
from backend.lib.clock import utcnow
from backend.lib.errors import ZanError
from backend.officers.auth import OfficerPrincipal
from backend.reports import appeals
from backend.reports import service as reports
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import GROUND_RANK, KEEPS_STATUS, Action, Outcome, Status, recorded_in_place
from backend.sync import hlc as hlcs
from backend.sync import sealed
from backend.sync.changes import mark_report
from backend.sync.custody import closed_in_crews_hands, crew_has_or_had, former_holder, written_at
from backend.sync.lookups import created, lookup, report_by_id
from backend.sync.models import ReportField
from backend.sync.mutation import Mutation, Rejected, by_tablet, device_time_of, keeping, result_of, stamp_of, texts_of
from backend.sync.schemas import TEXT_MAX_LENGTH
from backend.sync.views import OFFICER_FIELDS, Viewer, report_visible

# the tablet's status lattice; a status never moves backwards from a tablet and never uses time
# the ground steps rank as the workflow ranks them (reports.ground_reached reads how far a crew got by the same)
LATTICE = {"assigned": 0, **{step.value: rank for step, rank in GROUND_RANK.items()}, "resolved": 3}

# where the statuses that say where the crew is stand on it; in_progress and awaiting_reporter say how the work goes
# instead, and the crew's own steps tell how far it got (_reached)
SERVER_RANK = {Status.ASSIGNED: 0, Status.EN_ROUTE: 1, Status.ON_SCENE: 2, Status.CLOSED: 3}
STEP_ACTION = {"en_route": Action.EN_ROUTE, "on_scene": Action.ON_SCENE, "resolved": Action.RESOLVE}
READ_ONLY = frozenset({"priority", "urgent", "unit_id", "assignee", "category", "department", "citizen_id",
                       "reporter", "anonymous", "number", "text", "deadline_at", "restricted", "resolution",
                       "duplicate_of", "lat", "lon", "accuracy_m", "district", "incident_id", "primary"})
REPORT_EXTRA = frozenset({"status", "outcome"})


async def update_report(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer,
                        m: Mutation) -> dict[str, Any]:
    report = await report_by_id(session, m.id)
    if report is None:
        raise Rejected("not_assigned")
    # the crew's write-up queued behind its own "resolved" (typed on scene after marking it, pushed in one batch)
    # lands on the report that step closed, and so does one typed on scene while its citizen withdrew it;
    # dispatcher-only fields keep the visibility rule
    write_up = ("status" not in m.fields and not set(m.fields) & READ_ONLY
                and any(name in m.fields for name in OFFICER_FIELDS))
    after_close = not report_visible(report, viewer)
    # so does a crewmate's step on a report its crew closed meanwhile (two tablets of one car, both offline, both
    # marking it resolved): the step is one the crew already recorded, superseded by _advance_status, and the
    # write-up sent with it is applied, not lost with a `not_assigned` for a report the crew did hold
    own_step = "status" in m.fields and not set(m.fields) & READ_ONLY
    if after_close and not ((write_up or own_step) and await closed_in_crews_hands(session, viewer, report)):
        # a write-up typed before the officer was moved to another unit is kept on the report the old unit holds
        written = written_at(m.device_time, m.hlc)
        texts = texts_of(m)
        # the texts a step carries (a "resolved" with its findings) are as much the crew's write-up as texts sent
        # alone: the step is refused (only the holding crew moves a status), but the texts are kept with the
        # answer, or the tablet drops them from its outbox with nothing left on the server
        keeps = write_up or (own_step and bool(texts))
        former = await former_holder(session, officer, report, written) if keeps else None
        if former is None:
            if keeps and await crew_has_or_had(session, officer, viewer, report):
                # the officer's crew (now or one they have left) held the report, which dispatch has since given to
                # another unit, closed or reopened: the dispatcher's decision wins (not applied), but what the crew
                # found on scene is kept with the answer, as a moved officer's is, not dropped from the tablet with
                # nothing left. Typed before or after that decision alike: a crew may reach the scene before its
                # tablet learns of it, and saw what it saw (the same rule as a late note, custody)
                raise keeping_texts("not_assigned", report, m)
            raise Rejected("not_assigned")
        if former == "after":
            raise keeping_texts("unit_changed", report, m)
        if not write_up:
            # typed in the old crew, which still holds the report: a moved officer's step is refused (they are no
            # longer on that crew), the texts sent with it kept
            raise keeping_texts("not_assigned", report, m)
    try:
        return await _apply_update(session, officer, viewer, m, report, after_close)
    except Rejected as exc:
        # the crew may write to this report: whatever refuses the mutation now (a dispatcher-only field sent with
        # the findings, a status off the lattice, a "resolved" without its outcome or of the appeal against the
        # officer's own closing) refuses it whole, and the tablet drops it from its outbox, so the texts it carried
        # are kept with the answer (one rule for every such refusal)
        raise keeping_texts(exc.reason, report, m, **exc.extra) from exc
    except ZanError as exc:  # a workflow refusal (report.appeal_own_decision): its code is the reason
        raise keeping_texts(exc.code, report, m) from exc


def keeping_texts(reason: str, report: Report, m: Mutation, **extra: Any) -> Rejected:
    """The final refusal of a report update, with the officer's texts it carried kept on the server (`kept: true`,
    stored in the ledger row and sealed into the report's record, ledger._record_kept): refused, the mutation leaves
    the tablet's outbox, and what the crew wrote must not leave with it. Only for an officer whose crew has or had
    the report: a stranger's text never enters a report's record. Nothing to keep: the refusal as it is."""
    texts = texts_of(m)
    return Rejected(reason, **extra, **(keeping(report.id, fields=texts) if texts else {}))


async def _apply_update(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer, m: Mutation,
                        report: Report, after_close: bool) -> dict[str, Any]:
    """update_report on a report the officer may write to: the texts per field, then the status step."""
    read_only = sorted(set(m.fields) & READ_ONLY)
    if read_only:
        raise Rejected("read_only", read_only_fields=read_only)
    stamp = stamp_of(m)
    # an outcome only rides along with a status step; alone it changes nothing
    known = set(OFFICER_FIELDS) | (REPORT_EXTRA if "status" in m.fields else set())
    # applied to a report the tablet no longer holds: the ledger (_finish) marks it for the pusher, whose next pull
    # removes it
    result = result_of(m, "applied", ignored_fields=sorted(set(m.fields) - known), foreign_scope=after_close)
    by = by_tablet(officer)
    closed_before = report.status == Status.CLOSED
    overwritten: dict[str, dict[str, Any]] = {}  # another writer's text this push replaces, and who wrote it
    outrun: dict[str, dict[str, Any]] = {}  # this push's text that another writer's later one already replaced
    for name in OFFICER_FIELDS:
        if name not in m.fields:
            continue
        value = m.fields[name]
        new_value = None if value is None else str(value)[:TEXT_MAX_LENGTH]
        current = await lookup(session, ReportField, (report.id, name))
        if current is not None and hlcs.parse(current.hlc) >= stamp:
            result["superseded_fields"].append(name)
            if (new_value is not None and new_value != current.value
                    and current.actor_id not in (None, str(officer.officer_id))):
                outrun[name] = {"text": new_value, "kept": current}
            continue
        if current is None:
            current = ReportField(report_id=report.id, field=name, hlc=str(stamp), actor_type=officer.role.value)
            created(session, ReportField, (report.id, name))
        if (current.value is not None and current.value != new_value
                and current.actor_id not in (None, str(officer.officer_id))):
            overwritten[name] = {**current.written(), "value": current.value, "new_value": new_value}
        current.value = new_value
        current.hlc, current.actor_type, current.actor_id = str(stamp), officer.role.value, str(officer.officer_id)
        current.updated_at = utcnow()
        session.add(current)
        result["applied_fields"].append(name)
    if overwritten:
        # a crewmate's (or a dispatcher's) findings replaced from a tablet: the rows are rewritten in place, so an
        # internal event, sealed like every event, keeps what was there and who wrote it, as a dispatcher's
        # correction does (backend.dispatch.service.set_fields). An officer revising their own text is a draft
        # and leaves no event.
        await _record_overwritten(session, report, by, {
            "fields": sorted(overwritten), "report_status": report.status,
            "previous": {name: {k: v for k, v in was.items() if k != "new_value"} for name, was in overwritten.items()},
            "values": {name: was["new_value"] for name, was in overwritten.items()}})
    if outrun:
        # the same texts the other way round: a crewmate's (or a dispatcher's) text stamped later reached the server
        # first. The later one stands, as it would have in clock order, but this officer's text is kept in the record
        # as it would then have been (a `fields_overwritten` naming its writer and what replaced it): which texts
        # the record holds must not depend on which tablet found the network first
        await _record_overwritten(session, report, by, {
            "fields": sorted(outrun), "report_status": report.status, "arrived_after": True,
            "mutation_id": m.mutation_id,
            "previous": {name: {"actor_type": officer.role.value, "actor_id": str(officer.officer_id),
                                "hlc": str(stamp), "updated_at": None, "length": len(lost["text"]),
                                "value": lost["text"]} for name, lost in outrun.items()},
            "values": {name: lost["kept"].value for name, lost in outrun.items()},
            "replaced_by": {name: lost["kept"].written() for name, lost in outrun.items()}})
    # the status step after the texts: a "resolved" sent with the write-up closes the report on it, so the record
    # the closing makes (sealed.FIELDS_RECORDED, reports.service.change_status) holds the texts it was resolved with
    if "status" in m.fields:
        # a refusal here (invalid_status, invalid_outcome, the appeal against one's own closing) rolls the texts
        # back with it: update_report keeps them with the answer
        moved = await _advance_status(session, report, str(m.fields["status"]), m, by, device_time_of(m, stamp),
                                      viewer.unit_id)
        result["applied_fields" if moved else "superseded_fields"].insert(0, "status")
    if closed_before and result["applied_fields"]:
        # the crew's write-up landing after the closing (queued behind its own resolve): the record made at the
        # closing lacks it, so the texts as they now stand are recorded again
        await reports.append_event(session, report, sealed.FIELDS_RECORDED, by, public=False,
                                   data={"fields": await sealed.write_up(session, report.id),
                                         "after_close": True, "mutation_id": m.mutation_id})
    if result["applied_fields"]:
        mark_report(session, report)
    elif result["superseded_fields"]:
        result["status"] = "superseded"
    return result


async def _record_overwritten(session: AsyncSession, report: Report, by: By, data: dict[str, Any]) -> None:
    """Another writer's text replaced, or this push's outrun by it: an internal `fields_overwritten` event, sealed
    like every event, keeps the texts and who wrote them (as a dispatcher's correction does,
    backend.dispatch.service.set_fields), and an audit line as the console's correction has (no text: names,
    writers), with the tablet it came from."""
    event = await reports.append_event(session, report, "fields_overwritten", by, public=False, data=data)
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action="report.fields",
                 target_type="report", target_id=report.id,
                 data={"fields": data["fields"], "report_status": report.status, "event_id": str(event.id),
                       "previous": {name: {k: v for k, v in was.items() if k != "value"}
                                    for name, was in data["previous"].items()}})


async def _advance_status(session: AsyncSession, report: Report, target: str, m: Mutation, by: By,
                          device_time: datetime, unit_id: uuid.UUID | None) -> bool:
    """Move forward along assigned < en_route < on_scene < resolved; anything not forward is superseded. `unit_id`:
    the crew's, which holds the report (only a visible report gets a status step)."""
    if target not in LATTICE:
        raise Rejected("invalid_status")
    current = await _reached(session, report)
    if current is None or LATTICE[target] <= current:
        return False
    outcome = m.fields.get("outcome")
    # the citizen is told the outcome in plain words: a "resolved" without one would tell them of measures nobody
    # chose, so the officer must pick it (no default)
    if target == "resolved" and not outcome:
        raise Rejected("invalid_outcome")
    try:
        chosen = Outcome(outcome) if outcome else None
    except ValueError as exc:
        raise Rejected("invalid_outcome") from exc
    members = await _members(session, report)
    if recorded_in_place(STEP_ACTION[target], Status(report.status), by.actor):
        await _record_in_place(session, report, STEP_ACTION[target], by, device_time, {"mutation_id": m.mutation_id})
    else:
        try:
            await reports.change_status(session, report, STEP_ACTION[target], by, device_time=device_time,
                                        outcome=chosen if target == "resolved" else None,
                                        data={"mutation_id": m.mutation_id})
        except ZanError as exc:
            if exc.code == appeals.OWN_DECISION:
                # not stale: this officer may not decide the appeal against their own closing at all, so the
                # mutation is rejected with the code (its write-up with it) and the next pull puts the row back
                raise
            return False  # e.g. the dispatcher moved it meanwhile: the tablet's step is stale
    # a field step is a staff action like a console's (a "resolved" closes the report): its audit line names the
    # tablet and login session it came from (backend.audit.origin), so the history tells a stolen tablet's steps
    # from its owner's; the event alone names the officer only
    outcome_taken = chosen.value if chosen is not None and target == "resolved" else None
    step = {"mutation_id": m.mutation_id, "outcome": outcome_taken, "device_time": device_time.isoformat()}
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action=f"report.{STEP_ACTION[target]}",
                 target_type="report", target_id=report.id, data=step)
    # on an incident's primary the members its unit holds took the step too (a "resolved" closed them): each is the
    # crew's step as much as the primary's, and gets its line, as a console closing writes one on every report closed
    for member_id in await _followers_moved(session, members, STEP_ACTION[target], m.mutation_id):
        await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action=f"report.{STEP_ACTION[target]}",
                     target_type="report", target_id=member_id, data={**step, "primary_id": str(report.id)})
    if target in ("en_route", "on_scene") and unit_id is not None:
        # the crew is on the job: on an incident's primary, the members its unit holds too (one job)
        await reports.accept_job(session, report, unit_id)
    return True


async def _members(session: AsyncSession, report: Report) -> list[uuid.UUID]:
    """The other reports of the incident `report` is the primary of (none if it is not one), read before the step:
    a closing primary may hand its incident on (reports.incidents), and the members it closed with it go along."""
    if not reports.is_primary(report):
        return []
    return list(await session.scalars(select(Report.id).where(  # type: ignore[call-overload]
        Report.incident_id == report.id, Report.id != report.id)))  # type: ignore[arg-type]


async def _followers_moved(session: AsyncSession, members: list[uuid.UUID], action: Action,
                           mutation_id: str) -> list[uuid.UUID]:
    """The `members` that `reports.follow_primary` took this mutation's step on: their events of the step carry its
    mutation id (a member whose crew had recorded the step already, or another unit holds, got none)."""
    if not members:
        return []
    events = await session.execute(select(ReportEvent.report_id, ReportEvent.data).where(  # type: ignore[call-overload]
        ReportEvent.action == action.value, ReportEvent.report_id.in_(members)))  # type: ignore[arg-type, attr-defined]
    moved = {report_id for report_id, data in events
             if isinstance(data, dict) and data.get("mutation_id") == mutation_id}
    return sorted(moved, key=str)


async def _reached(session: AsyncSession, report: Report) -> int | None:
    """How far along the lattice the crew holding the report has got. A status that says how the work goes
    (workflow.KEEPS_STATUS: asked to wait for the reporter, back in work after the answer) may have come before the
    crew got there (asked while en route), so the crew's steps recorded since the report was last assigned tell."""
    status = Status(report.status)
    if status not in KEEPS_STATUS:
        return SERVER_RANK.get(status)
    return await reports.ground_reached(session, report)


async def _record_in_place(session: AsyncSession, report: Report, action: Action, by: By, device_time: datetime,
                           data: dict[str, object]) -> None:
    """The crew's en_route or on_scene while the report waits for the reporter or is back in work after the answer
    (workflow.recorded_in_place): the step is in the record, dated by the device, and the citizen is told the officer
    is on the way or has arrived, but the status stays, so the citizen still sees that their answer is needed."""
    await reports.append_event(session, report, action.value, by, from_status=report.status,
                               to_status=report.status, device_time=device_time, data=data)
    # an incident's other reports follow the primary's step, as reports.change_status has them follow any step
    await reports.follow_primary(session, report, action, by, data=data, device_time=device_time)


async def request_info(session: AsyncSession, officer: OfficerPrincipal, viewer: Viewer,
                       m: Mutation) -> dict[str, Any]:
    """The officer on scene asks the reporter for a detail (which entrance, a photo of the car): the console's
    request for information (backend.dispatch.service.request_info: "needs your input" for the citizen, an audit line
    naming the officer and the tablet), from the crew that holds the report only. Not a lattice step: the workflow
    decides where it is allowed (assigned, en_route, on_scene, in_progress) and anywhere else it is rejected with
    the workflow's code, never superseded, since no later write of the tablet's own made it stale."""
    report = await report_by_id(session, m.id)
    # no custody from a former unit, no write after closing: a status change is the holding crew's alone
    if report is None or not report_visible(report, viewer):
        raise Rejected("not_assigned")
    raw = m.fields.get("reason")
    try:
        # public (the reporter reads it) and bounded as the console's is (dispatch.schemas.Reason)
        reason = msgspec.convert(raw.strip() if isinstance(raw, str) else raw, Reason)
    except msgspec.ValidationError as exc:
        raise Rejected("invalid_reason") from exc
    await dispatch.request_info(session, report, reason, by_tablet(officer), device_time=device_time_of(m, stamp_of(m)))
    # the crew is working the report: an urgent one it has not stepped on yet no longer waits "unaccepted", nor,
    # on an incident's primary, do the members its unit holds (one job), as the crew's steps on it accept them
    if viewer.unit_id is not None:  # always, for a visible report
        await reports.accept_job(session, report, viewer.unit_id)
    return result_of(m, "applied", applied_fields=["status"], ignored_fields=sorted(set(m.fields) - {"reason"}))
