"""The citizen's steps on a closing: withdrawing the report, appealing its closing (reopen; oversight reopens through
the same step), rating it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.lib.clock import utcnow
from backend.lib.errors import ZanError
from backend.reports import appeals, deadlines
from backend.reports.access import require_text
from backend.reports.history import By, append_event, local_date
from backend.reports.models import Report
from backend.reports.transitions import change_status
from backend.reports.workflow import Action, Actor, Resolution, Status


async def withdraw(session: AsyncSession, report: Report, by: By, reason: str | None) -> None:
    await change_status(session, report, Action.WITHDRAW, by, reason=reason)


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

