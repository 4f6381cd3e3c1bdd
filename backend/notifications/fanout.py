"""Who hears about a report event, in which words: one Delivery row per (event, device / partner webhook).

Re-running a fan-out (the outbox retried the job) inserts nothing new: rows are keyed by `dedupe_key` and inserted
with ON CONFLICT DO NOTHING, on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from backend.db import insert_ignoring_conflicts
from backend.lib.clock import as_utc, utcnow
from backend.notifications import templates
from backend.notifications.delivery import RETRY_POLICIES
from backend.notifications.models import Delivery, Device
from backend.officers.auth import FIELD_ROLES
from backend.officers.models import Officer, UnitMember
from backend.partners.models import Partner
from backend.reports.models import Report, ReportEvent
from backend.reports.service import is_restricted, local_date
from backend.reports.workflow import (
    CITIZEN_PROJECTION,
    CITIZEN_STATUS_NAMES,
    QUESTION_WITHDRAWN,
    CitizenStatus,
    Status,
)

OFFICER_ACTIONS = frozenset({"assign"})
PUSH_ATTEMPTS = RETRY_POLICIES["push"].max_attempts
WEBHOOK_ATTEMPTS = RETRY_POLICIES["webhook"].max_attempts
INSERT_CHUNK = 1000


def _category_name(code: str | None, lang: str) -> str:
    if not code:
        return ""
    from ml.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    return taxonomy.category(code).names.get(lang) if taxonomy.has_category(code) else ""


def push_life(kind: str, since: datetime, ttl_s: int | None = None) -> dict[str, Any]:
    """The payload fields that bound a push's life on FCM (templates.PUSH_TTL_S, or `ttl_s`) from `since`, the moment
    it is about: a retry after an FCM outage hands FCM only what is left, and one whose life ran out is not sent
    (delivery)."""
    ttl_s = templates.PUSH_TTL_S[kind] if ttl_s is None else ttl_s
    return {"ttl_s": ttl_s, "expires_at": (as_utc(since) + timedelta(seconds=ttl_s)).isoformat()}


async def insert_deliveries(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert, skipping any whose dedupe_key exists (a retried fan-out). The caller commits."""
    stmt = insert_ignoring_conflicts(session, Delivery.__table__, ["dedupe_key"])  # type: ignore[attr-defined]
    now = utcnow()
    for start in range(0, len(rows), INSERT_CHUNK):
        values = [{"id": uuid.uuid4(), "status": "pending", "attempts": 0, "next_attempt_at": now,
                   "created_at": now, "updated_at": now, "device_id": None, "partner_id": None, **row}
                  for row in rows[start:start + INSERT_CHUNK]]
        await session.execute(stmt, values)


async def push_to_devices(session: AsyncSession, key: str, devices: Iterable[tuple[uuid.UUID, str]],
                          payload_in: Callable[[str], dict[str, Any]]) -> int:
    """One push of the event `key` to each device (its id, its language), the payload built once per language
    (`payload_in`), and the task that sends them; how many were written. The caller commits."""
    from backend.jobs.service import enqueue

    payloads: dict[str, dict[str, Any]] = {}  # one text per language, not per device
    rows = []
    for device_id, language in devices:
        if language not in payloads:
            payloads[language] = payload_in(language)
        rows.append({"dedupe_key": f"{key}:device:{device_id}", "event_key": key, "kind": "push",
                     "device_id": device_id, "max_attempts": PUSH_ATTEMPTS, "payload": payloads[language]})
    if rows:
        await insert_deliveries(session, rows)
        await enqueue(session, "notifications.deliver", {"event_key": key}, dedupe_key=f"deliver:{key}",
                      max_attempts=40)
    return len(rows)


def discreet_for_citizen(report: Report) -> bool:
    """Whether what the citizen is told of `report` must show nothing of it (a data-only push, a neutral chat
    message): its category is restricted, or not known yet. A report is registered before routing runs, and one the
    model abstained on (triage) or failed to route keeps no category: "my husband beats me every day" with no category
    picked is such a report until routing files it under domestic violence, and the phone may be in the abuser's
    hands.
    The citizen's own pick (`category_hint`) does not count: routing may still restrict the report."""
    return report.category is None or is_restricted(report)


def status_at(event: ReportEvent, report: Report) -> CitizenStatus:
    """The citizen's status as this event left the report (as their timeline shows it: reports.views.timeline), not
    as the report stands when the fan-out runs: a fan-out that ran after later steps (a queue behind, steps taken in
    one transaction) told the partner app an "assigned" event with the status "closed". An event that records no
    status (a comment) is told with the report's own."""
    return CITIZEN_PROJECTION[Status(event.to_status or report.status)]


def _citizen_push(event: ReportEvent, report: Report, language: str, discreet: bool) -> dict[str, Any] | None:
    params = {"number": report.number, "deadline": local_date(report.deadline_at)}
    kind = templates.citizen_kind(event.action, event.actor_type, event.data)
    text = templates.render(templates.CITIZEN, kind, language, params) if kind else None
    if text is None:
        return None
    data = {"type": "report_update", "report_id": str(report.id), "event_id": str(event.id)}
    life = push_life("report_update", event.created_at)
    if discreet:
        return {"discreet": True, "data": data, "collapse_id": str(event.id), **life}
    return {"title": text[0], "body": text[1], "collapse_id": str(event.id), **life,
            "data": {**data, "number": report.number, "citizen_status": status_at(event, report).value}}


def _officer_push(event: ReportEvent, report: Report, language: str, discreet: bool,
                  accept_within_s: int | None) -> dict[str, Any]:
    key = "restricted" if discreet else ("urgent" if report.urgent else "assign")
    params = {"number": report.number, "category": _category_name(report.category, language),
              "district": templates.district_name(report.district, language)}
    title, body = templates.render(templates.OFFICER, key, language, params) or ("", "")
    life = (push_life("assignment_urgent", event.created_at, accept_within_s) if report.urgent
            else push_life("assignment", event.created_at))
    return {"title": title, "body": body, "urgent": report.urgent, "collapse_id": str(event.id), **life,
            "data": {"type": "assignment", "report_id": str(report.id), "event_id": str(event.id),
                     "urgent": "1" if report.urgent else "0"}}


def webhook_body(event: ReportEvent, report: Report) -> dict[str, Any]:
    """What a partner app learns: enough to update the citizen's screen, nothing internal."""
    status = status_at(event, report)
    return {
        "type": "report.updated",
        "event_id": str(event.id),
        "report_id": str(report.id),
        "number": report.number,
        "action": event.action,
        "status": status.value,
        "status_name": CITIZEN_STATUS_NAMES[status],
        "text": event.public_text,
        # a partner app that builds its own push from this must show nothing on a lock screen when true (the rule
        # our own pushes follow: a restricted category, or one not known yet)
        "discreet": discreet_for_citizen(report),
        "deadline_at": report.deadline_at.isoformat(),
        "occurred_at": event.created_at.isoformat(),
        # a step that ended the reporter's question unanswered (a unit assigned, the report closed) names it
        # ({event_id, asked_at}: the request_info event's webhook had that event_id), so the app closes its answer
        # form for that question; null for any other event
        "question_withdrawn": event.data.get(QUESTION_WITHDRAWN),
    }


class FanOut(NamedTuple):
    event_key: str
    recipients: int  # deliveries for this event (a retried fan-out finds them already written)


async def report_event(session: AsyncSession, *, event: ReportEvent, report: Report,
                       accept_within_s: int | None = None) -> FanOut | None:
    """Write the deliveries for one public report event (None: nothing to tell anyone). `accept_within_s`: how long
    a crew has to accept an urgent report before supervisors are told (ZAN_ESCALATE_UNACCEPTED_MIN), the life of
    its push (templates.PUSH_TTL_S's default otherwise)."""
    if not event.public:
        return None
    key = f"report-event:{event.id}"
    # officers are staff, and a report reaches their tablets only once triage has looked at it: only a restricted
    # category hides its details there. The citizen's phone may be in the hands of the person reported.
    discreet, citizen_discreet = is_restricted(report), discreet_for_citizen(report)
    rows: list[dict[str, Any]] = []
    # a payload depends on the language only: built once per language, not once per device (fan-outs reach 10,000+)
    citizen_payloads: dict[str, dict[str, Any] | None] = {}
    mine = select(col(Device.id), col(Device.language)).where(
        Device.citizen_id == report.citizen_id, Device.owner_type == "citizen", Device.active == True)  # noqa: E712
    if report.partner_id is not None:
        # only the app the report was filed through may show it (reports.service.get_for_citizen): another app's
        # device is told nothing, not even that this citizen filed a report elsewhere
        mine = mine.where(col(Device.partner_id) == report.partner_id)
    citizen_devices = await session.execute(mine)
    for device_id, language in citizen_devices:
        if language not in citizen_payloads:
            citizen_payloads[language] = _citizen_push(event, report, language, citizen_discreet)
        payload = citizen_payloads[language]
        if payload is not None:
            rows.append({"dedupe_key": f"{key}:device:{device_id}", "event_key": key, "kind": "push",
                         "device_id": device_id, "payload": payload, "max_attempts": PUSH_ATTEMPTS})
    unit = event.data.get("unit_id") or (str(report.unit_id) if report.unit_id else None)
    if event.action in OFFICER_ACTIONS and unit:
        officer_payloads: dict[str, dict[str, Any]] = {}
        # the unit's crew as it is now (unit_members), not the unit copied onto a device when it registered:
        # that copy goes stale the moment an officer moves, and no membership change has to remember to fix it.
        # Of its members, those in the car: a field role now and an active account. A dispatcher still listed in
        # the crew they were promoted from (or a supervisor kept in a unit for its region: officers.jurisdiction)
        # drives no car, and a closed account's phone must hear nothing (the duty bot's rule: duty_chats)
        officer_devices = await session.execute(
            select(col(Device.id), col(Device.language))
            .join(UnitMember, col(UnitMember.officer_id) == col(Device.officer_id))
            .join(Officer, col(Officer.id) == col(Device.officer_id))
            .where(col(UnitMember.unit_id) == uuid.UUID(str(unit)), col(Device.owner_type) == "officer",
                   col(Device.active).is_(True), col(Officer.active).is_(True),
                   col(Officer.role).in_([role.value for role in FIELD_ROLES])))
        for device_id, language in officer_devices:
            if language not in officer_payloads:
                officer_payloads[language] = _officer_push(event, report, language, discreet, accept_within_s)
            rows.append({"dedupe_key": f"{key}:device:{device_id}", "event_key": key, "kind": "push",
                         "device_id": device_id, "payload": officer_payloads[language], "max_attempts": PUSH_ATTEMPTS})
    if report.partner_id:
        partner = await session.get(Partner, report.partner_id)
        if partner is not None and partner.active and partner.webhook_url and partner.webhook_secret_sealed:
            rows.append({"dedupe_key": f"{key}:webhook:{partner.id}", "event_key": key, "kind": "webhook",
                         "partner_id": partner.id, "max_attempts": WEBHOOK_ATTEMPTS,
                         "payload": {"event_id": str(event.id), "body": webhook_body(event, report)}})
    if not rows:
        return None
    await insert_deliveries(session, rows)
    return FanOut(key, len(rows))
