"""Sending the Delivery rows: claim a chunk under a lease, send, record each outcome under the same claim.

At-least-once without duplicates in the database: a claimed row belongs to one worker (`claim_token`) until its
lease ends; a worker that dies mid-chunk leaves its rows `sending`, and after the lease anyone may claim them again.
Rows already recorded as sent are never sent again. The only window left — the provider accepted a message and the
worker died before recording it — is closed on the device: every push carries a collapse id (Android tag,
apns-collapse-id) and its delivery id, so a re-send replaces the first notification instead of showing twice.

A chunk to a slow FCM can take longer than one lease, so while it is sent a heartbeat renews the lease of the rows
still being sent (`_Lease`), pushes go out in sub-batches that each check the claim is still held first, and each
sub-batch's outcomes are recorded as soon as it is back (a worker that stalls loses at most one sub-batch's records).

Retry schedules differ per kind (backend.notifications.retries); what a push row is sent as, and which are old news,
is backend.notifications.pushes; the webhooks go out through backend.notifications.webhook_sends. Every reading of
the clock while sending stays here (tests move the clock by patching this module's `utcnow`). The retry
schedule and its policy are still importable from here, as before the split.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.lib.clock import as_utc, utcnow
from backend.lib.metrics import DELIVERIES
from backend.lib.tasks import stop_task
from backend.notifications.models import Delivery, Device
from backend.notifications.pushes import REPORT_EVENT_PUSHES as REPORT_EVENT_PUSHES
from backend.notifications.pushes import _push_for, _stale, _Target, life_end, stale_key
from backend.notifications.retries import RETRY_POLICIES as RETRY_POLICIES
from backend.notifications.retries import RetryPolicy as RetryPolicy
from backend.notifications.retries import Sent, _failure
from backend.notifications.retries import policy_for as policy_for
from backend.notifications.sender import Push, PushSender, get_sender
from backend.notifications.webhook_sends import _send_webhooks
from backend.officers.models import OfficerSession

if TYPE_CHECKING:
    from backend.context import Context

log = logging.getLogger("zan.notifications")
LEASE_S = 60.0  # the shortest lease: how long a dead worker's rows wait before someone else takes them
CHUNK = 500
PARALLEL_CHUNKS = 3
SUB_BATCH = 100  # pushes sent between two checks that the claim is still held, and recorded together
D = Delivery.__table__  # type: ignore[attr-defined]  # core table: bulk updates by primary key


def lease_for(sender: PushSender) -> float:
    """A lease that one sub-batch fits in half of even if every message times out: chunks share the sender's window
    (PARALLEL_CHUNKS at a time), so a sub-batch takes ceil(SUB_BATCH / share) rounds of up to `timeout_s` each. With
    the heartbeat renewing it and a renewal before each sub-batch whenever less than half is left, a stalled
    heartbeat cannot let another worker take rows that are still in flight. Remote FCM (window 128): 60 s."""
    window = int(getattr(sender, "window", SUB_BATCH * PARALLEL_CHUNKS))
    timeout_s = float(getattr(sender, "timeout_s", 10.0))
    rounds = math.ceil(SUB_BATCH / max(1, window // PARALLEL_CHUNKS))
    return max(LEASE_S, 2 * rounds * timeout_s)


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


async def _settle(ctx: Context, token: uuid.UUID, results: Sent) -> None:
    """Record outcomes for rows this claim still owns (a row re-claimed after our lease is not ours to settle)."""
    if not results:
        return
    now = utcnow()
    sent = [{"_id": r.id, "_pid": o.message_id} for r, o, _ in results if o is not None and o.ok]
    for row, outcome, _ in results:
        if outcome is not None and outcome.ok:
            DELIVERIES.labels(row.kind, "sent").inc()
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
            status, error, next_at = _failure(row, outcome, status_hint, now)
            DELIVERIES.labels(row.kind, status).inc()
            if status in ("expired", "dead") and row.payload.get("urgent"):
                # a crew or a supervisor was never told of an urgent report in time: worth an operator's look
                log.warning("urgent push %s %s unsent (event %s)", row.id, status, row.event_key)
            if status == "dropped" and outcome is not None and row.device_id:
                reason = (outcome.error or "unregistered").split(":")[0][:40]
                pruned.setdefault(reason, set()).add(row.device_id)
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
                       targets: dict[uuid.UUID, _Target | None]) -> Sent:
    stale = await _stale(ctx, rows)
    now = utcnow()
    results: Sent = []
    ready: list[tuple[Delivery, Push]] = []
    for row in rows:
        expires = life_end(row.payload)
        if expires is not None and expires <= now:
            results.append((row, None, "expired"))
            continue
        if stale_key(row.payload) in stale:
            results.append((row, None, "dropped"))
            continue
        push = _push_for(row, targets.get(row.id), now)
        if push is None:
            results.append((row, None, "dropped"))
        else:
            ready.append((row, push))
    if ready:
        outcomes = await get_sender(ctx).send([p for _, p in ready])
        results.extend((row, outcome, "") for (row, _), outcome in zip(ready, outcomes, strict=True))
    return results


def _signed_in(now: datetime) -> Any:
    """Whether a device may hear its owner's news by their login: an officer's registration made from an enrolled
    tablet only while the officer has a session open there (not logged out, revoked or expired). Logging out of a
    tablet (racked at the end of the shift, handed to the next crew) ends nothing else: its lock screen went on
    showing the crew's assignments. Logging in there again brings them back. A citizen's device, and an officer's
    registered before tablets were recorded, answer to the partner app's DELETE and to revocations alone."""
    live = exists().where(col(OfficerSession.officer_id) == col(Device.officer_id),
                          col(OfficerSession.device_pk) == col(Device.officer_device_pk),
                          col(OfficerSession.revoked_at).is_(None), col(OfficerSession.expires_at) > now)
    return or_(col(Device.owner_type) != "officer", col(Device.officer_device_pk).is_(None), live)


async def _still_ours(ctx: Context, token: uuid.UUID) -> dict[uuid.UUID, _Target | None]:
    """The rows this claim still owns, with their device's address (None: no device, or it was deleted). A worker
    that stalled past its lease (GC pause, slow DB) must not send what someone else took over."""
    now = utcnow()
    async with ctx.sessions() as session:
        found = await session.execute(
            select(D.c.id, col(Device.fid), col(Device.token), col(Device.active), _signed_in(now))
            .select_from(D.outerjoin(Device, col(Device.id) == D.c.device_id))
            .where(D.c.claim_token == token, D.c.status == "sending", D.c.locked_until > now))
    return {row_id: None if active is None else _Target(fid, push_token, bool(active and signed_in))
            for row_id, fid, push_token, active, signed_in in found}


class _Lease:
    """Keeps a claim's rows ours while they are sent: renews `locked_until` every third of the lease.

    Only rows still `sending` under our token are renewed (a settled row is done; a re-claimed one is not ours).
    `owned` is what the last renewal found: a row missing from it must not be sent. Renewing and recording outcomes
    take `lock` in turn: run concurrently, the two UPDATEs lock the same rows in different orders (PostgreSQL would
    abort one as a deadlock, and a lost settlement means the sub-batch is sent again).
    """

    def __init__(self, ctx: Context, token: uuid.UUID, rows: list[Delivery], owned: set[uuid.UUID],
                 lease_s: float) -> None:
        self.ctx, self.token, self.owned, self.lease_s = ctx, token, owned, lease_s
        self.lock = asyncio.Lock()
        self.ids = [r.id for r in rows]
        self.expires = min((as_utc(r.locked_until) for r in rows if r.locked_until), default=utcnow())

    def remaining_s(self) -> float:
        return (self.expires - utcnow()).total_seconds()

    async def renew(self) -> None:
        async with self.lock, self.ctx.sessions() as session:
            until = utcnow() + timedelta(seconds=self.lease_s)
            renewed = await session.scalars(
                D.update().where(D.c.id.in_(self.ids), D.c.claim_token == self.token, D.c.status == "sending")
                .values(locked_until=until).returning(D.c.id))
            self.owned = set(renewed)
            await session.commit()
        self.expires = until

    async def ensure(self) -> set[uuid.UUID]:
        """Before a sub-batch: renew now if the heartbeat fell behind (a slow database, a stalled loop), so the
        sub-batch starts with at least half a lease. Returns the rows we may send."""
        if self.remaining_s() < self.lease_s / 2:
            await self.renew()
        return self.owned

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                await self.renew()
            except Exception as exc:  # the next `ensure` retries; what is in flight still fits the lease
                log.warning("lease renewal for claim %s failed: %r", self.token, exc)

    @contextlib.asynccontextmanager
    async def kept(self) -> AsyncIterator[_Lease]:
        beat = asyncio.create_task(self._beat())
        try:
            yield self
        finally:
            await stop_task(beat)


@dataclass
class Progress:
    sent: int = 0
    failed: int = 0
    next_due_at: datetime | None = None  # when something for this event may be tried again


async def _in_batches(ctx: Context, token: uuid.UUID, lease: _Lease, rows: list[Delivery],
                      send: Callable[[list[Delivery]], Awaitable[Sent]], size: int = SUB_BATCH) -> Sent:
    """Send `size` rows at a time, each batch only if still ours, recording its outcomes as soon as it is back."""
    done: Sent = []
    for start in range(0, len(rows), max(1, size)):
        owned = await lease.ensure()
        batch = [r for r in rows[start:start + size] if r.id in owned]
        results = await send(batch) if batch else []
        async with lease.lock:
            await _settle(ctx, token, results)
        done += results
    return done


async def process_claimed(ctx: Context, token: uuid.UUID, rows: list[Delivery],
                          lease_s: float = LEASE_S) -> tuple[int, int]:
    """Send one claimed chunk (claimed with a lease of `lease_s`) and record what happened, keeping the claim alive
    meanwhile. Returns (sent, not)."""
    owned = await _still_ours(ctx, token)
    rows = [r for r in rows if r.id in owned]
    if not rows:
        return 0, 0
    pushes = [r for r in rows if r.kind in ("push", "topic")]
    hooks = [r for r in rows if r.kind == "webhook"]
    results: Sent = []
    async with _Lease(ctx, token, rows, set(owned), lease_s).kept() as lease:
        results += await _in_batches(ctx, token, lease, pushes, lambda batch: _send_pushes(ctx, batch, owned))
        # a chunk's webhooks go out together, as one batch (each to its own partner, in parallel)
        results += await _in_batches(ctx, token, lease, hooks, lambda batch: _send_webhooks(ctx, batch),
                                     size=len(hooks))
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


async def deliver_pending(ctx: Context, *, event_key: str | None, chunk: int = CHUNK, lease_s: float | None = None,
                          parallel: int = PARALLEL_CHUNKS) -> Progress:
    """Send everything due (for one event, or any) with `parallel` workers, until nothing is due.

    Each worker claims, sends and settles its own chunks in a loop, so one chunk's database work (settling, the
    next claim) overlaps another's sending instead of every round waiting for its slowest chunk. A process sends
    at most PARALLEL_CHUNKS chunks at a time whoever asks; the sender caps requests in flight (FcmSender.window).
    """
    progress = Progress()
    slots = _chunk_slots(ctx)
    lease_s = lease_s if lease_s is not None else lease_for(get_sender(ctx))

    async def worker(first: tuple[uuid.UUID, list[Delivery]] | None = None) -> None:
        while True:
            async with slots:
                token, rows = first or await claim(ctx, event_key=event_key, limit=chunk, lease_s=lease_s)
                first = None
                if not rows:
                    return
                sent, failed = await process_claimed(ctx, token, rows, lease_s)
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
