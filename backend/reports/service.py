"""Report lifecycle: status changes through the workflow table, events, comments, feedback, deadlines.

Every status change goes through `change_status`; every change appends a ReportEvent and, for public events,
schedules citizen notifications through the outbox in the same transaction.

Incidents ("me too"): reports of one event share `incident_id`, the id of their primary report. A staff step on the
primary is the incident's step: every other open report of it follows with its own event (so every reporter sees
it and is notified), as far as the workflow table allows. The primary is kept open while any report of the
incident is open, so there is always one report to act on.

Duplicates: a report closed as a duplicate of another (dispatch) is linked in the original's history; when the
original closes, each duplicate's reporter is told the outcome on their own report (tell_duplicates).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy import Select, distinct, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.dispatch.models import Assignment
from backend.jobs.service import Task, enqueue
from backend.lib.blank import blank
from backend.lib.clock import ALMATY, as_utc, utcnow
from backend.lib.errors import FieldProblem, ZanError
from backend.reports import appeals, deadlines
from backend.reports.models import Report, ReportComment, ReportEvent
from backend.reports.texts import DUPLICATE_NOT_CONSIDERED, DUPLICATE_OUTCOME, outcome_text, render
from backend.reports.workflow import (
    FIELD,
    GROUND_RANK,
    GROUND_STEPS,
    OPEN,
    UNIT_WORK,
    WORKING,
    Action,
    Actor,
    Outcome,
    Resolution,
    Status,
    can,
    recorded_in_place,
    rule_for,
)
from backend.sync import sealed
from ml.taxonomy import load_taxonomy


@dataclass(frozen=True)
class By:
    """Who acts and through which channel (egov, kaspi, halyk, telegram, tablet, console, system)."""

    actor: Actor
    actor_id: str | None
    channel: str


SYSTEM = By(Actor.SYSTEM, None, "system")
# APPK art. 76 p.3: a term is extended by a reasoned decision of the head (руководитель) or a deputy, not by the
# duty officer who works the queue
EXTENDERS = frozenset({Actor.SUPERVISOR, Actor.ADMIN})
# Steps that never pass from a primary to its incident: a request for information is addressed to one reporter;
# the reporter's own steps are theirs; an assignment also moves custody, so dispatch.assign moves the incident
# itself; a reopening concerns closed reports, which never follow.
NOT_FOLLOWED = frozenset({Action.REQUEST_INFO, Action.REPORTER_REPLIED, Action.WITHDRAW, Action.ASSIGN,
                          Action.REOPEN})
# closings that answer the matter itself, so a duplicate's reporter shares their outcome; a withdrawal or a rejection
# answers only that appeal (its author's choice, its form), and leaves the matter unconsidered
ANSWERED = frozenset({Resolution.RESOLVED, Resolution.UNFOUNDED, Resolution.REDIRECTED})


def is_restricted(report: Report) -> bool:
    """Restricted categories (domestic violence, children, police complaints — the taxonomy's `restricted` flag):
    only designated units see them, and their text never shows on a screen. The flag on the report only goes up."""
    if report.restricted:
        return True
    return bool(report.category) and report.category in load_taxonomy().restricted_codes()


def local_date(value: datetime) -> str:
    return as_utc(value).astimezone(ALMATY).strftime("%d.%m.%Y")


class EventDetails(TypedDict, total=False):
    """What an event may say beyond its action and actor."""

    from_status: str | None
    to_status: str | None
    reason: str | None
    public: bool
    params: dict[str, object] | None
    internal_note: str | None
    data: dict[str, object] | None
    device_time: datetime | None
    template: str  # the public text's key in PUBLIC_TEXTS, when it is not the action's own


def event_fields(report: Report, action: str, by: By, **details: Unpack[EventDetails]) -> dict[str, Any]:
    """Every column of one history line, defaults included (ids are client-side UUIDs)."""
    public = details.get("public", True)
    return {
        "id": uuid.uuid4(), "report_id": report.id, "action": action, "from_status": details.get("from_status"),
        "to_status": details.get("to_status"), "actor_type": by.actor.value, "actor_id": by.actor_id,
        "channel": by.channel, "reason": details.get("reason"), "public": public,
        "public_text": render(details.get("template") or action, details.get("params") or {}) if public else {},
        "internal_note": details.get("internal_note"), "data": dict(details.get("data") or {}),
        "device_time": details.get("device_time"), "created_at": utcnow(),
    }


def new_event(report: Report, action: str, by: By, **details: Unpack[EventDetails]) -> ReportEvent:
    """One history line for the session's unit of work, not yet written."""
    return ReportEvent(**event_fields(report, action, by, **details))


def notify_task(event_id: uuid.UUID, report_id: uuid.UUID) -> Task:
    """The outbox task that tells the reporter (push, partner webhook, chat) about a public event."""
    return Task("notifications.report_event", {"event_id": str(event_id), "report_id": str(report_id)},
                f"report-event:{event_id}")


def _template(action: Action, by: By, appeal_withdrawn: bool) -> str:
    """The public text of a status change: its action's, but for a withdrawn appeal (the decision appealed stands)
    and a reopening by staff (oversight setting a decision aside, not the citizen's appeal)."""
    if appeal_withdrawn:
        return "withdraw_appeal"
    if action is Action.REOPEN and by.actor is not Actor.CITIZEN:
        return "reopen_oversight"
    return action.value


async def append_event(session: AsyncSession, report: Report, action: str, by: By, *, notify: bool = True,
                       **details: Unpack[EventDetails]) -> ReportEvent:
    """Append one history line; public ones also schedule the reporter's notifications (same transaction)."""
    event = new_event(report, action, by, **details)
    session.add(event)  # the unit of work batches the inserts
    if event.public and notify:
        task = notify_task(event.id, report.id)
        await enqueue(session, task.name, task.payload, dedupe_key=task.dedupe_key, fresh=True)
    return event


async def change_status(
    session: AsyncSession,
    report: Report,
    action: Action,
    by: By,
    *,
    reason: str | None = None,
    outcome: Outcome | None = None,
    internal_note: str | None = None,
    params: dict[str, object] | None = None,
    device_time: datetime | None = None,
    data: dict[str, object] | None = None,
    fan_out: bool = True,
    visible: Select[Report] | None = None,
) -> ReportEvent:
    """The only way a report's status changes: checked against ALLOWED_STATUS_CHANGES, then recorded.

    On an incident's primary, the other open reports follow (`fan_out=False` is that following step itself); only
    those of `visible`, if given (see `incident_followers`)."""
    status = Status(report.status)
    resolution = Resolution(report.resolution) if report.resolution else None
    if not can(action, status, by.actor, resolution):
        raise ZanError("report.transition_forbidden", 409,
                       extra={"report_status": report.status, "action": action.value})
    # whichever path closes it (the console, a tablet, a primary's closing): never the officer it appeals against
    await appeals.refuse_own_appeal(session, report, action, by.actor, by.actor_id)
    rule = rule_for(action)
    # withdrawing an appeal ends the reconsideration, not the matter: the decision appealed stands (appeals.py)
    appealed = await appeals.appealed_decision(session, report) if action is Action.WITHDRAW else None
    now = utcnow()
    previous = report.status
    report.status = rule.target.value
    report.updated_at = now
    report.version += 1
    text_params: dict[str, object] = {"reason": reason or "", **(params or {})}
    if rule.target is Status.CLOSED:
        report.resolution = rule.resolution.value if rule.resolution else None
        report.outcome = outcome.value if outcome else None
        report.closed_at = now
        # custody ends with the report, however it closes (dispatch, a tablet, the citizen, the router), so the
        # history's chain of custody never shows a unit holding a closed report
        await release_custody(session, report.id, now)
        if outcome:
            text_params["outcome"] = {lang: outcome_text(outcome.value, lang) or "" for lang in ("ru", "kk", "en")}
        if appealed is not None:
            _, restored, restored_outcome = appealed
            report.resolution, report.outcome = restored.value, restored_outcome
            # the decision that stands again keeps the rating its citizen gave it before appealing (the appeal
            # cleared it from the row only): rated again, one closing would carry two ratings
            report.satisfaction, report.feedback_comment = (
                await appeals.rating_of(session, report, appealed[0]) or (None, None))
            text_params["outcome"] = {lang: outcome_text(restored_outcome, lang, restored.value) or ""
                                      for lang in ("ru", "kk", "en")}
            data = {**(data or {}), appeals.RESTORES: str(appealed[0].id), "resolution": restored.value,
                    "outcome": restored_outcome}
    elif action is Action.REOPEN:
        report.resolution = report.outcome = report.closed_at = None
        # the rating judged the closing now under appeal (its feedback event keeps it); the next closing gets its own
        report.satisfaction = report.feedback_comment = None
        report.reopen_count += 1
        # the unit's custody ended with the closing: the appeal goes back to dispatch's queue to be assigned
        # afresh, and off the old crew's tablets, where it would sit with nothing they could do to it
        report.unit_id = None
        # an appeal is a new consideration: a fresh 15-working-day term, and for a matter out of police competence
        # a fresh redirect term from the appeal (the old one lapsed with the closing: kept, the SLA job would
        # escalate the reopened report at once as overdue)
        calendar = deadlines.calendar_of(session)
        report.deadline_at = report.original_deadline_at = deadlines.deadline_for(now, calendar)
        report.redirect_due_at = deadlines.redirect_term(report.category or report.category_hint, now, calendar)
        text_params["deadline"] = local_date(report.deadline_at)
    session.add(report)
    event = await append_event(session, report, action.value, by, from_status=previous, to_status=report.status,
                               reason=reason, params=text_params, internal_note=internal_note,
                               device_time=device_time, template=_template(action, by, appealed is not None),
                               data={**(data or {}), **({"outcome": outcome.value} if outcome else {})})
    if rule.target is Status.CLOSED:
        await _record_write_up(session, report, event)
    if rule.target is Status.CLOSED and report.resolution != Resolution.DUPLICATE:
        # the reporters of reports closed as its duplicates were promised to be kept informed, and so were those of
        # incident members closed with it before an appeal reopened it: their report is closed, they follow no more.
        # An appeal withdrawn: they hear the decision that stands again, in its own words
        await tell_duplicates(session, report, appealed[0] if appealed else event,
                              await duplicates_of(session, [report.id]) + await _closed_followers(session, report))
    elif action is Action.REOPEN:
        # the outcome they were told is under appeal now: they hear that, and later the new outcome (above)
        for told in await duplicates_of(session, [report.id]) + await _closed_followers(session, report):
            await append_event(session, told, "original_reopened", SYSTEM,
                               data={"original_id": str(report.id), "original_number": report.number})
    if not fan_out:
        return event
    if action not in NOT_FOLLOWED:
        await follow_primary(session, report, action, by, reason=reason, params=params, data=data, outcome=outcome,
                             device_time=device_time, visible=visible)
    if report.incident_id is not None and Status.CLOSED in (rule.target, Status(previous)):
        await _keep_primary_open(session, report.incident_id)
    return event


async def follow_primary(session: AsyncSession, primary: Report, action: Action, by: By, *, reason: str | None = None,
                         params: dict[str, object] | None = None, data: dict[str, object] | None = None,
                         outcome: Outcome | None = None, device_time: datetime | None = None,
                         visible: Select[Report] | None = None) -> None:
    """The primary's step taken on its other open reports (`incident_followers`), each a follower's step of its own
    (`as_follower`): change_status's fan-out, and a tablet's step recorded on the primary without a status change.

    Each member takes the step as its own status calls for, whatever the primary's did: a member waiting for its
    own reporter's answer, or back in work after it (workflow.recorded_in_place), keeps its status and records the
    crew's arrival in place, as the primary does in that status (backend.sync.push); one still assigned moves. A
    question is for one reporter: before, such a member was left out and the crew's arrival at its scene was lost."""
    follower = as_follower(primary, reason, params, data)
    for member in await incident_followers(session, primary, action, by, visible=visible):
        if not recorded_in_place(action, Status(member.status), by.actor):
            await change_status(session, member, action, by, outcome=outcome, device_time=device_time,
                                fan_out=False, **follower)
        elif await ground_reached(session, member) < GROUND_RANK[action]:
            await append_event(session, member, action.value, by, from_status=member.status,
                               to_status=member.status, device_time=device_time, **follower)
        # else: its crew recorded this step or a further one on it already; an arrival is recorded once
    # the crew's step also accepts the members' custody records with the primary's (backend.sync.report_update,
    # accept_job)


async def ground_reached(session: AsyncSession, report: Report) -> int:
    """How far the crew got on `report` since it was last assigned (workflow.GROUND_RANK: 0 not yet on the way, 1 on
    the way, 2 arrived), from its ground steps recorded as status changes or in place (a new assignment is a new
    crew, which has yet to get there)."""
    actions = await session.scalars(select(col(ReportEvent.action)).where(
        col(ReportEvent.report_id) == report.id,
        col(ReportEvent.action).in_([Action.ASSIGN.value, *(step.value for step in GROUND_STEPS)]))
        .order_by(col(ReportEvent.created_at), col(ReportEvent.id)))
    reached = 0
    for action in actions:
        reached = 0 if action == Action.ASSIGN.value else max(reached, GROUND_RANK[Action(action)])
    return reached


async def _record_write_up(session: AsyncSession, report: Report, closing: ReportEvent) -> None:
    """The officers' write-up as it stands when the report closes, however it closes, into a sealed internal event:
    the fields are overwritten in place, and their revisions before the closing are drafts, so this is the text the
    record keeps for a court (backend/sync/sealed.py). A closing nobody in the police wrote anything for records
    nothing."""
    fields = await sealed.write_up(session, report.id)
    if fields:
        await append_event(session, report, sealed.FIELDS_RECORDED, SYSTEM, public=False,
                           data={"fields": fields, "closing_event_id": str(closing.id),
                                 "resolution": report.resolution, "outcome": report.outcome})


async def consideration_start(session: AsyncSession, report: Report) -> datetime:
    """When the current consideration began, from which its legal terms run: registration, or the latest appeal
    that reopened the report (each starts them afresh)."""
    if not report.reopen_count:
        return report.created_at
    reopened = await session.scalar(select(func.max(col(ReportEvent.created_at))).where(
        col(ReportEvent.report_id) == report.id, col(ReportEvent.action) == Action.REOPEN.value))
    return reopened or report.created_at


def is_primary(report: Report) -> bool:
    return report.incident_id is not None and report.incident_id == report.id


async def incident_followers(session: AsyncSession, primary: Report, action: Action, by: By, *,
                             visible: Select[Report] | None = None) -> list[Report]:
    """The primary's other open reports that the workflow lets `by` take `action` on, or record it on in place
    (workflow.recorded_in_place; see follow_primary), locked, oldest first.
    Reporters' own steps never pass to other reporters' reports. `visible`: the reports the acting officer may read
    (backend.dispatch.visibility.visible_to); an incident can span a region's border (or hold a restricted report),
    and a step on the primary must not reach a member its officer could not read or act on by itself. None: no
    such limit (system steps, and tablets, whose unit rule below already scopes them)."""
    if not is_primary(primary) or by.actor is Actor.CITIZEN:
        return []
    query = select(Report).where(Report.incident_id == primary.id, Report.id != primary.id,  # type: ignore[arg-type]
                                 Report.status.in_([s.value for s in OPEN]))  # type: ignore[attr-defined]
    if visible is not None:
        query = query.where(col(Report.id).in_(visible.with_only_columns(col(Report.id))))
    members = await session.scalars(
        query.order_by(Report.created_at, Report.id).with_for_update()  # type: ignore[arg-type]
    )
    # a unit's own work, and anything a field officer does, speaks for the primary's unit only: a member handed
    # to another unit on its own moves alone, and that unit's crew reports for it
    same_unit = by.actor in FIELD or action in UNIT_WORK
    # a member whose own status records the step in place (follow_primary) follows it too
    followers = [m for m in members
                 if (can(action, Status(m.status), by.actor) or recorded_in_place(action, Status(m.status), by.actor))
                 and (not same_unit or m.unit_id == primary.unit_id)]
    if rule_for(action).target is not Status.CLOSED:
        return followers
    # a member whose citizen appeals this officer's own closing stays open for another officer to decide, as it
    # would be refused on its own (appeals.refuse_own_appeal), without refusing the closing of the rest
    return [m for m in followers if not await appeals.decides_own_appeal(session, m, by.actor, by.actor_id)]


def as_follower(primary: Report, reason: str | None, params: dict[str, object] | None = None,
                data: dict[str, object] | None = None) -> dict[str, Any]:
    """A member's copy of the primary's step: the internal reason and data name the primary; the public text is
    the primary's (rendered in every language), never another reporter's number."""
    return {
        "reason": f"follows {primary.number}" + (f": {reason}" if reason else ""),
        "params": {"reason": reason or "", **(params or {})},
        "data": {**(data or {}), "incident_id": str(primary.id), "primary_number": primary.number},
    }


INCIDENT_REGROUPED = "incident_regrouped"  # internal: a report moved to another primary, or out of any incident


async def regroup(session: AsyncSession, reports: list[Report], by: By, *, prefer: Report | None = None,
                  recorded: Collection[uuid.UUID] = (), cause: dict[str, object] | None = None) -> uuid.UUID | None:
    """Make `reports` one incident whose primary is `prefer`, else the earliest open one (the earliest, if all are
    closed). Fewer than two reports are no incident. Returns the incident id.

    Each report whose incident changes gets an internal `incident_regrouped` event {from, to} (and `cause`) in its
    own history, sealed as every event and never shown to its citizen: a prosecutor reading a member must see it
    leave the incident or follow another primary, not only the merge that once put it there. `recorded`: the
    reports whose caller writes its own event for the move (a merge's `incident_merged`, a join's
    `incident_joined`)."""
    ordered = sorted(reports, key=lambda r: (r.created_at, str(r.id)))
    still_open = [r for r in ordered if r.status != Status.CLOSED]
    incident_id = (prefer or (still_open or ordered)[0]).id if len(ordered) > 1 else None
    for report in ordered:
        if report.incident_id == incident_id:
            continue
        previous, report.incident_id = report.incident_id, incident_id
        session.add(report)
        if report.id not in recorded:
            await append_event(session, report, INCIDENT_REGROUPED, by, public=False,
                               data={"from": str(previous) if previous else None,
                                     "to": str(incident_id) if incident_id else None, **(cause or {})})
    return incident_id


async def link_duplicate(session: AsyncSession, duplicate: Report, original: Report, by: By) -> None:
    """`duplicate` was just closed as a duplicate of `original`: its reporter was told the reports were merged and
    they would be kept informed. The original's history records the link (internal: `duplicate_linked`), by which
    its closing finds the duplicate (tell_duplicates); if the matter was already answered, the reporter is told the
    outcome now."""
    await append_event(session, original, "duplicate_linked", by, public=False,
                       data={"duplicate_id": str(duplicate.id), "duplicate_number": duplicate.number})
    answered = await standing_original(session, original)
    if answered.status != Status.CLOSED or answered.resolution == Resolution.DUPLICATE:
        return  # still being considered: its closing tells them
    # the decision in force: an appeal's withdrawal speaks in the words of the decision it left standing
    closing = await appeals.standing_closing(session, answered)
    if closing is not None:
        await tell_duplicates(session, answered, closing,
                              [duplicate, *await duplicates_of(session, [duplicate.id])])


async def standing_original(session: AsyncSession, report: Report) -> Report:
    """The report that answers for `report`'s matter: itself, or, if it is closed as a duplicate, the report it
    duplicates, followed along the chain (a duplicate of a duplicate)."""
    seen = {report.id}
    while (report.status == Status.CLOSED and report.resolution == Resolution.DUPLICATE
           and report.duplicate_of is not None and report.duplicate_of not in seen):
        original = await session.get(Report, report.duplicate_of)
        if original is None:
            break
        seen.add(original.id)
        report = original
    return report


async def duplicates_of(session: AsyncSession, original_ids: list[uuid.UUID]) -> list[Report]:
    """The reports closed (and still closed) as duplicates of these, directly or through one another, oldest link
    first. Found through the originals' `duplicate_linked` events (indexed by report), not by scanning reports."""
    found: list[Report] = []
    seen = set(original_ids)
    frontier = list(original_ids)
    while frontier:
        links = await session.execute(
            select(col(ReportEvent.report_id), col(ReportEvent.data))
            .where(col(ReportEvent.report_id).in_(frontier), col(ReportEvent.action) == "duplicate_linked")
            .order_by(col(ReportEvent.created_at), col(ReportEvent.id)))
        frontier = []
        for original_id, data in links.all():
            duplicate = await session.get(Report, uuid.UUID(str(data["duplicate_id"])))
            # a duplicate reopened on appeal, or closed since as a duplicate of another report, is no longer this
            # one's: its own closing, or that other report's, speaks for it
            if (duplicate is None or duplicate.id in seen or duplicate.status != Status.CLOSED
                    or duplicate.resolution != Resolution.DUPLICATE or duplicate.duplicate_of != original_id):
                continue
            seen.add(duplicate.id)
            found.append(duplicate)
            frontier.append(duplicate.id)
    return found


async def _closed_followers(session: AsyncSession, primary: Report) -> list[Report]:
    """The incident's members still closed by following this primary's closing (their latest closing names it):
    only a primary reopened on appeal has any, so a first closing costs one indexed query and finds none."""
    if not is_primary(primary) or not primary.reopen_count:
        return []
    members = await session.scalars(select(Report).where(
        Report.incident_id == primary.id, Report.id != primary.id,  # type: ignore[arg-type]
        Report.status == Status.CLOSED.value).order_by(Report.created_at, Report.id))  # type: ignore[arg-type]
    followed: list[Report] = []
    for member in members:
        closing = await appeals.latest_closing(session, member)
        if closing is not None and (closing.data or {}).get("incident_id") == str(primary.id):
            followed.append(member)
    return followed


async def tell_duplicates(session: AsyncSession, original: Report, closing: ReportEvent,
                          duplicates: list[Report]) -> None:
    """Tell each duplicate's reporter how `original` closed: a public `original_closed` event on their own report,
    which the notification fan-out delivers as any public event (discreetly, if their report is restricted). The
    words are those its own reporter got, never its number; of a restricted original only the plain outcome (the
    reason was written for its reporter alone); of one closed without an answer on the matter (withdrawn,
    rejected), that their own report may be appealed to be considered."""
    if not duplicates:
        return
    resolution = Resolution(original.resolution) if original.resolution else None
    if resolution not in ANSWERED:
        text = DUPLICATE_NOT_CONSIDERED
    elif is_restricted(original):
        text = {lang: template.format(outcome=outcome_text(original.outcome, lang, original.resolution) or "")
                for lang, template in DUPLICATE_OUTCOME.items()}
    else:
        text = dict(closing.public_text)
    for duplicate in duplicates:
        await append_event(session, duplicate, "original_closed", SYSTEM, params={"text": text},
                           data={"original_id": str(original.id), "original_number": original.number,
                                 "closing_event_id": str(closing.id), "resolution": original.resolution,
                                 "outcome": original.outcome})


async def _keep_primary_open(session: AsyncSession, incident_id: uuid.UUID) -> None:
    """A closed primary with open members (a withdrawn primary; members the workflow kept back; a member
    reopened on appeal) hands the incident to its earliest open report, so staff steps keep reaching everyone."""
    members = list(await session.scalars(select(Report).where(Report.incident_id == incident_id)))  # type: ignore[arg-type]
    primary = next((m for m in members if m.id == incident_id), None)
    if (primary is not None and primary.status != Status.CLOSED) or all(m.status == Status.CLOSED for m in members):
        return
    # the system's rule, not the closer's choice: whoever closed the primary did not pick the next one
    await regroup(session, members, SYSTEM, cause={"primary_closed": str(incident_id)})


async def also_reported_counts(session: AsyncSession, citizen_id: uuid.UUID,
                               reports: list[Report]) -> dict[uuid.UUID, int]:
    """The "me too" count of each of one citizen's reports, for a whole page in one grouped query: how many other
    citizens reported the same incident, never who. Restricted reports neither show nor add to a count; withdrawn
    reports no longer count. Reports without a count are absent (0)."""
    counted = {r.id: r.incident_id for r in reports if r.incident_id is not None and not is_restricted(r)}
    if not counted:
        return {}
    rows = await session.execute(
        select(col(Report.incident_id), func.count(distinct(col(Report.citizen_id))))
        .where(col(Report.incident_id).in_(set(counted.values())), col(Report.citizen_id) != citizen_id,
               col(Report.restricted).is_(False),
               or_(col(Report.category).is_(None),
                   col(Report.category).not_in(sorted(load_taxonomy().restricted_codes()))),
               or_(col(Report.resolution).is_(None), col(Report.resolution) != Resolution.WITHDRAWN.value))
        .group_by(col(Report.incident_id)))
    per_incident: dict[uuid.UUID | None, int] = {incident_id: int(n) for incident_id, n in rows.all()}
    return {report_id: per_incident.get(incident_id, 0) for report_id, incident_id in counted.items()}


async def also_reported(session: AsyncSession, report: Report) -> int:
    """The "me too" count of one report (see also_reported_counts)."""
    return (await also_reported_counts(session, report.citizen_id, [report])).get(report.id, 0)


async def accept_custody(session: AsyncSession, report_ids: Collection[uuid.UUID],
                         unit_id: uuid.UUID) -> list[Assignment]:
    """Mark the open custody records (Assignment) of these reports that `unit_id` holds accepted now: its crew
    confirmed it has the job (`accept_job`). Until then an urgent report escalates as not accepted
    (dispatch.jobs.awaiting_crew). Only that unit's: a dispatcher may have handed a report to another unit since the
    crew's step was read, and that unit has yet to accept it. A record accepted before keeps its time. Returns the
    records this marked (the caller's audit line may name them)."""
    if not report_ids:
        return []
    held = await session.scalars(select(Assignment).where(col(Assignment.report_id).in_(list(report_ids)),
                                                          col(Assignment.unit_id) == unit_id,
                                                          col(Assignment.released_at).is_(None),
                                                          col(Assignment.accepted_at).is_(None)))
    now = utcnow()
    marked = list(held)
    for row in marked:
        row.accepted_at = now
        session.add(row)
    return marked


async def accept_job(session: AsyncSession, report: Report, unit_id: uuid.UUID) -> list[Assignment]:
    """The crew of `unit_id` confirmed it has the job (a tablet's en route, on scene or question, the duty bot's
    Accept): the report's custody record is accepted, and, on an incident's primary, those of the open members the
    same unit holds, since the incident is one job; before, a question on the primary left its members to escalate
    as not accepted while the crew worked them. Returns the records this marked (`accept_custody`)."""
    job = [report.id]
    if is_primary(report):
        job += await session.scalars(select(col(Report.id)).where(
            col(Report.incident_id) == report.id, col(Report.id) != report.id, col(Report.unit_id) == unit_id,
            col(Report.status).in_([status.value for status in WORKING])))
    return await accept_custody(session, job, unit_id)


async def release_custody(session: AsyncSession, report_id: uuid.UUID, at: datetime) -> None:
    """End every open custody record (Assignment) of the report at `at`: it was closed, handed to another unit, or
    left its unit."""
    await session.execute(update(Assignment).where(
        Assignment.report_id == report_id, Assignment.released_at.is_(None)).values(released_at=at))  # type: ignore[arg-type,union-attr]


async def get_for_citizen(session: AsyncSession, citizen_id: uuid.UUID, report_id: uuid.UUID, *,
                          partner_id: uuid.UUID | None, for_update: bool = False) -> Report:
    """The report if this citizen filed it through this partner app; otherwise 404, the same as a report that does
    not exist (no IDOR). `for_update` locks it, as every step that changes it must: a withdrawal that read the
    report just before a dispatcher closed it would otherwise apply to the closed report."""
    report = await lock(session, report_id) if for_update else await session.get(Report, report_id)
    # a citizen is one person across apps (one IIN), but what they filed through eGov is no business of their bank's
    # app: each partner sees, and acts on, only the reports filed through it (as its webhooks and keys are its own)
    if report is None or report.citizen_id != citizen_id or report.partner_id != partner_id:
        raise ZanError("report.not_found", 404)
    return report


def filed_by(citizen_id: uuid.UUID, partner_id: uuid.UUID | None) -> Any:
    """The condition on reports that get_for_citizen would hand this citizen through this partner app."""
    return (col(Report.citizen_id) == citizen_id) & (col(Report.partner_id) == partner_id)


async def lock(session: AsyncSession, report_id: uuid.UUID) -> Report | None:
    """Load a report for update (row lock on PostgreSQL; SQLite serialises writers anyway)."""
    return await session.scalar(
        select(Report).where(Report.id == report_id).with_for_update().execution_options(populate_existing=True)  # type: ignore[arg-type]
    )


async def events(session: AsyncSession, report_id: uuid.UUID, *, public_only: bool) -> list[ReportEvent]:
    query = select(ReportEvent).where(ReportEvent.report_id == report_id)  # type: ignore[arg-type]
    if public_only:
        query = query.where(ReportEvent.public.is_(True))  # type: ignore[attr-defined]
    return list(await session.scalars(query.order_by(ReportEvent.created_at, ReportEvent.id)))  # type: ignore[arg-type]


def ensure_open(report: Report, action: str) -> None:
    if report.status == Status.CLOSED:
        raise ZanError("report.transition_forbidden", 409, extra={"report_status": report.status, "action": action})


def require_text(value: str, pointer: str) -> None:
    """422 for a text the citizen must write (a comment, an appeal's reason) that is only blanks, as at intake."""
    # blank(), not strip(): zero-width characters alone are as empty on every screen, yet strip to themselves
    if blank(value):
        raise ZanError("validation.failed", 422, errors=[FieldProblem(pointer, "too_short")])


async def add_citizen_comment(session: AsyncSession, report: Report, text: str, by: By,
                              files: dict[str, str] | None = None) -> ReportComment:
    """A citizen's message on their report; an answer to a request for information resumes the work. `files`
    (media id → sha256) sent with it go into its event, so the sealed record pins them as it pins the first ones."""
    # a blank reply would put a report awaiting the citizen's information back to work with none given
    require_text(text, "/text")
    ensure_open(report, "comment")
    comment = ReportComment(report_id=report.id, author_type="citizen", author_id=by.actor_id, text=text)
    session.add(comment)
    data: dict[str, object] = {"comment_id": str(comment.id), **({"media": files} if files else {})}
    if files:  # a changed report row marks it for the unit's tablets, whose file count has grown
        report.updated_at = utcnow()
        session.add(report)
    if report.status == Status.AWAITING_REPORTER:
        await change_status(session, report, Action.REPORTER_REPLIED, by, data=data)
    else:
        await append_event(session, report, "comment", by, notify=False, data=data)
    return comment


async def add_staff_comment(session: AsyncSession, report: Report, text: str, by: By, *,
                            public: bool) -> ReportComment:
    """A staff member's writing on a report: a message to the reporter (`public`: in their timeline, and they are
    told through their app, chat or webhook, as of any public step) or an internal note (staff only). Neither moves
    the report: a message is no decision and no request for information. Closed reports take both (the controller
    says why). Its `comment` event names the comment, so the ledger seals the text in the comment's row as a
    citizen's; the event's public text carries a message's words, as a request for information carries its reason."""
    require_text(text, "/text")
    comment = ReportComment(report_id=report.id, author_type=by.actor.value, author_id=by.actor_id, text=text,
                            public=public)
    session.add(comment)  # marks the report for its unit's tablets at commit (backend.sync.changes)
    await append_event(session, report, "comment", by, public=public, template="staff_message",
                       params={"text": text}, data={"comment_id": str(comment.id)})
    return comment


async def withdraw(session: AsyncSession, report: Report, by: By, reason: str | None) -> None:
    await change_status(session, report, Action.WITHDRAW, by, reason=reason)


DELAY_COMPLAINT = "delay_complaint"  # the complaint's event and its escalation's kind


async def complain_of_delay(session: AsyncSession, report: Report, by: By, reason: str) -> None:
    """The citizen's complaint that their report is still open past its term (APPK: an authority silent past the
    term may be complained of to the one above it). The report goes on as it is; the complaint is a public event in
    its history, telling the citizen it went to the management, and an escalation to the region's supervisors
    (pushed, and in the duty bot), who have it answered (a lapsed term can no longer be extended: extend_deadline
    refuses it, 409 `report.term_lapsed`). Before, the citizen could only wait, or appeal once it closed. One per
    term: another before the term changes is 409 `report.complaint_filed`; before the term has passed, 409
    `report.term_running`."""
    from backend.dispatch.jobs import escalate  # dispatch builds on reports
    from backend.dispatch.models import Escalation

    require_text(reason, "/reason")
    ensure_open(report, "complain")
    term = as_utc(report.deadline_at).isoformat()
    if not deadlines.term_lapsed(report.deadline_at):
        raise ZanError("report.term_running", 409, extra={"deadline_at": term})
    # the escalation's subject is the term complained of: the same term is complained of once, a new one again (the
    # report row is locked by the caller, so two complaints at once take turns)
    if await session.scalar(select(col(Escalation.id)).where(
            col(Escalation.report_id) == report.id, col(Escalation.kind) == DELAY_COMPLAINT,
            col(Escalation.subject) == term)) is not None:
        raise ZanError("report.complaint_filed", 409, extra={"deadline_at": term})
    event = await append_event(session, report, DELAY_COMPLAINT, by, reason=reason, data={"deadline_at": term})
    if await escalate(session, report.id, DELAY_COMPLAINT, term, {"event_id": str(event.id)}) is None:
        # made meanwhile by a complaint the row lock did not hold off (SQLite locks no row): this one is refused,
        # and its event goes with the transaction the 409 rolls back
        raise ZanError("report.complaint_filed", 409, extra={"deadline_at": term})


async def reopen(session: AsyncSession, report: Report, by: By, reason: str) -> None:
    require_text(reason, "/reason")  # an appeal states its grounds: staff reconsider the report on them
    if by.actor is Actor.CITIZEN and appeals.withdrew_appeal(await appeals.latest_closing(session, report)):
        raise ZanError("report.transition_forbidden", 409,
                       extra={"report_status": report.status, "action": Action.REOPEN.value})
    await change_status(session, report, Action.REOPEN, by, reason=reason, **late_appeal(session, report, by))


def late_appeal(session: AsyncSession, report: Report, by: By) -> dict[str, Any]:
    """What a citizen's appeal past its term (APPK art. 92: three months from the closing they were told of) adds
    to its event. It is taken all the same (a missed term is no ground to refuse it, art. 92 p.3), but whoever
    considers it must ascertain why the term was missed, which may be a ground to dismiss it: the history says so."""
    if by.actor is not Actor.CITIZEN or report.closed_at is None:
        return {}
    ended = deadlines.appeal_term_end(report.closed_at, deadlines.calendar_of(session))
    if not deadlines.term_lapsed(ended):
        return {}
    return {"data": {"appeal_term_missed": True, "appeal_term_ended_at": ended.isoformat()},
            "internal_note": f"appeal filed after its term ended ({local_date(ended)}; APPK art. 92): considered "
                             "all the same; ascertain why the term was missed"}


async def give_feedback(session: AsyncSession, report: Report, satisfaction: int, comment: str | None, by: By) -> None:
    """One rating of how a closing was handled (the report locked by the caller, so two at once cannot both pass).
    A withdrawal is the citizen's own choice: there is no handling to rate."""
    if report.status != Status.CLOSED or report.resolution == Resolution.WITHDRAWN:
        raise ZanError("report.feedback_not_allowed", 409,
                       extra={"report_status": report.status, "resolution": report.resolution})
    # a reopening clears the rating with the closing it judged (change_status): one set now rates this closing
    if report.satisfaction is not None:
        raise ZanError("report.feedback_given", 409, extra={"satisfaction": report.satisfaction})
    report.satisfaction = satisfaction
    report.feedback_comment = comment
    report.updated_at = utcnow()
    session.add(report)
    # the report row keeps only the current closing's rating (an appeal clears it): the history, which the ledger
    # seals, keeps what the citizen wrote, or an appeal would erase it and oversight would never read it
    await append_event(session, report, "feedback", by, notify=False,
                       data={"satisfaction": satisfaction, **({"comment": comment} if comment else {})})


async def extend_deadline(session: AsyncSession, report: Report, new_deadline: datetime, reason: str, by: By) -> None:
    """A reasoned extension (≤ 2 months in total beyond the original term) of a term still running, decided by a
    head (EXTENDERS); the applicant is notified."""
    ensure_open(report, "extend")
    if by.actor not in EXTENDERS:
        raise ZanError("auth.forbidden", 403)
    # the citizen is told the day ("extended to 15.01.2027"), so the term runs to that day's end, as every legal
    # term does: a console's date picker sends the day's start (00:00+05:00), and the term would lapse, and be
    # escalated and refused further extension, on the very morning the citizen was told it still runs
    new_deadline = deadlines.day_end(new_deadline)
    # the law extends a running term: one already lapsed was missed, and telling the citizen it was "extended"
    # would cover the breach (the SLA job has escalated it; the answer is owed now)
    if deadlines.term_lapsed(report.deadline_at):
        raise ZanError("report.term_lapsed", 409, errors=[FieldProblem("/deadline_at", "out_of_range")],
                       extra={"deadline_at": as_utc(report.deadline_at).isoformat()})
    max_deadline = deadlines.max_extended_deadline(report.original_deadline_at)
    if not deadlines.extension_allowed(report.original_deadline_at, new_deadline):
        raise ZanError("report.extension_exceeded", 409,
                       errors=[FieldProblem("/deadline_at", "out_of_range")],
                       extra={"max_deadline_at": max_deadline.isoformat()})
    # an extension only ever lengthens a term that is still running: a shorter or lapsed date would be announced
    # to the citizen as an extension while cutting (or backdating) the legal term
    if as_utc(new_deadline) <= max(as_utc(report.deadline_at), utcnow()):
        raise ZanError("report.extension_not_later", 409, errors=[FieldProblem("/deadline_at", "out_of_range")],
                       extra={"deadline_at": as_utc(report.deadline_at).isoformat()})
    report.deadline_at = as_utc(new_deadline)
    report.updated_at = utcnow()
    session.add(report)
    await append_event(session, report, "extend", by, reason=reason,
                       params={"deadline": local_date(report.deadline_at), "reason": reason},
                       data={"deadline_at": report.deadline_at.isoformat()})
