"""SLA escalation (every minute) and the change log's compaction.

Escalates to supervisors: urgent reports assigned but not accepted (no en_route/on_scene; the console asking the
reporter meanwhile is no crew's answer: `awaiting_crew`) within ZAN_ESCALATE_UNACCEPTED_MIN minutes
(Settings.escalate_unaccepted_min), open urgent reports left without a unit for ZAN_ESCALATE_UNASSIGNED_MIN minutes
(Settings.escalate_unassigned_min), open reports within 2 working days of their legal deadline, and open reports out
of police competence within a working day of (or past) their redirect term (Report.redirect_due_at). One Escalation
row per (report, kind, subject) makes the check idempotent: the subject is the assignment not accepted, the moment
the urgent report was left without a unit, or the deadline or redirect term about to lapse.

An incident ("me too" reports of one event) escalates once per kind, not once per report: assigning its primary
assigns every member, so N reporters of one fight gave supervisors N "not accepted" alerts for one crew. Each member
is still checked on its own (its own deadline, assignment, time in the queue); of those found due together, the
primary (else the oldest) carries the incident's escalation, and none is made while one of them is already escalated
for what is due now (see `_one_per_incident`). The escalation's `data` names the incident and its other due reports.
The outbox task
"notifications.escalation" {escalation_id, report_id, kind} pushes it to the supervisors who may read the report
(backend.notifications.jobs) and records `notified_at`; "officer_bot.escalation" {escalation_id} tells those of
them who linked the duty bot in Telegram (bots.officer.escalations). Supervisors list them at
GET /api/v1/dispatch/escalations.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from backend.audit.service import record
from backend.context import Context
from backend.db import uuid_in
from backend.dispatch.models import Assignment, Escalation
from backend.jobs.scheduled import periodic
from backend.jobs.service import enqueue
from backend.lib.clock import as_utc, utcnow
from backend.reports import deadlines
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import GROUND_STEPS, KEEPS_STATUS, Action, Status

DEADLINE_WARNING_WORKING_DAYS = 2
# the redirect term is 3 working days at most: a day's warning leaves time to redirect before it lapses
REDIRECT_WARNING_WORKING_DAYS = 1


async def find_escalations(ctx: Context, now: datetime | None = None) -> int:
    """Escalate what is due as of `now` (by default the present); returns how many escalations were made."""
    now = now or utcnow()
    created = 0
    async with ctx.sessions() as session:
        unaccepted = (await session.execute(
            select(Report.id, Assignment.id).join(Assignment, Assignment.report_id == Report.id)  # type: ignore[arg-type, call-overload]
            .where(awaiting_crew(),
                   Assignment.assigned_at < now - timedelta(minutes=ctx.settings.escalate_unaccepted_min))  # type: ignore[arg-type]
        )).all()
        unassigned = await unassigned_urgent(session,
                                             cutoff=now - timedelta(minutes=ctx.settings.escalate_unassigned_min))
        horizon = deadlines.working_days_after(now, DEADLINE_WARNING_WORKING_DAYS, ctx.calendar)
        near = (await session.execute(
            select(Report.id, Report.deadline_at).where(Report.status != Status.CLOSED.value,  # type: ignore[arg-type, call-overload]
                                                        Report.deadline_at <= horizon)  # type: ignore[arg-type]
        )).all()
        redirect_horizon = deadlines.working_days_after(now, REDIRECT_WARNING_WORKING_DAYS, ctx.calendar)
        unredirected = (await session.execute(
            select(Report.id, Report.redirect_due_at).where(  # type: ignore[call-overload]
                Report.status != Status.CLOSED.value, Report.redirect_due_at <= redirect_horizon)  # type: ignore[operator]
        )).all()
        found = [("unaccepted_urgent", report_id, str(assignment_id)) for report_id, assignment_id in unaccepted]
        # subject: when the report was last left without a unit (see unassigned_urgent), so it escalates once per
        # stretch in the queue, and again only once it was assigned and has come back without a unit
        found += [("unassigned_urgent", report_id, since.isoformat()) for report_id, since in unassigned]
        found += [("deadline_near", report_id, as_utc(deadline).isoformat()) for report_id, deadline in near]
        # subject: the term, so a report whose term changes (reclassified away and back) escalates again
        found += [("redirect_due", report_id, as_utc(due).isoformat()) for report_id, due in unredirected]
        # what earlier runs escalated (a minute later, nearly everything found) is left out by one query per thousand
        # reports: an INSERT failing in its savepoint took ~1.7 ms, seconds a minute with a backlog of overdue reports
        # (docs/benchmarks-queries.md). A concurrent run's rows still end in the IntegrityError below
        made: set[tuple[str, uuid.UUID, str]] = set()
        placed: dict[uuid.UUID, tuple[uuid.UUID | None, datetime]] = {}  # report → (incident, registered)
        ids = sorted({report_id for _, report_id, _ in found})
        for start in range(0, len(ids), 1000):
            rows = await session.execute(select(Escalation.kind, Escalation.report_id, Escalation.subject)  # type: ignore[call-overload]
                                         .where(uuid_in(session, Escalation.report_id, ids[start:start + 1000])))
            made.update((kind, report_id, subject) for kind, report_id, subject in rows)
            reports = await session.execute(select(col(Report.id), col(Report.incident_id), col(Report.created_at))
                                            .where(uuid_in(session, col(Report.id), ids[start:start + 1000])))
            placed.update((report_id, (incident_id, as_utc(at))) for report_id, incident_id, at in reports)
        for kind, report_id, subject, data in _one_per_incident(found, made, placed):
            created += await escalate(session, report_id, kind, subject, data) is not None
        await session.commit()
    if created:
        from backend.jobs.relay import notify

        notify(ctx)
    return created


async def escalate(session: AsyncSession, report_id: uuid.UUID, kind: str, subject: str,
                   data: dict[str, object]) -> Escalation | None:
    """One escalation in the caller's transaction, its audit line, and its push and duty bot message to the
    region's supervisors (outbox tasks); None when this (report, kind, subject) was escalated already."""
    try:
        async with session.begin_nested():
            esc = Escalation(report_id=report_id, kind=kind, subject=subject, data=data)
            session.add(esc)
            await session.flush()
    except IntegrityError:
        return None
    await record(session, actor_type="system", actor_id=None, action="report.escalate",
                 target_type="report", target_id=report_id, data={"kind": kind, "subject": subject, **data})
    await enqueue(session, "notifications.escalation",
                  {"escalation_id": str(esc.id), "report_id": str(report_id), "kind": kind},
                  dedupe_key=f"escalation:{esc.id}")
    # and in the duty bot, to the supervisors who linked it (bots.officer.escalations; nothing without a token): a
    # task of its own, so a Telegram outage neither holds up nor repeats the push
    await enqueue(session, "officer_bot.escalation", {"escalation_id": str(esc.id)},
                  dedupe_key=f"duty-bot-escalation:{esc.id}")
    return esc


def _one_per_incident(found: list[tuple[str, uuid.UUID, str]], made: set[tuple[str, uuid.UUID, str]],
                      placed: dict[uuid.UUID, tuple[uuid.UUID | None, datetime]],
                      ) -> list[tuple[str, uuid.UUID, str, dict[str, object]]]:
    """The escalations to make of what is due (`found`), one per (kind, incident): a report in no incident is its
    own. An incident none of whose due reports is escalated yet for what is due now (`made`: kind, report, subject)
    is escalated on its primary if that is due, else on its oldest due report; the others due with it are named in
    the escalation's data. While one stays escalated (an open report with the same subject), its incident is not
    escalated again for that kind: a member whose deadline comes a day later, or the primary once a member was
    escalated first, adds nothing. Once it is settled (closed, accepted, extended), what is still due escalates."""
    due: dict[tuple[str, uuid.UUID], list[tuple[uuid.UUID, str]]] = {}
    for kind, report_id, subject in found:
        incident_id = placed.get(report_id, (None, None))[0]
        due.setdefault((kind, incident_id or report_id), []).append((report_id, subject))
    out: list[tuple[str, uuid.UUID, str, dict[str, object]]] = []
    for (kind, incident_id), entries in due.items():
        if any((kind, report_id, subject) in made for report_id, subject in entries):
            continue
        # a report vanished since it was found (deleted in a test) ranks last, as the unknown it is
        entries.sort(key=lambda entry: (entry[0] != incident_id,
                                        placed.get(entry[0], (None, datetime.max.replace(tzinfo=UTC)))[1],
                                        str(entry[0])))
        (lead, subject), others = entries[0], [report_id for report_id, _ in entries[1:]]
        data: dict[str, object] = ({"incident_id": str(incident_id), "also_due": [str(other) for other in others]}
                                   if placed.get(lead, (None, None))[0] is not None else {})
        out.append((kind, lead, subject, data))
    return out


def awaiting_crew() -> ColumnElement[bool]:
    """A filter on Report joined with its Assignment: an urgent report whose crew has not confirmed that custody
    record — held, not accepted (a tablet's en route, on scene or question, or the duty bot's Accept, marks it:
    reports.service.accept_custody), and no ground step on the report since it was made. The status alone does not
    tell: the console asking the reporter (awaiting_reporter, then in_progress once they answer) says nothing of the
    crew, which may still not have seen the call; an
    incident's member moved on by the crew's step on its primary has that step in its own record (a status change,
    or recorded in place: reports.service.follow_primary). One rule for the job and the console's list
    (dispatch.queue.still_due)."""
    stepped = exists().where(col(ReportEvent.report_id) == col(Report.id),
                             col(ReportEvent.action).in_([step.value for step in GROUND_STEPS]),
                             col(ReportEvent.created_at) >= col(Assignment.assigned_at)
                             ).correlate_except(ReportEvent)  # the report and assignment of any enclosing query
    return and_(col(Report.urgent).is_(True), col(Assignment.released_at).is_(None),
                col(Assignment.accepted_at).is_(None),
                or_(col(Report.status) == Status.ASSIGNED.value,
                    and_(col(Report.status).in_([status.value for status in KEEPS_STATUS]), ~stepped)))


async def unassigned_urgent(session: AsyncSession, *, cutoff: datetime | None = None,
                            report_ids: Sequence[uuid.UUID] | None = None) -> list[tuple[uuid.UUID, datetime]]:
    """(report, since when it has had no unit) of the open urgent reports no unit has held since before `cutoff`
    (any time, if None), of `report_ids` only if given (the escalation list asks which stretch is the current one).

    Without a unit since the latest of: its registration, the release of its last custody record (it left its
    unit: dispatch.service.release_if_not_designated), its latest reopening (an appeal goes back to the queue
    unassigned; the custody ended with the closing, before it). That moment names the stretch in the queue: the
    same stretch escalates once however often the job runs, a later one (assigned, then released or reopened) again.
    Status is not asked: a report that left its unit keeps its working status (assigned, en_route...) with no unit."""
    released = (select(func.max(col(Assignment.released_at)))
                .where(col(Assignment.report_id) == col(Report.id)).scalar_subquery())
    reopened = (select(func.max(col(ReportEvent.created_at)))
                .where(col(ReportEvent.report_id) == col(Report.id), col(ReportEvent.action) == Action.REOPEN.value)
                .scalar_subquery())
    query = select(col(Report.id), col(Report.created_at), released, reopened).where(
        col(Report.urgent).is_(True), col(Report.status) != Status.CLOSED.value, col(Report.unit_id).is_(None))
    if cutoff is not None:
        query = query.where(col(Report.created_at) < cutoff)
    if report_ids is not None:
        query = query.where(col(Report.id).in_(report_ids))
    waiting = [(report_id, max(as_utc(at) for at in times if at is not None))
               for report_id, *times in await session.execute(query)]
    return [(report_id, since) for report_id, since in waiting if cutoff is None or since < cutoff]


@periodic("dispatch.sla_escalation")
async def _sla(ctx: Context) -> None:
    await find_escalations(ctx)


SYNC_RETENTION = timedelta(days=7)


@periodic("sync.compact")
async def _compact_sync_log(ctx: Context) -> None:
    """Forget dirty markers older than 7 days (tablets offline longer reset with 410; their outboxes survive)."""
    from sqlalchemy import func

    from backend.sync.changes import compact
    from backend.sync.models import SyncChange

    async with ctx.sessions() as session:
        upto = await session.scalar(select(func.max(SyncChange.seq)).where(
            SyncChange.created_at < utcnow() - SYNC_RETENTION))  # type: ignore[arg-type]
        if upto:
            await compact(session, upto_seq=int(upto))
