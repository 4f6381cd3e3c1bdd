"""Sending a claimed chunk's partner webhooks: each to its own partner, in parallel, re-reading the partner at every
attempt (backend.notifications.delivery claims and settles them)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING

import httpx
import msgspec
from sqlalchemy import select
from sqlmodel import col

from backend.lib.crypto import TokenError, unseal
from backend.notifications import webhooks
from backend.notifications.models import Delivery
from backend.notifications.retries import Sent
from backend.notifications.sender import Outcome
from backend.notifications.webhook_target import webhook_client
from backend.partners.models import Partner

if TYPE_CHECKING:
    from backend.context import Context

log = logging.getLogger("zan.notifications")
# webhooks in flight to one partner from this process. The client's connections (webhook_target: 100) are shared by
# every partner, and a wait for one counts in the answer's 10 s: a hanging partner's backlog of retries took them
# all, and the other partners' webhooks, never sent, were recorded as their receivers' timeouts.
PER_PARTNER = 20


def _partner_slots(ctx: Context, partner_id: uuid.UUID) -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    held: tuple[asyncio.AbstractEventLoop, dict[uuid.UUID, asyncio.Semaphore]] | None = ctx.extras.get(
        "webhook_partner_slots")
    if held is None or held[0] is not loop:  # a semaphore belongs to one loop (tests run several)
        held = (loop, {})
        ctx.extras["webhook_partner_slots"] = held
    return held[1].setdefault(partner_id, asyncio.Semaphore(PER_PARTNER))


def _http_client(ctx: Context) -> httpx.AsyncClient:
    """This process's webhook client for the settings' address policy (public addresses only in production)."""
    allow_private = ctx.settings.webhooks_may_reach_private
    key = "webhook_http_private" if allow_private else "webhook_http"
    client: httpx.AsyncClient | None = ctx.extras.get(key)
    if client is None:
        client = webhook_client(allow_private=allow_private)
        ctx.extras[key] = client
        ctx.extras.setdefault("_closers", []).append(client.aclose)
    return client


async def _send_webhooks(ctx: Context, rows: list[Delivery]) -> Sent:
    async with ctx.sessions() as session:
        partners = {p.id: p for p in await session.scalars(
            select(Partner).where(col(Partner.id).in_({r.partner_id for r in rows})))}

    # partners that left one of this chunk's webhooks unanswered (timeout, connection failed): their others in the
    # chunk are not sent this time, each would only hold a connection for as long again (retried on schedule)
    silent: set[uuid.UUID] = set()

    async def one(row: Delivery) -> tuple[Delivery, Outcome | None, str]:
        partner = partners.get(row.partner_id) if row.partner_id else None
        # re-read at every attempt: a partner deactivated during a day of retries gets nothing more
        if partner is None or not partner.active or not partner.webhook_url or not partner.webhook_secret_sealed:
            return row, None, "dropped"
        try:
            secret = unseal(ctx.settings.secret_keys, partner.webhook_secret_sealed)
        except TokenError:  # its key was rotated away without `zan keys reseal`: retried once the key is back
            return row, Outcome(ok=False, error="webhook secret sealed under a key that is not configured"), ""
        try:
            body = msgspec.json.encode(row.payload["body"])
            async with _partner_slots(ctx, partner.id):
                if partner.id in silent:
                    return row, Outcome(ok=False, error="not sent: the partner left another webhook unanswered"), ""
                result = await webhooks.post(_http_client(ctx), partner.webhook_url, secret,
                                             row.payload["event_id"], body)
                if result.status is None and not result.permanent:
                    silent.add(partner.id)
        except Exception as exc:
            # this row's failed attempt, retried on schedule: raised out of the gather, it would lose the outcomes of
            # every other partner's webhook in the chunk, already POSTed, and send them all again after the lease
            log.exception("webhook %s to partner %s failed unexpectedly", row.id, partner.id)
            return row, Outcome(ok=False, error=f"{type(exc).__name__}: {exc}"[:500]), ""
        return row, Outcome(ok=result.ok, error=result.error, retry_after_s=result.retry_after_s,
                            permanent=result.permanent, prune=result.gone), ""

    return list(await asyncio.gather(*(one(r) for r in rows)))

