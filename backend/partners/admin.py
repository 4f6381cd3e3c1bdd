"""An operator's changes to partner apps: disabling and enabling one, re-keying it; each takes effect at once.

A change is committed with its audit line, then announced: the partner's generation in Redis is replaced, and
every API process's next admission of the partner (one Redis round trip it makes anyway) reads it and drops the key
it cached (backend/partners/service.py). Without Redis, a process reads the key again after a second; if the
announcement itself fails (Redis down for this command only), processes that still reach Redis notice within the
minute their cache keeps a key, and the command says so.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from backend.audit.service import record
from backend.context import Context
from backend.lib.clock import utcnow
from backend.lib.crypto import seal
from backend.lib.errors import brief
from backend.lib.redis import UNAVAILABLE
from backend.partners.admission import generation_key
from backend.partners.models import Partner
from backend.partners.service import forget_key

log = logging.getLogger(__name__)

# who the audit lines name: an operator at the console (as `zan units create` records itself)
CONSOLE = ("admin", "cli")
REASON_MAX = 500
# a week: long enough for any partner's release cycle, short enough that an old secret does not linger for good
GRACE_MAX = timedelta(days=7)


class UnknownPartner(LookupError):
    """No partner app has the id given."""


@dataclass(frozen=True)
class Changed:
    partner: Partner
    changed: bool  # False: it already was so (the announcement is made again all the same)
    announced: bool  # False: Redis did not take the announcement (see the module's docstring)


@dataclass(frozen=True)
class Rotated:
    partner: Partner
    secret: str  # shown once, stored sealed
    previous_until: datetime | None  # until when the old secret is accepted; None: no longer
    announced: bool


async def listed(*, session: AsyncSession) -> list[Partner]:
    """Every partner app, oldest first."""
    return list(await session.scalars(select(Partner).order_by(col(Partner.created_at), col(Partner.name))))


async def disable(ctx: Context, *, partner_id: uuid.UUID, reason: str) -> Changed:
    """Refuse the partner's requests from now on (403 `auth.partner_disabled`); `reason` goes to the audit line."""
    reason = reason.strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValueError(f"a reason is required: 1 to {REASON_MAX} characters")
    return await _set_active(ctx, partner_id, False, {"reason": reason})


async def enable(ctx: Context, *, partner_id: uuid.UUID) -> Changed:
    """Accept the partner's requests again."""
    return await _set_active(ctx, partner_id, True, {})


async def rotate_secret(ctx: Context, *, partner_id: uuid.UUID, grace: timedelta = timedelta(0)) -> Rotated:
    """A new secret for the partner, returned once and stored sealed. With a grace period the current one is still
    accepted until it ends (for requests signed before it ends); without, it is refused from now on. A secret kept
    from an earlier rotation is dropped. The webhook secret is not touched."""
    if not timedelta(0) <= grace <= GRACE_MAX:
        raise ValueError(f"the grace period is 0 to {int(GRACE_MAX.total_seconds()) // 60} minutes")
    secret = secrets.token_urlsafe(32)
    async with ctx.sessions() as session:
        partner = await _partner(session, partner_id)
        until = utcnow() + grace if grace else None
        partner.previous_secret_sealed = partner.secret_sealed if until else None
        partner.previous_secret_until = until
        partner.secret_sealed = seal(ctx.settings.secret_key, secret)
        await record(session, actor_type=CONSOLE[0], actor_id=CONSOLE[1], action="partner.secret_rotated",
                     target_type="partner", target_id=partner.id,
                     data={"grace_minutes": int(grace.total_seconds() // 60),
                           "previous_valid_until": until.isoformat() if until else None})
        await session.commit()
    return Rotated(partner, secret, until, await _announce(ctx, partner_id))


async def _set_active(ctx: Context, partner_id: uuid.UUID, active: bool, data: dict[str, str]) -> Changed:
    async with ctx.sessions() as session:
        partner = await _partner(session, partner_id)
        changed = partner.active is not active
        if changed:
            partner.active = active
            await record(session, actor_type=CONSOLE[0], actor_id=CONSOLE[1],
                         action="partner.enabled" if active else "partner.disabled", target_type="partner",
                         target_id=partner.id, data=data)
            await session.commit()
    return Changed(partner, changed, await _announce(ctx, partner_id))


async def _partner(session: AsyncSession, partner_id: uuid.UUID) -> Partner:
    # locked: two operators' changes to one partner (a rotation's old secret above all) do not interleave
    partner = await session.scalar(select(Partner).where(col(Partner.id) == partner_id).with_for_update())
    if partner is None:
        raise UnknownPartner(str(partner_id))
    return partner


async def _announce(ctx: Context, partner_id: uuid.UUID) -> bool:
    """Tell every API process the partner changed (after the commit: a process that reads the new generation then
    reads the committed row). True when Redis took it, or there is no Redis to tell."""
    forget_key(ctx, partner_id)
    if ctx.redis is None:
        return True
    try:
        # a new random value, not an increment: after Redis lost its data a counter would count again from 0, and
        # could come back to the very value a process cached its key under
        await ctx.redis.set(generation_key(ctx, partner_id), 1 + secrets.randbelow(2**48))  # 0: never changed
    except UNAVAILABLE as exc:
        log.warning("partner %s changed, and Redis did not take the announcement: %s", partner_id, brief(exc))
        return False
    return True
