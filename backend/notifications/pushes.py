"""What a claimed push row is sent as (its target, what is left of its life), and which rows are about report events
that are old news by now. Reads no clock itself: the sender passes the moment (backend.notifications.delivery)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from backend.notifications.models import Delivery
from backend.notifications.sender import Push
from backend.reports.models import ReportEvent
from backend.reports.workflow import Action, Status

if TYPE_CHECKING:
    from backend.context import Context


class _Target(NamedTuple):
    """Where a push for a device goes (read with the claim check, not as a Device entity: 500 per chunk)."""

    fid: str | None
    token: str | None
    active: bool


def life_end(payload: dict[str, Any]) -> datetime | None:
    """When a push's life ends (`expires_at`, written with the row: fanout.push_life, an alert's expiry); None for
    a row written without one. Past it the push is not sent, and it is not retried beyond it (retries.py)."""
    expires = payload.get("expires_at")
    return datetime.fromisoformat(expires) if expires else None


def _ttl_s(payload: dict[str, Any], now: datetime) -> int | None:
    """How long FCM may keep the message for an offline device: what is left of the message's life *now*. A TTL
    fixed when the row was written would hand a retry an hour later the whole of it again, and a device coming
    online after an alert was lifted would still show it. Called only for rows not yet expired (_send_pushes)."""
    ttl_s: int | None = payload.get("ttl_s")
    expires = life_end(payload)
    if expires is None:
        return ttl_s
    left = max(1, math.ceil((expires - now).total_seconds()))
    return min(ttl_s, left) if ttl_s is not None else left


def _push_for(row: Delivery, device: _Target | None, now: datetime) -> Push | None:
    p = row.payload
    common: dict[str, Any] = {
        "key": str(row.id), "title": p.get("title"), "body": p.get("body"),
        "data": {**{k: str(v) for k, v in p.get("data", {}).items()}, "delivery_id": str(row.id)},
        "urgent": bool(p.get("urgent")), "discreet": bool(p.get("discreet")),
        "collapse_id": str(p.get("collapse_id") or row.event_key), "ttl_s": _ttl_s(p, now),
    }
    if row.kind == "topic":
        return Push(condition=p["condition"], **common)
    if device is None or not device.active or not (device.fid or device.token):
        return None
    return Push(fid=device.fid, token=None if device.fid else device.token, **common)


# pushes about one report event (fanout): the citizen's, and the unit's "new assignment"
REPORT_EVENT_PUSHES = frozenset({"report_update", "assignment"})


def _withdrawal(told: Any, later: Any) -> ColumnElement[bool]:
    """`later` withdrew the report. A push or chat message about an earlier event, still queued then (FCM or Telegram
    down, throttled), would tell the citizen "assigned", "needs your input" about a report they have since taken
    back, and send a crew to it; what comes after the withdrawal (a message from the police) is news and goes."""
    return col(later.action) == Action.WITHDRAW.value


def _question_ended(told: Any, later: Any) -> ColumnElement[bool]:
    """`told` asked the reporter a question and `later` took the report out of awaiting their answer: the answer
    itself, or a step that withdrew the question (reports.workflow.withdraws_question), whose own notice says no
    answer is needed. "Open the app to answer a question", still queued then, asks for what no one waits for."""
    awaiting = Status.AWAITING_REPORTER.value
    return ((col(told.action) == Action.REQUEST_INFO.value) & (col(later.from_status) == awaiting)
            & (col(later.to_status) != awaiting))


def _citizen_news_ended(told: Any, later: Any) -> ColumnElement[bool]:
    return _withdrawal(told, later) | _question_ended(told, later)


async def old_news_to_citizen(ctx: Context, event_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Those of these report events that are old news to their citizen by now: the report withdrawn since
    (`_withdrawal`), or the question they asked ended since (`_question_ended`). One rule for the citizen's
    pushes (`_stale`) and their Telegram chat (bots.citizen.notify)."""
    return await _followed_by(ctx, event_ids, _citizen_news_ended)


# what makes a crew's assignment push, still queued, old news: the report assigned again since (to another crew, or
# to theirs with a push of its own), sent back to triage, closed or withdrawn: it would send a crew to a report that
# is no longer theirs
_ASSIGNMENT_ENDS = frozenset({Action.ASSIGN.value, Action.TRIAGE.value, Action.RESOLVE.value,
                              Action.CLOSE_UNFOUNDED.value, Action.REDIRECT.value, Action.MARK_DUPLICATE.value,
                              Action.REJECT.value, Action.WITHDRAW.value})


def _assignment_ended(told: Any, later: Any) -> ColumnElement[bool]:
    return col(later.action).in_(_ASSIGNMENT_ENDS)


async def _followed_by(ctx: Context, event_ids: set[uuid.UUID],
                       ends: Callable[[Any, Any], ColumnElement[bool]]) -> set[uuid.UUID]:
    """Those of these report events (`told`) after which their report had an event (`later`) that `ends` them."""
    if not event_ids:
        return set()
    told, later = aliased(ReportEvent), aliased(ReportEvent)
    async with ctx.sessions() as session:
        found = await session.scalars(
            select(col(told.id)).distinct()
            .join(later, (col(later.report_id) == col(told.report_id)) & ends(told, later)
                  & (col(later.created_at) > col(told.created_at)))
            .where(col(told.id).in_(event_ids)))
    return set(found)


def stale_key(payload: dict[str, Any]) -> tuple[str, str]:
    """What `_stale` answers for a push row: its kind (`data.type`) and the event it is about."""
    data = payload.get("data", {})
    return str(data.get("type")), str(data.get("event_id"))


async def _stale(ctx: Context, rows: list[Delivery]) -> set[tuple[str, str]]:
    """The (kind, report event) of these pushes that are old news by now: the citizen's (`old_news_to_citizen`),
    and for a crew's assignment, the report no longer theirs (`_ASSIGNMENT_ENDS`). Per kind: the citizen's push and
    the crew's about one assignment share its event id, and the report going to another crew (or closed) ends only
    the crew's; the citizen is still told (their Telegram chat, by old_news_to_citizen alone, is)."""
    about: dict[str, set[uuid.UUID]] = {kind: set() for kind in REPORT_EVENT_PUSHES}
    for row in rows:
        kind, event_id = stale_key(row.payload)
        if kind in about:
            about[kind].add(uuid.UUID(event_id))
    citizens = await old_news_to_citizen(ctx, about["report_update"])
    crews = await _followed_by(ctx, about["assignment"], _assignment_ended)
    return ({("report_update", str(event_id)) for event_id in citizens}
            | {("assignment", str(event_id)) for event_id in crews})

