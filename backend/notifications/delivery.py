"""Sending the Delivery rows: claim a chunk under a lease, send, record each outcome under the same claim.

At-least-once without duplicates in the database: a claimed row belongs to one worker (`claim_token`) until its
lease ends; a worker that dies mid-chunk leaves its rows `sending`, and after the lease anyone may claim them again.
Rows already recorded as sent are never sent again. The only window left — the provider accepted a message and the
worker died before recording it — is closed on the device: every push carries a collapse id (Android tag,
apns-collapse-id) and its delivery id, so a re-send replaces the first notification instead of showing twice.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

import httpx
import msgspec
from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.jobs.service import backoff
from backend.lib.clock import utcnow
from backend.lib.crypto import TokenError, unseal
from backend.notifications import webhooks
from backend.notifications.models import Delivery, Device
from backend.notifications.sender import Outcome, Push, get_sender
from backend.partners.models import Partner

if TYPE_CHECKING:
    from backend.context import Context

log = logging.getLogger("zan.notifications")
LEASE_S = 60.0
CHUNK = 500
PARALLEL_CHUNKS = 3
MAX_ATTEMPTS = 8
D = Delivery.__table__  # type: ignore[attr-defined]  # core table: bulk updates by primary key


def _due() -> Any:
    now = utcnow()
    return or_(
        (Delivery.status == "pending") & (Delivery.next_attempt_at <= now),  # type: ignore[arg-type,operator]
        (Delivery.status == "sending") & (Delivery.locked_until < now),  # type: ignore[arg-type,operator]
    )


async def claim(ctx: Context, *, event_key: str | None, limit: int = CHUNK,
                lease_s: float = LEASE_S) -> tuple[uuid.UUID, list[Delivery]]:
    """Take up to `limit` due deliveries (or ones whose worker's lease ran out). Returns (claim token, rows)."""
    token = uuid.uuid4()
    now = utcnow()
    pick = select(D.c.id).where(_due())
    if event_key is not None:
        pick = pick.where(D.c.event_key == event_key)
    # PostgreSQL: racing workers skip the rows another claim holds instead of queueing behind its lock and coming
    # back empty-handed while rows are still due (SQLite: one writer at a time, rendered without FOR UPDATE). The
    # UPDATE re-checks the due condition; one statement claims and returns the rows.
    pick = pick.order_by(D.c.next_attempt_at).limit(limit).with_for_update(skip_locked=True)
    async with ctx.sessions() as session:
        rows = list(await session.scalars(
            update(Delivery).where(col(Delivery.id).in_(pick.scalar_subquery())).where(_due())
            .values(status="sending", claim_token=token, attempts=Delivery.attempts + 1,
                    locked_until=now + timedelta(seconds=lease_s), updated_at=now)
            .returning(Delivery), execution_options={"synchronize_session": False}))
        await session.commit()
    return token, rows


class _Target(NamedTuple):
    """Where a push for a device goes (read with the claim check, not as a Device entity: 500 per chunk)."""

    fid: str | None
    token: str | None
    active: bool


def _push_for(row: Delivery, device: _Target | None) -> Push | None:
    p = row.payload
    common: dict[str, Any] = {
        "key": str(row.id), "title": p.get("title"), "body": p.get("body"),
        "data": {**{k: str(v) for k, v in p.get("data", {}).items()}, "delivery_id": str(row.id)},
        "urgent": bool(p.get("urgent")), "discreet": bool(p.get("discreet")),
        "collapse_id": str(p.get("collapse_id") or row.event_key), "ttl_s": p.get("ttl_s"),
    }
    if row.kind == "topic":
        return Push(condition=p["condition"], **common)
    if device is None or not device.active or not (device.fid or device.token):
        return None
    return Push(fid=device.fid, token=None if device.fid else device.token, **common)


async def _settle(ctx: Context, token: uuid.UUID, results: list[tuple[Delivery, Outcome | None, str]]) -> None:
    """Record outcomes for rows this claim still owns (a row re-claimed after our lease is not ours to settle)."""
    now = utcnow()
    sent = [{"_id": r.id, "_pid": o.message_id} for r, o, _ in results if o is not None and o.ok]
    async with ctx.sessions() as session:
        if sent:
            await session.execute(
                D.update().where(D.c.id == bindparam("_id"), D.c.claim_token == token)
                .values(status="sent", provider_id=bindparam("_pid"), sent_at=now, updated_at=now, last_error=None,
                        locked_until=None),
                sent,
            )
        failed: list[dict[str, Any]] = []
        pruned: dict[str, set[uuid.UUID]] = {}  # reason -> devices
        for row, outcome, status_hint in results:
            if outcome is not None and outcome.ok:
                continue
            next_at = None  # None keeps the row's next_attempt_at
            error: str | None
            if outcome is None:  # nothing to send to (device removed, alert expired)
                status, error = status_hint, status_hint
            elif outcome.prune:
                status, error = "dropped", outcome.error
                if row.device_id:
                    reason = (outcome.error or "unregistered").split(":")[0][:40]
                    pruned.setdefault(reason, set()).add(row.device_id)
            elif outcome.permanent or row.attempts >= row.max_attempts:
                status, error = "dead", outcome.error
            else:
                delay = outcome.retry_after_s if outcome.retry_after_s is not None else backoff(row.attempts)
                status, error, next_at = "pending", outcome.error, now + timedelta(seconds=delay)
            failed.append({"_id": row.id, "_status": status, "_error": error, "_next": next_at})
        if failed:  # one executemany for the chunk, not a round trip per row (a stale fleet fails by thousands)
            await session.execute(
                D.update().where(D.c.id == bindparam("_id"), D.c.claim_token == token)
                .values(status=bindparam("_status"), last_error=bindparam("_error"), updated_at=now,
                        locked_until=None, next_attempt_at=func.coalesce(
                            bindparam("_next", type_=D.c.next_attempt_at.type), D.c.next_attempt_at)),
                failed,
            )
        for reason, device_ids in pruned.items():
            await _prune(session, device_ids, reason, now)
        await session.commit()


async def _prune(session: AsyncSession, device_ids: set[uuid.UUID], reason: str, now: datetime) -> None:
    """FCM says these installations are gone: stop sending to them (a re-registration revives the device)."""
    await session.execute(
        update(Device).where(col(Device.id).in_(device_ids))
        .values(active=False, pruned_reason=reason, updated_at=now).execution_options(synchronize_session=False)
    )


async def _send_pushes(ctx: Context, rows: list[Delivery],
                       targets: dict[uuid.UUID, _Target | None]) -> list[tuple[Delivery, Outcome | None, str]]:
    now = utcnow()
    results: list[tuple[Delivery, Outcome | None, str]] = []
    ready: list[tuple[Delivery, Push]] = []
    for row in rows:
        expires = row.payload.get("expires_at")
        if expires and datetime.fromisoformat(expires) <= now:
            results.append((row, None, "expired"))
            continue
        push = _push_for(row, targets.get(row.id))
        if push is None:
            results.append((row, None, "dropped"))
        else:
            ready.append((row, push))
    if ready:
        outcomes = await get_sender(ctx).send([p for _, p in ready])
        results.extend((row, outcome, "") for (row, _), outcome in zip(ready, outcomes, strict=True))
    return results


def _http_client(ctx: Context) -> httpx.AsyncClient:
    client: httpx.AsyncClient | None = ctx.extras.get("webhook_http")
    if client is None:
        client = httpx.AsyncClient(follow_redirects=False)
        ctx.extras["webhook_http"] = client
        ctx.extras.setdefault("_closers", []).append(client.aclose)
    return client


async def _send_webhooks(ctx: Context, rows: list[Delivery]) -> list[tuple[Delivery, Outcome | None, str]]:
    async with ctx.sessions() as session:
        partners = {p.id: p for p in await session.scalars(
            select(Partner).where(col(Partner.id).in_({r.partner_id for r in rows})))}

    async def one(row: Delivery) -> tuple[Delivery, Outcome | None, str]:
        partner = partners.get(row.partner_id) if row.partner_id else None
        if partner is None or not partner.webhook_url or not partner.webhook_secret_sealed:
            return row, None, "dropped"
        try:
            secret = unseal(ctx.settings.secret_keys, partner.webhook_secret_sealed)
        except TokenError:  # its key was rotated away without `zan keys reseal`: retried once the key is back
            return row, Outcome(ok=False, error="webhook secret sealed under a key that is not configured"), ""
        body = msgspec.json.encode(row.payload["body"])
        result = await webhooks.post(_http_client(ctx), partner.webhook_url, secret, row.payload["event_id"], body)
        return row, Outcome(ok=result.ok, error=result.error, retry_after_s=result.retry_after_s), ""

    return list(await asyncio.gather(*(one(r) for r in rows)))


async def _still_ours(ctx: Context, token: uuid.UUID) -> dict[uuid.UUID, _Target | None]:
    """The rows this claim still owns, with their device's address (None: no device, or it was deleted). A worker
    that stalled past its lease (GC pause, slow DB) must not send what someone else took over."""
    async with ctx.sessions() as session:
        found = await session.execute(
            select(D.c.id, col(Device.fid), col(Device.token), col(Device.active))
            .select_from(D.outerjoin(Device, col(Device.id) == D.c.device_id))
            .where(D.c.claim_token == token, D.c.status == "sending", D.c.locked_until > utcnow()))
    return {row_id: None if active is None else _Target(fid, push_token, active)
            for row_id, fid, push_token, active in found}


@dataclass
class Progress:
    sent: int = 0
    failed: int = 0
    next_due_at: datetime | None = None  # when something for this event may be tried again


async def process_claimed(ctx: Context, token: uuid.UUID, rows: list[Delivery]) -> tuple[int, int]:
    """Send one claimed chunk and record what happened. Returns (sent, not sent)."""
    owned = await _still_ours(ctx, token)
    rows = [r for r in rows if r.id in owned]
    pushes = [r for r in rows if r.kind in ("push", "topic")]
    hooks = [r for r in rows if r.kind == "webhook"]
    results: list[tuple[Delivery, Outcome | None, str]] = []
    if pushes:
        results += await _send_pushes(ctx, pushes, owned)
    if hooks:
        results += await _send_webhooks(ctx, hooks)
    await _settle(ctx, token, results)
    ok = sum(1 for _, o, _ in results if o is not None and o.ok)
    return ok, len(results) - ok


def _chunk_slots(ctx: Context) -> asyncio.Semaphore:
    """Chunks being sent by this process, across every concurrent `deliver_pending` (the event's own task and its
    helpers, other events): more would only wait in the sender's window while their leases run."""
    loop = asyncio.get_running_loop()
    held: tuple[asyncio.AbstractEventLoop, asyncio.Semaphore] | None = ctx.extras.get("delivery_chunk_slots")
    if held is None or held[0] is not loop:  # a semaphore belongs to one loop (tests run several)
        held = (loop, asyncio.Semaphore(PARALLEL_CHUNKS))
        ctx.extras["delivery_chunk_slots"] = held
    return held[1]


async def deliver_pending(ctx: Context, *, event_key: str | None, chunk: int = CHUNK, lease_s: float = LEASE_S,
                          parallel: int = PARALLEL_CHUNKS) -> Progress:
    """Send everything due (for one event, or any) with `parallel` workers, until nothing is due.

    Each worker claims, sends and settles its own chunks in a loop, so one chunk's database work (settling, the
    next claim) overlaps another's sending instead of every round waiting for its slowest chunk. A process sends
    at most PARALLEL_CHUNKS chunks at a time whoever asks; the sender caps requests in flight (FcmSender.window).
    """
    progress = Progress()
    slots = _chunk_slots(ctx)

    async def worker(first: tuple[uuid.UUID, list[Delivery]] | None = None) -> None:
        while True:
            async with slots:
                token, rows = first or await claim(ctx, event_key=event_key, limit=chunk, lease_s=lease_s)
                first = None
                if not rows:
                    return
                sent, failed = await process_claimed(ctx, token, rows)
            progress.sent += sent
            progress.failed += failed

    async with slots:
        first = await claim(ctx, event_key=event_key, limit=chunk, lease_s=lease_s)
    # a partial first chunk means that is all there is: the common one-device case pays for no idle workers
    helpers = max(0, parallel - 1) if len(first[1]) >= chunk else 0
    await asyncio.gather(worker(first), *(worker() for _ in range(helpers)))
    if event_key is not None:
        progress.next_due_at = await next_due(ctx, event_key)
    return progress


async def next_due(ctx: Context, event_key: str) -> datetime | None:
    async with ctx.sessions() as session:
        pending = await session.scalar(select(func.min(Delivery.next_attempt_at)).where(
            Delivery.event_key == event_key, Delivery.status == "pending"))  # type: ignore[arg-type]
        leased = await session.scalar(select(func.min(Delivery.locked_until)).where(
            Delivery.event_key == event_key, Delivery.status == "sending"))  # type: ignore[arg-type]
    found = [t for t in (pending, leased) if t is not None]
    return min(found) if found else None
