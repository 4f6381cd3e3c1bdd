"""Duplicates: a report closed as a duplicate of another (dispatch) is linked in the original's history; when the
original closes, each duplicate's reporter is told the outcome on their own report (tell_duplicates)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.reports import appeals
from backend.reports.access import is_restricted
from backend.reports.history import SYSTEM, By, append_event
from backend.reports.models import Report, ReportEvent
from backend.reports.texts import (
    DUPLICATE_NOT_CONSIDERED,
    DUPLICATE_OUTCOME,
    outcome_text,
    without_withdrawn_question,
)
from backend.reports.workflow import Resolution, Status

# closings that answer the matter itself, so a duplicate's reporter shares their outcome; a withdrawal or a rejection
# answers only that appeal (its author's choice, its form), and leaves the matter unconsidered
ANSWERED = frozenset({Resolution.RESOLVED, Resolution.UNFOUNDED, Resolution.REDIRECTED})


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
        text = without_withdrawn_question(closing.public_text, closing.data or {})
    for duplicate in duplicates:
        await append_event(session, duplicate, "original_closed", SYSTEM, params={"text": text},
                           data={"original_id": str(original.id), "original_number": original.number,
                                 "closing_event_id": str(closing.id), "resolution": original.resolution,
                                 "outcome": original.outcome})

