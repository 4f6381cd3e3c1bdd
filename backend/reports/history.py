"""A report's history lines (ReportEvent) and who acts in them: every change appends one, and a public one also
schedules the reporter's notifications through the outbox in the same transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy.ext.asyncio import AsyncSession

from backend.jobs.service import Task, enqueue
from backend.lib.clock import ALMATY, as_utc, utcnow
from backend.reports.models import Report, ReportEvent
from backend.reports.texts import render
from backend.reports.workflow import Actor


@dataclass(frozen=True)
class By:
    """Who acts and through which channel (egov, kaspi, halyk, telegram, tablet, console, system)."""

    actor: Actor
    actor_id: str | None
    channel: str


SYSTEM = By(Actor.SYSTEM, None, "system")


def local_date(value: datetime) -> str:
    return as_utc(value).astimezone(ALMATY).strftime("%d.%m.%Y")


class EventDetails(TypedDict, total=False):
    """What an event may say beyond its action and actor."""

    from_status: str | None
    to_status: str | None
    reason: str | None
    public: bool
    params: dict[str, object] | None
    internal_note: str | None
    data: dict[str, object] | None
    device_time: datetime | None
    template: str  # the public text's key in PUBLIC_TEXTS, when it is not the action's own


def event_fields(report: Report, action: str, by: By, **details: Unpack[EventDetails]) -> dict[str, Any]:
    """Every column of one history line, defaults included (ids are client-side UUIDs)."""
    public = details.get("public", True)
    return {
        "id": uuid.uuid4(), "report_id": report.id, "action": action, "from_status": details.get("from_status"),
        "to_status": details.get("to_status"), "actor_type": by.actor.value, "actor_id": by.actor_id,
        "channel": by.channel, "reason": details.get("reason"), "public": public,
        "public_text": render(details.get("template") or action, details.get("params") or {}) if public else {},
        "internal_note": details.get("internal_note"), "data": dict(details.get("data") or {}),
        "device_time": details.get("device_time"), "created_at": utcnow(),
    }


def new_event(report: Report, action: str, by: By, **details: Unpack[EventDetails]) -> ReportEvent:
    """One history line for the session's unit of work, not yet written."""
    return ReportEvent(**event_fields(report, action, by, **details))


def notify_task(event_id: uuid.UUID, report_id: uuid.UUID) -> Task:
    """The outbox task that tells the reporter (push, partner webhook, chat) about a public event."""
    return Task("notifications.report_event", {"event_id": str(event_id), "report_id": str(report_id)},
                f"report-event:{event_id}")


async def append_event(session: AsyncSession, report: Report, action: str, by: By, *, notify: bool = True,
                       **details: Unpack[EventDetails]) -> ReportEvent:
    """Append one history line; public ones also schedule the reporter's notifications (same transaction)."""
    event = new_event(report, action, by, **details)
    session.add(event)  # the unit of work batches the inserts
    if event.public and notify:
        task = notify_task(event.id, report.id)
        await enqueue(session, task.name, task.payload, dedupe_key=task.dedupe_key, fresh=True)
    return event

