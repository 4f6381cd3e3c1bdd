"""Work that gave up, for operators: outbox tasks and notification deliveries dead-lettered after their attempts.

A partner's webhook endpoint down for more than a day (delivery.RETRY_POLICIES["webhook"]) dead-letters its status
changes; before this they were seen only by someone running `zan notifications stuck`, so nobody knew to run
`zan notifications retry` once the partner was back. /health shows the counts, /metrics has them for an alert."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge, generate_latest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.jobs.models import OutboxTask
from backend.notifications.delivery import RETRY_POLICIES
from backend.notifications.models import Delivery

# each kind is counted up to this many: dead rows are kept for `zan notifications retry`, so the count would otherwise
# grow with the years and every /health and scrape would pay for it (one dead is enough to alert on)
COUNTED_UP_TO = 1000


async def dead_deliveries(session: AsyncSession) -> dict[str, int]:
    """Dead-lettered deliveries by kind (push, topic, webhook), each counted up to COUNTED_UP_TO
    (ix_notification_deliveries_due serves the status filter)."""
    found: dict[str, int] = {}
    for kind in sorted(RETRY_POLICIES):
        dead = (select(col(Delivery.id)).where(col(Delivery.status) == "dead", col(Delivery.kind) == kind)
                .limit(COUNTED_UP_TO).subquery())
        found[kind] = int(await session.scalar(select(func.count()).select_from(dead)) or 0)
    return found


async def exposition(session: AsyncSession) -> bytes:
    """`zan_dead_letters{queue}` in Prometheus' text format, read from the database at scrape time (the workers that
    dead-letter expose no /metrics): queue=outbox (tasks) or a delivery kind; alert on webhook > 0."""
    registry = CollectorRegistry(auto_describe=False)
    gauge = Gauge("zan_dead_letters",
                  "Work that gave up after its attempts: queue=outbox (background tasks, /health queue.dead), or push, "
                  "topic, webhook deliveries, each counted up to 1,000 (`zan notifications stuck`, then "
                  "`zan notifications retry`)",
                  ["queue"], registry=registry)
    outbox = await session.scalar(select(func.count()).select_from(OutboxTask).where(col(OutboxTask.status) == "dead"))
    gauge.labels("outbox").set(int(outbox or 0))
    for kind, n in (await dead_deliveries(session)).items():
        gauge.labels(kind).set(n)
    return generate_latest(registry)
