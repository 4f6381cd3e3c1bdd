"""Admitting a partner request whose signature checked out: once per signature (replay protection), and at most
`ZAN_PARTNER_RATE_LIMIT` requests per second per partner app.

The limit protects the service from one partner's runaway client (a retry loop, a bad release) taking every
citizen's capacity. A refused request gets 429 with Retry-After and its signature is *not* used up: the partner's
client may retry the very same request a second later, and nothing a citizen sent is lost.

With Redis, one Lua script counts the partner's second and claims the signature in a single round trip (the intake
hot path had one round trip for the nonce before; it still has one). Without Redis, or while it is down, the count
is per process and the signature goes to the database, as before.
"""

from __future__ import annotations

import enum
import time
import uuid
from datetime import timedelta
from typing import Any

from backend.context import Context
from backend.db import insert_ignoring_conflicts
from backend.lib.clock import utcnow
from backend.lib.redis import UNAVAILABLE
from backend.partners.models import RequestNonce


class Admission(enum.Enum):
    FIRST = 1
    REPLAYED = 0
    THROTTLED = -1


_ADMIT = """
local count = redis.call('INCR', KEYS[2])
if count == 1 then redis.call('EXPIRE', KEYS[2], 2) end
local limit = tonumber(ARGV[2])
if limit > 0 and count > limit then return -1 end
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 1 end
return 0
"""


async def admit(ctx: Context, partner_id: uuid.UUID, signature: str) -> Admission:
    limit = ctx.settings.partner_rate_limit
    ttl = ctx.settings.signature_max_skew_s * 2
    second = int(time.time())
    if ctx.redis is not None:
        script: Any = ctx.extras.get("partners.admit")
        if script is None:
            script = ctx.extras["partners.admit"] = ctx.redis.register_script(_ADMIT)
        try:
            verdict = await script(keys=[ctx.keys("nonce", signature), ctx.keys("rate", partner_id, second)],
                                   args=[ttl, limit])
            return Admission(int(verdict))
        except UNAVAILABLE:
            pass  # counted here and remembered in the database: refusing citizens because a cache is down is worse
    if limit and _count_here(ctx, partner_id, second) > limit:
        return Admission.THROTTLED
    return Admission.FIRST if await _remember_in_database(ctx, partner_id, signature, ttl) else Admission.REPLAYED


def _count_here(ctx: Context, partner_id: uuid.UUID, second: int) -> int:
    """This process's count of the partner's requests in this second."""
    windows: dict[uuid.UUID, tuple[int, int]] = ctx.extras.setdefault("partners.windows", {})
    started, count = windows.get(partner_id, (second, 0))
    count = count + 1 if started == second else 1
    windows[partner_id] = (second, count)
    return count


async def _remember_in_database(ctx: Context, partner_id: uuid.UUID, signature: str, ttl: int) -> bool:
    """True the first time a signature is seen (the nonce store when Redis is absent or down)."""
    expires = utcnow() + timedelta(seconds=ttl)
    async with ctx.sessions() as session:
        stmt = insert_ignoring_conflicts(session, RequestNonce.__table__, ["signature"])  # type: ignore[attr-defined]
        stored = await session.execute(stmt.values(signature=signature, partner_id=partner_id, expires_at=expires)
                                       .returning(RequestNonce.__table__.c.signature))  # type: ignore[attr-defined]
        first = stored.first() is not None
        await session.commit()
    return first
