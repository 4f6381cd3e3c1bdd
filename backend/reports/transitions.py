"""Status changes through the workflow table: every one goes through `change_status`, which records it (a ReportEvent;
public ones notify the reporter) and carries it to the incident's other reports and the duplicates' reporters."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.lib.clock import as_utc, utcnow
from backend.lib.errors import ZanError
from backend.reports import appeals, deadlines
from backend.reports.custody import release_custody
from backend.reports.duplicates import duplicates_of, tell_duplicates
from backend.reports.history import SYSTEM, By, append_event, local_date
from backend.reports.incidents import as_follower, ground_reached, incident_followers, regroup
from backend.reports.models import Report, ReportEvent
from backend.reports.texts import outcome_text, withdrawn_question_template
from backend.reports.workflow import (
    GROUND_RANK,
    QUESTION_WITHDRAWN,
    Action,
    Actor,
    Outcome,
    Resolution,
    Status,
    can,
    recorded_in_place,
    rule_for,
    withdraws_question,
)
from backend.sync import sealed

# in a reopening's event data: the closing it set aside (`_set_aside`)
SET_ASIDE = "set_aside"
# Steps that never pass from a primary to its incident: a request for information is addressed to one reporter;
# the reporter's own steps are theirs; an assignment also moves custody, so dispatch.assign moves the incident
# itself; a reopening concerns closed reports, which never follow.
NOT_FOLLOWED = frozenset({Action.REQUEST_INFO, Action.REPORTER_REPLIED, Action.WITHDRAW, Action.ASSIGN,
                          Action.REOPEN})


def _set_aside(report: Report) -> dict[str, object] | None:
    """The closing a reopening sets aside (SET_ASIDE in its event's data): when it was given, the term it was
    measured against and whether it came after it; None for a report with no closing time recorded."""
    if report.closed_at is None:
        return None
    closed, term = as_utc(report.closed_at), as_utc(report.deadline_at)
    return {"closed_at": closed.isoformat(), "deadline_at": term.isoformat(), "late": closed > term}


def _template(action: Action, by: By, appeal_withdrawn: bool, question_withdrawn: bool) -> str:
    """The public text of a status change: its action's, but for a withdrawn appeal (the decision appealed stands),
    a reopening by staff (oversight setting a decision aside, not the citizen's appeal) and a step that withdrew the
    question the reporter was asked (workflow.withdraws_question: no answer is awaited any more)."""
    if appeal_withdrawn:
        return "withdraw_appeal"
    if action is Action.REOPEN and by.actor is not Actor.CITIZEN:
        return "reopen_oversight"
    if question_withdrawn:
        return withdrawn_question_template(action.value)
    return action.value


async def _question_asked(session: AsyncSession, report: Report) -> dict[str, object]:
    """The standing question a step withdraws (QUESTION_WITHDRAWN in its event's data): the latest request for
    information, which the history shows with who asked it."""
    asked = await session.scalar(select(ReportEvent).where(
        ReportEvent.report_id == report.id, ReportEvent.action == Action.REQUEST_INFO.value)  # type: ignore[arg-type]
        .order_by(ReportEvent.created_at.desc(), ReportEvent.id.desc()).limit(1))  # type: ignore[attr-defined]
    return {"event_id": str(asked.id), "asked_at": asked.created_at.isoformat()} if asked is not None else {}


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
    if not can(action, status, by.actor, resolution, held=report.unit_id is not None):
        raise ZanError("report.transition_forbidden", 409,
                       extra={"report_status": report.status, "action": action.value})
    # whichever path closes it (the console, a tablet, a primary's closing): never the officer it appeals against
    await appeals.refuse_own_appeal(session, report, action, by.actor, by.actor_id)
    rule = rule_for(action)
    # withdrawing an appeal ends the reconsideration, not the matter: the decision appealed stands (appeals.py)
    appealed = await appeals.appealed_decision(session, report) if action is Action.WITHDRAW else None
    # a unit assigned or the report closed while its reporter is asked: the question ends here, said in this step's
    # own event and text (one notice); the reporter's answer, if it still comes, is kept as a comment
    withdrawn = await _question_asked(session, report) if withdraws_question(action, status) else None
    now = utcnow()
    previous = report.status
    report.status = rule.target_for(report.unit_id is not None).value
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
        # the closing set aside is a decision given all the same: one given after its term stays a term missed for
        # oversight (the terms list and its figures read the row, which the fresh term below would wipe), and the
        # event the ledger seals says which closing was set aside and whether it was late
        set_aside = _set_aside(report)
        if set_aside is not None:
            data = {**(data or {}), SET_ASIDE: set_aside}
            if set_aside["late"]:
                report.late_closed_at, report.late_deadline_at = report.closed_at, report.deadline_at
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
                               device_time=device_time,
                               template=_template(action, by, appealed is not None, withdrawn is not None),
                               data={**(data or {}), **({"outcome": outcome.value} if outcome else {}),
                                     **({QUESTION_WITHDRAWN: withdrawn} if withdrawn is not None else {})})
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


async def _closed_followers(session: AsyncSession, primary: Report) -> list[Report]:
    """The incident's members still closed by following this report's closing as its primary (their latest closing
    names it): only a report reopened on appeal has any, so a first closing finds none without a query. It need not
    lead the incident any more: a member whose citizen appealed first leads it since (`_keep_primary_open`), and the
    members still closed by this report's closing are told of its appeal and its new outcome all the same."""
    if primary.incident_id is None or not primary.reopen_count:
        return []
    members = await session.scalars(select(Report).where(
        Report.incident_id == primary.incident_id, Report.id != primary.id,  # type: ignore[arg-type]
        Report.status == Status.CLOSED.value).order_by(Report.created_at, Report.id))  # type: ignore[arg-type]
    followed: list[Report] = []
    for member in members:
        closing = await appeals.latest_closing(session, member)
        if closing is not None and (closing.data or {}).get("incident_id") == str(primary.id):
            followed.append(member)
    return followed


async def _keep_primary_open(session: AsyncSession, incident_id: uuid.UUID) -> None:
    """A closed primary with open members (a withdrawn primary; members the workflow kept back; a member
    reopened on appeal) hands the incident to its earliest open report, so staff steps keep reaching everyone."""
    members = list(await session.scalars(select(Report).where(Report.incident_id == incident_id)))  # type: ignore[arg-type]
    primary = next((m for m in members if m.id == incident_id), None)
    if (primary is not None and primary.status != Status.CLOSED) or all(m.status == Status.CLOSED for m in members):
        return
    # the system's rule, not the closer's choice: whoever closed the primary did not pick the next one
    await regroup(session, members, SYSTEM, cause={"primary_closed": str(incident_id)})

