"""What the reporter wrote on their report after submitting it (backend.reports.service.add_citizen_comment): the
answers to staff's requests for information, and anything they added. The report's history only says a comment came
(`{"comment_id": …}`); staff who asked must read the answer where they read the report — its opened card and its
oversight history — not only the unit's tablets (backend.sync.views._conversations).

Who wrote it is not shown: the author is the reporter (`author_type`), whose identity the card never carries; the
history's events already name the actor for oversight. Field officers read the text masked, as the report's."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.dispatch.schemas import ReporterComment
from backend.reports.models import ReportComment
from backend.sync.views import _mask


async def comments_for(session: AsyncSession, report_ids: Sequence[uuid.UUID], *,
                       masked: bool) -> dict[uuid.UUID, list[ReporterComment]]:
    """Per report, its comments oldest first (one query for all of them); `masked`: PII masked (field officers)."""
    out: dict[uuid.UUID, list[ReporterComment]] = {report_id: [] for report_id in report_ids}
    if not report_ids:
        return out
    rows = await session.scalars(sa.select(ReportComment).where(col(ReportComment.report_id).in_(report_ids))
                                 .order_by(col(ReportComment.created_at), col(ReportComment.id)))
    for row in rows:
        out[row.report_id].append(ReporterComment(id=row.id, at=row.created_at, author_type=row.author_type,
                                             text=_mask(row.text) if masked else row.text, public=row.public))
    return out
