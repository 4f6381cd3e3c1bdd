"""What is written on a report after it was submitted, as staff read it: the reporter's comments
(backend.reports.service.add_citizen_comment: the answers to staff's requests for information, and anything they
added) and staff's own (`write`: a message to the reporter, or an internal note). The report's history only says a
comment came (`{"comment_id": …}`); staff must read it where they read the report — its opened card and its oversight
history — not only the unit's tablets (backend.sync.views._conversations).

The reporter's identity is never shown: their comment's author is the reporter (`author_type`), whose identity the
card never carries. A staff comment names its officer by id, as the card's files do (the history's events name
every actor for oversight). Field officers read the text masked, as the report's."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.audit.service import record
from backend.dispatch.questions import Answer
from backend.dispatch.schemas import ReporterComment
from backend.reports.models import Report, ReportComment
from backend.reports.service import By, add_staff_comment
from backend.reports.workflow import Actor
from backend.sync.views import _mask


def comment_out(row: ReportComment, *, masked: bool, answer: Answer | None = None) -> ReporterComment:
    """One comment as the console shows it; `masked`: PII masked (field officers); `answer`: the question it
    answers (questions.read_thread), if any."""
    staff = row.author_type != Actor.CITIZEN.value
    return ReporterComment(id=row.id, at=row.created_at, author_type=row.author_type,
                           text=_mask(row.text) if masked else row.text, public=row.public,
                           officer_id=uuid.UUID(row.author_id) if staff and row.author_id else None,
                           answers=answer.question_id if answer is not None else None,
                           late=answer is not None and answer.late)


async def comments_for(session: AsyncSession, report_ids: Sequence[uuid.UUID], *, masked: bool,
                       answers: Mapping[uuid.UUID, Answer] | None = None) -> dict[uuid.UUID, list[ReporterComment]]:
    """Per report, its comments oldest first (one query for all of them); `masked`: PII masked (field officers);
    `answers`: which question each answering comment answers, by comment id (questions.threads_for)."""
    out: dict[uuid.UUID, list[ReporterComment]] = {report_id: [] for report_id in report_ids}
    if not report_ids:
        return out
    rows = await session.scalars(sa.select(ReportComment).where(col(ReportComment.report_id).in_(report_ids))
                                 .order_by(col(ReportComment.created_at), col(ReportComment.id)))
    for row in rows:
        out[row.report_id].append(comment_out(row, masked=masked, answer=(answers or {}).get(row.id)))
    return out


async def write(session: AsyncSession, report: Report, by: By, text: str, *, public: bool,
                ip: str | None = None) -> ReportComment:
    """A staff member's message to the reporter (`public`) or internal note on `report` (locked by the caller), and
    its audit line (its length and kind, never its words: the comment's own sealed row keeps them). Caller commits.

    A closed report takes both. An internal note is how oversight and the duty shift keep writing down what they
    learn after a closing (a call from the reporter, a prosecutor's query). A message to the reporter of a closed
    report is legitimate too: the law on appeals has the applicant informed, and what is learnt after the decision
    (the stolen phone was found, the case number of the criminal case opened) is owed to them; a message changes
    neither the decision, nor the status, nor any term, and refusing it would have staff reopen a report only to
    write to its reporter. The reporter still cannot comment on a closed report (they appeal it)."""
    comment = await add_staff_comment(session, report, text, by, public=public)
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action="report.comment",
                 target_type="report", target_id=report.id, ip=ip,
                 data={"comment_id": str(comment.id), "public": public, "text_len": len(text)})
    return comment
