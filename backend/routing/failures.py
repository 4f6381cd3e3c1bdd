"""Reports whose routing failed: who they are, whether routing still retries or gave up, and running it again.

A routing job that fails (a classifier that crashes) puts its report in triage at once and is retried by the
outbox, up to its attempts; then the task is dead and nothing would route the report again. Those reports must not
sit in triage unnoticed: the routing job records a "gave up" decision (backend.routing.jobs), dispatchers list them
(GET /api/v1/dispatch/routing-failures), operators count them (`exposition`, `health`) and run routing again once
the classifier is fixed (`zan ml reroute`, `reroute`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, generate_latest
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.db import uuid_in
from backend.jobs.models import OutboxTask
from backend.jobs.service import revive
from backend.lib.pagination import older_than
from backend.reports.models import Report
from backend.reports.workflow import Status
from backend.routing.models import RoutingDecision

ROUTE_TASK = "reports.route"
FAILED = "failed"  # reports.routing_state of a report routing failed for (and has not routed since)
GAVE_UP_REASON = "routing gave up"


def route_key(report_id: uuid.UUID) -> str:
    """The routing task's dedupe key (as backend.reports.intake writes it)."""
    return f"route:{report_id}"


@dataclass(frozen=True, slots=True)
class RoutingFailure:
    report: Report
    gave_up: bool  # the routing task is dead: nothing routes the report again until `reroute`
    attempts: int | None  # of the routing task (None: no task, e.g. deleted)
    retry_at: datetime | None  # the next attempt, while retrying
    since: datetime | None  # the first failure on record
    reason: str | None  # the last failure's, as its decision records it ("classifier error", GAVE_UP_REASON…)
    error: str | None  # the exception's type only: its message may quote the report's text


def _failed_open() -> Any:
    return (col(Report.routing_state) == FAILED) & (col(Report.status) != Status.CLOSED.value)


async def _dead_report_ids(session: AsyncSession) -> set[uuid.UUID]:
    """Reports whose routing task is dead (dead tasks are few: read them all rather than join on the key)."""
    payloads = await session.scalars(select(col(OutboxTask.payload)).where(
        col(OutboxTask.task) == ROUTE_TASK, col(OutboxTask.status) == "dead"))
    ids: set[uuid.UUID] = set()
    for payload in payloads:
        try:
            ids.add(uuid.UUID(str(payload["report_id"])))
        except (KeyError, TypeError, ValueError):
            continue
    return ids


async def counts(session: AsyncSession) -> dict[str, int]:
    """Open reports whose routing failed: `retrying` (the routing task will run again) and `gave_up` (dead)."""
    failed = int(await session.scalar(select(func.count()).select_from(Report).where(_failed_open())) or 0)
    dead = list(await _dead_report_ids(session))
    gave_up = 0
    if dead:
        gave_up = int(await session.scalar(select(func.count()).select_from(Report).where(
            _failed_open(), uuid_in(session, col(Report.id), dead))) or 0)
    return {"retrying": failed - gave_up, "gave_up": gave_up}


async def health(session: AsyncSession) -> dict[str, Any]:
    """For /health: not ok while any open report's routing gave up (it waits for `zan ml reroute`)."""
    found = await counts(session)
    return {"ok": found["gave_up"] == 0, "failed_retrying": found["retrying"], "gave_up": found["gave_up"]}


async def exposition(session: AsyncSession) -> bytes:
    """`zan_routing_failed_reports{state}` in Prometheus' text format, read from the database at scrape time: the
    workers that run routing expose no /metrics, and every API process must show the same numbers."""
    registry = CollectorRegistry(auto_describe=False)
    gauge = Gauge("zan_routing_failed_reports",
                  "Open reports whose routing failed and that wait in triage: state=retrying (the routing job runs "
                  "again) or gave_up (its attempts are spent: run `zan ml reroute`); alert on gave_up > 0",
                  ["state"], registry=registry)
    for state, n in (await counts(session)).items():
        gauge.labels(state).set(n)
    return generate_latest(registry)


async def failures_page(session: AsyncSession, visible: Select[Any], after: tuple[datetime, uuid.UUID] | None,
                        limit: int) -> list[RoutingFailure]:
    """Open reports whose routing failed among `visible` (the officer's readable reports), newest first."""
    query = visible.where(_failed_open())
    if after is not None:
        query = query.where(older_than(col(Report.created_at), col(Report.id), after))
    reports = list(await session.scalars(
        query.order_by(col(Report.created_at).desc(), col(Report.id).desc()).limit(limit)))
    tasks: dict[str, OutboxTask] = {}
    if reports:
        keys = [route_key(r.id) for r in reports]
        tasks = {t.dedupe_key or "": t for t in await session.scalars(
            select(OutboxTask).where(col(OutboxTask.dedupe_key).in_(keys)))}
    first: dict[uuid.UUID, RoutingDecision] = {}
    last: dict[uuid.UUID, RoutingDecision] = {}
    if reports:
        for decision in await session.scalars(
                select(RoutingDecision).where(uuid_in(session, col(RoutingDecision.report_id), [r.id for r in reports]),
                                              col(RoutingDecision.source) == "fallback")
                .order_by(col(RoutingDecision.created_at), col(RoutingDecision.id))):
            first.setdefault(decision.report_id, decision)
            last[decision.report_id] = decision
    out = []
    for report in reports:
        task = tasks.get(route_key(report.id))
        latest = last.get(report.id)
        since = first.get(report.id)
        out.append(RoutingFailure(
            report=report, gave_up=task is not None and task.status == "dead",
            attempts=task.attempts if task is not None else None,
            retry_at=task.next_attempt_at if task is not None and task.status == "pending" else None,
            since=since.created_at if since is not None else None,
            reason=str(latest.inputs.get("reason")) if latest is not None and latest.inputs.get("reason") else None,
            error=str(latest.inputs.get("error")) if latest is not None and latest.inputs.get("error") else None))
    return out


async def give_up_decision(session: AsyncSession, report_id: uuid.UUID, *, error: str) -> bool:
    """Record that this routing attempt is the task's last (its failure dead-letters it): a decision dispatchers
    and the history see. False when attempts remain (or the task is not running), and nothing is recorded."""
    task = await session.scalar(select(OutboxTask).where(col(OutboxTask.dedupe_key) == route_key(report_id)))
    if task is None or task.status != "running" or task.attempts < task.max_attempts:
        return False
    session.add(RoutingDecision(report_id=report_id, source="fallback", abstained=True,
                                inputs={"reason": GAVE_UP_REASON, "error": error, "attempts": task.attempts,
                                        "gave_up": True, "rerun": "zan ml reroute"}))
    return True


async def reroute(session: AsyncSession, report_ids: list[uuid.UUID] | None = None) -> list[uuid.UUID]:
    """Run routing again, with a fresh set of attempts, for the open reports whose routing task is dead (all of
    them, or those of `report_ids`): the reports that routing gave up on. Commits; returns the reports revived."""
    dead = await _dead_report_ids(session)
    wanted = sorted(dead if report_ids is None else dead & set(report_ids))
    if not wanted:
        return []
    # a report closed meanwhile, or routed (a late success cannot follow a dead task, but a dispatcher may have
    # closed it), needs no routing
    still = set(await session.scalars(select(col(Report.id)).where(
        uuid_in(session, col(Report.id), wanted), _failed_open())))
    revived = [rid for rid in wanted if rid in still and await revive(session, route_key(rid))]
    await session.commit()
    return revived
