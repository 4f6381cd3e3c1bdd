"""The legal terms of a consideration as staff and citizens act on them: its start, a head's extension, and the
citizen's complaint of a term that lapsed unanswered (the term arithmetic itself: backend.reports.deadlines)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.lib.clock import as_utc, utcnow
from backend.lib.errors import FieldProblem, ZanError
from backend.reports import deadlines
from backend.reports.access import ensure_open, require_text
from backend.reports.history import By, append_event, local_date
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Action, Actor

# APPK art. 76 p.3: a term is extended by a reasoned decision of the head (руководитель) or a deputy, not by the
# duty officer who works the queue
EXTENDERS = frozenset({Actor.SUPERVISOR, Actor.ADMIN})


async def consideration_start(session: AsyncSession, report: Report) -> datetime:
    """When the current consideration began, from which its legal terms run: registration, or the latest appeal
    that reopened the report (each starts them afresh)."""
    if not report.reopen_count:
        return report.created_at
    reopened = await session.scalar(select(func.max(col(ReportEvent.created_at))).where(
        col(ReportEvent.report_id) == report.id, col(ReportEvent.action) == Action.REOPEN.value))
    return reopened or report.created_at


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


async def extend_deadline(session: AsyncSession, report: Report, new_deadline: datetime, reason: str, by: By) -> None:
    """A reasoned extension (≤ 2 months in total beyond the original term) of a term still running, decided by a
    head (EXTENDERS); the applicant is notified."""
    ensure_open(report, "extend")
    if by.actor not in EXTENDERS:
        raise ZanError("auth.forbidden", 403)
    # the citizen is told the day ("extended to 15.01.2027"), so the term runs to that day's end, as every legal
    # term does: a console's date picker sends the day's start (00:00+05:00), and the term would lapse, and be
    # escalated and refused further extension, on the very morning the citizen was told it still runs. A day off
    # named ends the term on the next working day (APPK art. 76 p.5), and the citizen is told that day: stored as the
    # day off, a decision on that working day was listed as late and the term complained of as lapsed
    calendar = deadlines.calendar_of(session)
    new_deadline = deadlines.term_end(new_deadline, calendar)
    # the law extends a running term: one already lapsed was missed, and telling the citizen it was "extended"
    # would cover the breach (the SLA job has escalated it; the answer is owed now)
    if deadlines.term_lapsed(report.deadline_at):
        raise ZanError("report.term_lapsed", 409, errors=[FieldProblem("/deadline_at", "out_of_range")],
                       extra={"deadline_at": as_utc(report.deadline_at).isoformat()})
    max_deadline = deadlines.max_extended_deadline(report.original_deadline_at, calendar)
    if not deadlines.extension_allowed(report.original_deadline_at, new_deadline, calendar):
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

