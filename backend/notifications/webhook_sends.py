"""Sending a claimed chunk's partner webhooks: each to its own partner, in parallel, re-reading the partner at every
attempt (backend.notifications.delivery claims and settles them)."""

from __future__ import annotations

import asyncio
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

    async def one(row: Delivery) -> tuple[Delivery, Outcome | None, str]:
        partner = partners.get(row.partner_id) if row.partner_id else None
        # re-read at every attempt: a partner deactivated during a day of retries gets nothing more
        if partner is None or not partner.active or not partner.webhook_url or not partner.webhook_secret_sealed:
            return row, None, "dropped"
        try:
            secret = unseal(ctx.settings.secret_keys, partner.webhook_secret_sealed)
        except TokenError:  # its key was rotated away without `zan keys reseal`: retried once the key is back
            return row, Outcome(ok=False, error="webhook secret sealed under a key that is not configured"), ""
        body = msgspec.json.encode(row.payload["body"])
        result = await webhooks.post(_http_client(ctx), partner.webhook_url, secret, row.payload["event_id"], body)
        return row, Outcome(ok=result.ok, error=result.error, retry_after_s=result.retry_after_s,
                            permanent=result.permanent, prune=result.gone), ""

    return list(await asyncio.gather(*(one(r) for r in rows)))

