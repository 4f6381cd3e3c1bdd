"""Outbox handlers: fan a report event out to its recipients and send; retry what is left; sweep strays."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from backend.jobs.registry import PermanentError, RetryLater, task
from backend.jobs.relay import notify
from backend.jobs.scheduled import periodic
from backend.jobs.service import enqueue
from backend.lib.clock import utcnow
from backend.lib.i18n import pick
from backend.notifications import delivery, fanout, templates
from backend.notifications.models import Delivery, Device
from backend.reports.models import Report, ReportEvent

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from backend.context import Context
    from backend.dispatch.models import Escalation

log = logging.getLogger("zan.notifications")
# an event's `notifications.deliver` task runs once per due time of its deliveries: its failures must outlast the
# longest schedules together (delivery.RETRY_POLICIES), plus wake-ups for others' leases. Waiting for a retry's due
# time (RetryLater) is not a failed attempt: a push retried for days of its life costs none of these
DELIVER_MAX_ATTEMPTS = 64
# A big fan-out is shared by worker processes: besides the task that wrote it, one `notifications.deliver` helper
# task per SHARE_EVERY recipients (at most MAX_HELPERS) claims chunks of the same event from wherever it runs. One
# process sends ~1,500–2,000 messages/s to FCM (docs/benchmarks-notifications.md); a 10,000-device report gets 5.
# Helpers landing in the same process only queue for its chunk slots (delivery.PARALLEL_CHUNKS).
SHARE_EVERY = 2_000
MAX_HELPERS = 7
# the sweep's batches and its share of the minute: a backlog (`zan notifications retry` after a day-long outage) drains
# at thousands of events an hour instead of 20 a minute, and the lane's other jobs (SLA escalations) still run each
# minute
SWEEP_BATCH = 50
SWEEP_BUDGET_S = 15.0


async def schedule_retry(ctx: Context, event_key: str, progress: delivery.Progress) -> None:
    """Something for this event must wait (backoff, Retry-After, another worker's lease): a task for then."""
    if progress.next_due_at is None:
        return
    async with ctx.sessions() as session:
        await enqueue(session, "notifications.deliver", {"event_key": event_key},
                      dedupe_key=f"deliver:{event_key}:{progress.next_due_at.timestamp():.3f}",
                      max_attempts=DELIVER_MAX_ATTEMPTS, run_at=progress.next_due_at)
        await session.commit()
    notify(ctx)


async def _enqueue_helpers(session: AsyncSession, fan: fanout.FanOut) -> int:
    """Helper `notifications.deliver` tasks for a big fan-out, in the transaction that writes its deliveries."""
    helpers = min(MAX_HELPERS, fan.recipients // SHARE_EVERY)
    for i in range(helpers):
        await enqueue(session, "notifications.deliver", {"event_key": fan.event_key, "helper": True},
                      dedupe_key=f"deliver:{fan.event_key}:helper:{i}", max_attempts=DELIVER_MAX_ATTEMPTS)
    return helpers


@task("notifications.report_event")
async def report_event(ctx: Context, payload: dict[str, Any]) -> None:
    """A public report event: write one delivery per recipient (idempotent), then send them right away."""
    try:
        event_id, report_id = uuid.UUID(payload["event_id"]), uuid.UUID(payload["report_id"])
    except (KeyError, ValueError) as exc:
        raise PermanentError(f"bad payload: {exc}") from exc
    async with ctx.sessions() as session:
        event = await session.get(ReportEvent, event_id)
        report = await session.get(Report, report_id)
        if event is None or report is None or event.report_id != report.id:
            raise PermanentError("event or report not found")
        fan = await fanout.report_event(session, event=event, report=report,
                                        accept_within_s=ctx.settings.escalate_unaccepted_min * 60)
        if report.channel == "telegram":
            # reporters from the citizen bot hear back in their chat; a separate task keeps this send at-most-once
            # per event even if the fan-out above is retried
            await enqueue(session, "notifications.telegram", {"event_id": str(event.id), "report_id": str(report.id)},
                          dedupe_key=f"telegram:{event.id}")
        helpers = await _enqueue_helpers(session, fan) if fan is not None else 0
        await session.commit()
    if fan is None:
        return
    if helpers:
        notify(ctx)
    progress = await delivery.deliver_pending(ctx, event_key=fan.event_key)
    await schedule_retry(ctx, fan.event_key, progress)


@task("notifications.telegram")
async def telegram(ctx: Context, payload: dict[str, Any]) -> None:
    """A status change pushed into the reporter's Telegram chat (bots.citizen.notify decides what is shown)."""
    from bots.citizen.notify import notify_report_event

    async with ctx.sessions() as session:
        event = await session.get(ReportEvent, uuid.UUID(payload["event_id"]))
        report = await session.get(Report, uuid.UUID(payload["report_id"]))
    if event is None or report is None:
        raise PermanentError("event or report not found")
    await notify_report_event(ctx, report, event)


def escalation_audience(report: Report) -> ColumnElement[bool]:
    """A filter on Officer: who hears of an escalation of `report` — the active supervisors who may read it
    (backend.dispatch.visibility): those whose jurisdiction it is in (backend.officers.jurisdiction: their region, by
    their own district else their crew unit's; a report placed in no district is everyone's), and national ones.
    One rule for the push below and the duty bot's message (bots.officer.escalations), and the console's own, so
    nobody is pushed a report the console then answers with a 404."""
    from backend.officers.auth import Role
    from backend.officers.jurisdiction import reads_report_sql
    from backend.officers.models import Officer

    supervisors = and_(col(Officer.active).is_(True), col(Officer.role) == Role.SUPERVISOR.value)
    return and_(supervisors, reads_report_sql(report.district))


# which term an escalation kind is about (templates.ESCALATION_TERMS): its subject records that term's time, but for
# "registered": an urgent report nobody assigned shows how long it has waited since it came in (its subject, the
# moment it was last left without a unit, is only the job's dedupe key)
ESCALATION_TERM_OF: dict[str, str] = {"unaccepted_urgent": "assigned", "unassigned_urgent": "registered",
                                      "deadline_near": "deadline", "redirect_due": "redirect",
                                      "delay_complaint": "deadline"}


async def escalation_term(session: AsyncSession, esc: Escalation, report: Report) -> tuple[str, datetime]:
    """(term, time) an escalation is about: when the unaccepted urgent report was assigned, when the unassigned
    urgent report was registered, or the deadline / redirect term about to lapse (the escalation's subject, UTC
    ISO 8601). One rule for the push and the duty bot."""
    from backend.dispatch.models import Assignment

    term = ESCALATION_TERM_OF.get(esc.kind, "deadline")
    if term == "registered":
        return term, report.created_at
    try:
        if term == "assigned":
            assignment = await session.get(Assignment, uuid.UUID(esc.subject))
            if assignment is not None:
                return term, assignment.assigned_at
        else:
            return term, datetime.fromisoformat(esc.subject)
    except ValueError:
        pass
    return "deadline", report.deadline_at  # a subject from before it was recorded: the legal deadline


@task("notifications.escalation")
async def escalation(ctx: Context, payload: dict[str, Any]) -> None:
    """An escalation (backend.dispatch.jobs) pushed to the supervisors who may read the report (its region's and
    national ones: `escalation_audience`), on every phone or tablet they registered; it counts as notified once its
    pushes are written (they are sent and retried as any)."""
    from backend.dispatch.models import Escalation
    from backend.officers.models import Officer

    async with ctx.sessions() as session:
        esc = await session.get(Escalation, uuid.UUID(str(payload["escalation_id"])))
        report = await session.get(Report, esc.report_id) if esc is not None else None
        if esc is None or report is None or esc.notified_at is not None:
            return
        if esc.kind not in templates.ESCALATION_KINDS:
            raise PermanentError(f"no text for escalation kind {esc.kind!r}")
        devices = await session.execute(
            select(col(Device.id), col(Device.language))
            .join(Officer, col(Officer.id) == col(Device.officer_id))
            .where(col(Device.owner_type) == "officer", col(Device.active).is_(True), escalation_audience(report)))
        key = f"escalation:{esc.id}"
        term, at = await escalation_term(session, esc, report)
        def payload_in(language: str) -> dict[str, Any]:
            title = pick(templates.ESCALATION_TITLE, language).format(number=report.number)
            what, when = templates.escalation_lines(esc.kind, term, at, language)
            return {"title": title, "body": f"{what} {when}", "collapse_id": key, "urgent": True,
                    **fanout.push_life(f"escalation:{esc.kind}", esc.created_at),
                    "data": {"type": "escalation", "kind": esc.kind, "report_id": str(report.id),
                             "number": report.number}}

        await fanout.push_to_devices(session, key, devices, payload_in)
        esc.notified_at = utcnow()
        await session.commit()
    notify(ctx)


@task("notifications.deliver")
async def deliver(ctx: Context, payload: dict[str, Any]) -> None:
    """Send whatever is due for one event (alerts, and retries of report events)."""
    key = str(payload.get("event_key") or "")
    if not key:
        raise PermanentError("no event_key")
    progress = await delivery.deliver_pending(ctx, event_key=key)
    if payload.get("helper"):  # retries are the writing task's business (schedule_retry), not each helper's
        return
    if progress.next_due_at is not None:
        raise RetryLater("deliveries waiting", max((progress.next_due_at - utcnow()).total_seconds(), 0.05))


@periodic("notifications.sweep")
async def sweep(ctx: Context) -> None:
    """Safety net: deliveries due for a while with no task to carry them (e.g. after `retry_dead`), oldest due first,
    batch after batch until none is left or SWEEP_BUDGET_S is spent (the rest waits for the next minute's run)."""
    started, done = time.monotonic(), set[str]()
    while time.monotonic() - started < SWEEP_BUDGET_S:
        cutoff = utcnow() - timedelta(seconds=30)
        stray = (((col(Delivery.status) == "pending") & (col(Delivery.next_attempt_at) < cutoff))
                 | ((col(Delivery.status) == "sending") & (col(Delivery.locked_until) < cutoff)))
        query = select(col(Delivery.event_key)).where(stray)
        if done:  # one try per run: a key still stray after it (its lease held elsewhere) is not taken again here
            query = query.where(col(Delivery.event_key).not_in(done))
        async with ctx.sessions() as session:
            keys = list(await session.scalars(query.group_by(col(Delivery.event_key))
                                              .order_by(func.min(col(Delivery.next_attempt_at))).limit(SWEEP_BATCH)))
        if not keys:
            return
        for key in keys:
            if time.monotonic() - started >= SWEEP_BUDGET_S:  # checked per event: one can be a big fan-out
                return
            done.add(key)
            progress = await delivery.deliver_pending(ctx, event_key=key)
            log.info("swept %s: %d sent, %d not", key, progress.sent, progress.failed)
