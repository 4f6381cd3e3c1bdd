"""The citizen's steps on a closing: withdrawing the report, appealing its closing (reopen; oversight reopens through
the same step), rating it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.lib.clock import as_utc, utcnow
from backend.lib.errors import ZanError
from backend.reports import appeals, deadlines
from backend.reports.access import require_text
from backend.reports.history import By, append_event, local_date
from backend.reports.models import Report, ReportEvent
from backend.reports.transitions import change_status
from backend.reports.workflow import Action, Actor, Resolution, Status


async def withdraw(session: AsyncSession, report: Report, by: By, reason: str | None) -> None:
    await change_status(session, report, Action.WITHDRAW, by, reason=reason)


async def reopen(session: AsyncSession, report: Report, by: By, reason: str) -> None:
    require_text(reason, "/reason")  # an appeal states its grounds: staff reconsider the report on them
    if by.actor is Actor.CITIZEN and appeals.withdrew_appeal(await appeals.latest_closing(session, report)):
        raise ZanError("report.transition_forbidden", 409,
                       extra={"report_status": report.status, "action": Action.REOPEN.value})
    await change_status(session, report, Action.REOPEN, by, reason=reason, **await late_appeal(session, report, by))


async def late_appeal(session: AsyncSession, report: Report, by: By) -> dict[str, Any]:
    """What a citizen's appeal past its term (APPK art. 92: three months from the closing they were told of) adds
    to its event. It is taken all the same (a missed term is no ground to refuse it, art. 92 p.3), but whoever
    considers it must ascertain why the term was missed, which may be a ground to dismiss it: the history says so."""
    if by.actor is not Actor.CITIZEN or report.closed_at is None:
        return {}
    ended = deadlines.appeal_term_end(await _decision_told_at(session, report), deadlines.calendar_of(session))
    if not deadlines.term_lapsed(ended):
        return {}
    return {"data": {"appeal_term_missed": True, "appeal_term_ended_at": ended.isoformat()},
            "internal_note": f"appeal filed after its term ended ({local_date(ended)}; APPK art. 92): considered "
                             "all the same; ascertain why the term was missed"}


async def _decision_told_at(session: AsyncSession, report: Report) -> datetime:
    """When the citizen was told the decision on their closed report: its closing, or, for one closed as a duplicate
    or with its incident's primary, the original's outcome told later (`original_closed`: a merge months before the
    original was decided told them no decision, and the term must not run out before they hear one)."""
    assert report.closed_at is not None
    closed_at = as_utc(report.closed_at)
    told = await appeals.latest_event(session, report.id, col(ReportEvent.action) == "original_closed")
    return max(closed_at, as_utc(told.created_at)) if told is not None else closed_at


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

