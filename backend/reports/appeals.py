"""Which decision stands on a report: its latest closing, unless that closing only withdrew an appeal.

A citizen's appeal reopens a closed report for a new consideration. Withdrawing the appeal ends that
reconsideration, not the matter (APPK: a complaint withdrawn is left without consideration, and the act complained
of stays in force): the report closes again with the decision appealed, and whoever is told how it closed (its
reporter, the reporters of reports merged into it) hears that decision in its own words, never "withdrawn".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.lib.errors import ZanError
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Action, Actor, Resolution, Status, rule_for

# in a closing event's data: the closing whose decision an appeal's withdrawal put back in force
RESTORES = "restores_event_id"
# the problem a closing of one's own appealed decision answers (403; a tablet's mutation is rejected with it). Raised
# with the literal below, which the error catalogue's test reads
OWN_DECISION = "report.appeal_own_decision"


async def latest_event(session: AsyncSession, report_id: uuid.UUID, *where: Any) -> ReportEvent | None:
    """The report's latest event matching `where` (in the order its history lists them)."""
    return await session.scalar(
        select(ReportEvent).where(col(ReportEvent.report_id) == report_id, *where)
        .order_by(col(ReportEvent.created_at).desc(), col(ReportEvent.id).desc()).limit(1))


async def latest_closing(session: AsyncSession, report: Report) -> ReportEvent | None:
    return await latest_event(session, report.id, col(ReportEvent.to_status) == Status.CLOSED.value)


async def latest_reopening(session: AsyncSession, report: Report) -> ReportEvent | None:
    return await latest_event(session, report.id, col(ReportEvent.action) == Action.REOPEN.value)


def withdrew_appeal(closing: ReportEvent | None) -> bool:
    """Whether this closing withdrew an appeal. Its citizen may not appeal the decision again (oversight may):
    appealing and withdrawing in turn would reopen the report, put it back in dispatch's queue and notify every
    merged reporter each time, without end. (Before, a withdrawal closed the report as withdrawn, which the
    citizen may not appeal either.)"""
    return closing is not None and isinstance((closing.data or {}).get(RESTORES), str)


def withdrew_appeal_last(events: Iterable[ReportEvent]) -> bool:
    """withdrew_appeal of the latest closing among a report's events (in their order)."""
    closings = [e for e in events if e.to_status == Status.CLOSED.value]
    return withdrew_appeal(closings[-1] if closings else None)


async def standing_closing(session: AsyncSession, report: Report) -> ReportEvent | None:
    """The closing event whose decision the report carries now (or carried before the appeal pending now): its
    latest closing, or, if that withdrew an appeal, the closing it put back in force."""
    closing = await latest_closing(session, report)
    restored = (closing.data or {}).get(RESTORES) if closing is not None else None
    if isinstance(restored, str):
        earlier = await session.get(ReportEvent, uuid.UUID(restored))
        if earlier is not None:
            return earlier
    return closing


def decision_of(closing: ReportEvent) -> tuple[Resolution, str | None] | None:
    """(resolution, outcome) a closing event decided; None for an event that is no workflow closing."""
    try:
        resolution = rule_for(Action(closing.action)).resolution
    except ValueError:
        return None
    if resolution is None:
        return None
    outcome = (closing.data or {}).get("outcome")
    return resolution, outcome if isinstance(outcome, str) else None


async def appealed_decision(session: AsyncSession, report: Report) -> tuple[ReportEvent, Resolution, str | None] | None:
    """For an open report its citizen reopened on appeal: the closing appealed and its decision, which a
    withdrawal of the appeal puts back in force. None when there is none to restore: never closed, its closing was
    itself a withdrawal, or oversight reopened it (a decision oversight set aside is not the citizen's to restore,
    and their withdrawal then withdraws the report, not an appeal they never made, which would bar them from
    appealing what comes next)."""
    closing = await appealed_closing(session, report)
    decided = decision_of(closing) if closing is not None else None
    if closing is None or decided is None or decided[0] is Resolution.WITHDRAWN:
        return None
    return closing, decided[0], decided[1]


async def appealed_closing(session: AsyncSession, report: Report) -> ReportEvent | None:
    """For an open report its citizen reopened on appeal (the latest reopening is theirs): the closing appealed,
    whose decision stands (`standing_closing`). None for a report not under a citizen's appeal now; oversight's
    reopening is no complaint of the citizen's."""
    if report.status == Status.CLOSED or not report.reopen_count:
        return None
    reopened = await latest_reopening(session, report)
    if reopened is None or reopened.actor_type != Actor.CITIZEN.value:
        return None
    return await standing_closing(session, report)


async def decides_own_appeal(session: AsyncSession, report: Report, actor: Actor, actor_id: str | None) -> bool:
    """Whether the officer `actor_id` made the closing its citizen's pending appeal complains of. APPK: a complaint
    is not considered by the official whose decision it complains of, so that officer may not close the report
    again (any other officer the workflow allows still may). The system and the citizen decide no appeal."""
    if actor in (Actor.CITIZEN, Actor.SYSTEM) or actor_id is None:
        return False
    closing = await appealed_closing(session, report)
    return closing is not None and closing.actor_id == actor_id


async def refuse_own_appeal(session: AsyncSession, report: Report, action: Action, actor: Actor,
                            actor_id: str | None) -> None:
    """The one check every closing takes (reports.service.change_status: the console, a tablet's resolve, a step on
    an incident's primary): 403 `report.appeal_own_decision` for the officer whose closing is under appeal."""
    if rule_for(action).target is Status.CLOSED and await decides_own_appeal(session, report, actor, actor_id):
        raise ZanError("report.appeal_own_decision", 403,
                       extra={"report_status": report.status, "action": action.value})


async def rating_of(session: AsyncSession, report: Report, closing: ReportEvent) -> tuple[int, str | None] | None:
    """The rating (satisfaction, comment) its citizen gave `closing`, from the history: the latest `feedback` event
    since it (the report row's rating is cleared by an appeal). None if it was not rated."""
    rated = await latest_event(session, report.id, col(ReportEvent.action) == "feedback",
                               col(ReportEvent.created_at) >= closing.created_at)
    satisfaction = (rated.data or {}).get("satisfaction") if rated is not None else None
    if rated is None or not isinstance(satisfaction, int):
        return None
    comment = (rated.data or {}).get("comment")
    return satisfaction, comment if isinstance(comment, str) else None
