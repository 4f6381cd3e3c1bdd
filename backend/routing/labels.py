"""A human's later judgement of a closed report's category, kept as training data without touching the report.

A closed report cannot be reclassified (409 `report.transition_forbidden`): its category, priority and restriction
are what its closing was decided and is overseen on. Yet a dispatcher or supervisor who finds afterwards that the
model (or a colleague) had it wrong has a training label, which was lost. `label` keeps it as reclassify keeps its
own (backend.routing.examples: the report's one example, masked, none for a restricted report), and records who
judged what, from what and why: an internal history line (sealed with the record, never on the citizen's timeline,
in their notifications or partner webhooks) and an audit line. The report's columns stay as they were closed, but
for its restriction: a report labelled into a restricted category (domestic violence…) is restricted from then on."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.lib.errors import ZanError
from backend.reports.models import Report
from backend.reports.service import By, append_event, is_restricted
from backend.reports.workflow import Status
from backend.routing import messages as _messages  # noqa: F401  (registers the domain's error codes)
from backend.routing.corrections import leave_what_restriction_forbids
from backend.routing.examples import checked_correction, keep_example

LABEL_CORRECTED = "label_corrected"  # the internal history line's action
AUDIT_ACTION = "report.label"


async def label(session: AsyncSession, report: Report, category: str, reason: str, by: By) -> bool:
    """Keep `category` as the closed `report`'s training label, replacing its earlier example; True if an example
    was stored (not for a report restricted, or judged to be of a restricted category: its text stays in the
    protected record, and an ordinary example it had is dropped, since it is no longer the latest judgement).

    409 `routing.label_report_open` for a report not closed: its category is corrected with reclassify, which also
    routes it (a report reopened by an appeal is open again). 422 as reclassify for a blank reason or a category the
    taxonomy does not know. The caller holds the report's row lock (two labels at once: one example, the later)."""
    if report.status != Status.CLOSED:
        raise ZanError("routing.label_report_open", 409,
                       extra={"report_status": report.status,
                              "reclassify": f"/api/v1/dispatch/reports/{report.id}/reclassify"})
    target = checked_correction(category, reason)
    # the report may be ordinary while the human found it to be domestic violence: its text is as protected then,
    # and so is the report: restriction only ever goes up, as with reclassify (oversight roles alone read it from
    # now on: no unit is designated for the category it keeps; off its incident, whose "me too" count would expose it)
    if target.restricted and not report.restricted:
        report.restricted = True
        session.add(report)
        await leave_what_restriction_forbids(session, report, by)
    restricted = is_restricted(report)
    previous = report.category  # the category it was closed with: what the model (or reclassify) had said
    stored = await keep_example(session, report, category, previous, by, restricted=restricted)
    await append_event(session, report, LABEL_CORRECTED, by, public=False, reason=reason,
                       data={"from": previous, "to": category, "example": stored})
    # audited as reclassify is (the reason is free text and may hold personal data: only in the report's history)
    await record(session, actor_type=by.actor.value, actor_id=by.actor_id, action=AUDIT_ACTION,
                 target_type="report", target_id=report.id,
                 data={"from": previous, "to": category, "restricted": restricted, "example": stored})
    return stored
