"""Admitting a partner request whose signature checked out: once per signature (replay protection), and at most
`ZAN_PARTNER_RATE_LIMIT` requests per second per partner app.

The limit protects the service from one partner's runaway client (a retry loop, a bad release) taking every
citizen's capacity. A refused request gets 429 with Retry-After and its signature is *not* used up: the partner's
client may retry the very same request a second later, and nothing a citizen sent is lost.

With Redis, one Lua script meters the partner (GCRA, below) and claims the signature in a single round trip (the
intake hot path had one round trip for the nonce before; it still has one). Without Redis, or while it is down, the
metering is per process and the signature goes to the database, as before.
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


# GCRA (the generic cell rate algorithm): each partner has a theoretical arrival time (TAT) that every admitted
# request pushes one emission interval (1/limit s) ahead; a request is refused while the TAT is more than a second
# ahead of now. That allows a burst of `limit` from idle and then `limit` a second, evenly: unlike counting per
# clock second, it never lets 2 × limit through in the instant around a second's boundary. Times are Redis's own
# (one clock for every API replica), in whole microseconds (Lua 5.1's numbers print only 14 digits).
_ADMIT = """
local limit = tonumber(ARGV[2])
if limit > 0 then
  local clock = redis.call('TIME')
  local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
  local interval = math.floor(1000000 / limit)
  local tat = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), now)
  local early = tat + interval - now - tonumber(ARGV[3])
  if early > 0 then return -early end
  redis.call('SET', KEYS[2], string.format('%d', tat + interval), 'PX', math.floor((tat + interval - now) / 1000) + 1)
end
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 1 end
return 0
"""

_WINDOW_S = 1.0  # how far ahead of now a partner's TAT may run: the burst a partner may send from idle


async def admit(ctx: Context, partner_id: uuid.UUID, signature: str) -> tuple[Admission, float]:
    """The admission, and for THROTTLED how many seconds until the same request would be admitted."""
    limit = ctx.settings.partner_rate_limit
    ttl = ctx.settings.signature_max_skew_s * 2
    if ctx.redis is not None:
        script: Any = ctx.extras.get("partners.admit")
        if script is None:
            script = ctx.extras["partners.admit"] = ctx.redis.register_script(_ADMIT)
        try:
            verdict = int(await script(keys=[ctx.keys("nonce", signature), ctx.keys("rate", partner_id)],
                                       args=[ttl, limit, int(_WINDOW_S * 1_000_000)]))
            return (Admission.THROTTLED, -verdict / 1e6) if verdict < 0 else (Admission(verdict), 0.0)
        except UNAVAILABLE:
            pass  # counted here and remembered in the database: refusing citizens because a cache is down is worse
    if limit and (early := _gcra_here(ctx, partner_id, limit)) > 0:
        return Admission.THROTTLED, early
    first = await _remember_in_database(ctx, partner_id, signature, ttl)
    return (Admission.FIRST if first else Admission.REPLAYED), 0.0


def _gcra_here(ctx: Context, partner_id: uuid.UUID, limit: int) -> float:
    """The same algorithm in this process (without Redis, or while it is down): seconds too early, or 0."""
    tats: dict[uuid.UUID, float] = ctx.extras.setdefault("partners.tat", {})
    now, interval = time.monotonic(), 1.0 / limit
    tat = max(tats.get(partner_id, now), now)
    early = tat + interval - now - _WINDOW_S
    if early > 0:
        return early
    tats[partner_id] = tat + interval
    return 0.0


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
