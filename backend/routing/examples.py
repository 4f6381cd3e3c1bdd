"""A human's judgement of a report's category, kept as training data for `zan ml retrain`: what a dispatcher's
reclassify (backend.routing.corrections) and the label of a closed report (backend.routing.labels) share, so both
check their input and store their example the same way.

One example per report, its latest: `zan ml retrain` trains on every stored row, and the same text under both a
first (wrong) label and the one that corrected it taught the model both."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.lib.errors import FieldProblem, ZanError
from backend.reports.models import Report
from backend.reports.service import By, require_text
from backend.routing.models import LabelledExample
from ml.pii import mask_pii
from ml.taxonomy import Category, load_taxonomy


def checked_correction(category: str, reason: str) -> Category:
    """The category a human corrects a report into, once `reason` and `category` pass (else 422, with the field's
    pointer): the grounds oversight reads in the history are required, and spaces or zero-width characters say none,
    as a closing's or an extension's reason may not."""
    require_text(reason, "/reason")
    taxonomy = load_taxonomy()
    if not taxonomy.has_category(category):
        raise ZanError("report.unknown_category", 422, errors=[FieldProblem("/category", "invalid")])
    return taxonomy.category(category)


async def keep_example(session: AsyncSession, report: Report, label: str, previous: str | None, by: By, *,
                       restricted: bool) -> bool:
    """Make `label` the report's one stored example (its earlier ones dropped); True if one was stored.

    None for a `restricted` report: training data outlives the report and is copied next to every retrained model,
    so personal data is masked, and a restricted report's text (domestic violence, minors) never leaves the
    protected record at all — its earlier examples are dropped all the same."""
    await drop_examples(session, report)
    if restricted:
        return False
    session.add(LabelledExample(report_id=report.id, text=mask_pii(report.text), label=label,
                                language=report.language, previous_label=previous, created_by=by.actor_id))
    return True


async def drop_examples(session: AsyncSession, report: Report) -> None:
    """Delete `report`'s stored corrections (training data only: who reclassified or labelled it, from what and why
    stays in its routing decisions, history and audit log). A report restricted after a dispatcher corrected it into
    an ordinary category kept that row, its text among the next retrain's examples and copied next to the model."""
    await session.execute(delete(LabelledExample).where(col(LabelledExample.report_id) == report.id))
