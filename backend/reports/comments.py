"""Writing on a report: a citizen's message (which answers a request for information), a staff member's message or
internal note."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.lib.clock import utcnow
from backend.reports.access import ensure_open, require_text
from backend.reports.history import By, append_event
from backend.reports.models import Report, ReportComment
from backend.reports.transitions import change_status
from backend.reports.workflow import Action, Status


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

