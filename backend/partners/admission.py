"""Admitting a partner request whose signature checked out: once per signature (replay protection), and at most
`ZAN_PARTNER_RATE_LIMIT` requests per second per partner app.

Only requests that may change something claim their signature. A read (GET, HEAD) is metered but not claimed:
X-Timestamp is in whole seconds and carries no nonce, so an app refreshing a screen twice within a second, or
retrying a read that timed out, sends the very same signature, and a 401 would tell the partner to authenticate the
citizen again. Replaying a read changes nothing, and the signature, clock-skew and IIN checks still apply to it.

The limit protects the service from one partner's runaway client (a retry loop, a bad release) taking every
citizen's capacity. A refused request gets 429 with Retry-After and its signature is *not* used up: the partner's
client may retry the very same request a second later, and nothing a citizen sent is lost.

A request its database could not carry out (503 `database.unavailable`: lost or refused connection, nothing of it
kept) gives its signature back (`release`), like a refused one: a client retrying the very same bytes, or within the
same second, would otherwise be told 401 `auth.replayed` for a request that left no trace. This costs nothing on the
way in (`admit` says where it claimed, the guard keeps that with the request), and on such a failure a DEL or a
DELETE (both when both stores hold it) after the answer. Every other outcome keeps the signature used: a request
that was carried out, and one refused for what it asked (4xx) or that failed otherwise (500), may have changed
something, and its replay is what is refused.
Best effort: a Redis claim is deleted unless Redis is gone too (then this process is in fallback, and the retry is
claimed in the database, which never saw it). A database claim was committed in its own transaction before the
handler ran, so the handler's rollback left it in place: it is deleted on a new connection, which succeeds when one
connection was lost (a terminated backend, a failover's reset), and fails while the database refuses every
connection; then it stays until it expires and the same bytes are refused (a retry signed anew goes through).

With Redis, one Lua script meters the partner (GCRA, below) and claims the signature in a single round trip (the
intake hot path had one round trip for the nonce before; it still has one, and touches no database). Without Redis
the metering is per process and the signature goes to the database. The same script also reads the partner's
generation (`generation_key`), a value `zan partners disable|enable|rotate-secret` replace: a process that cached
the partner's key under another generation drops it at once (backend/partners/service.py).

While Redis is down, a process falls back to the same per-process metering and the database. Two stores claim
signatures then, each blind to the other's claims, and a signature stays valid for `ZAN_SIGNATURE_MAX_SKEW_S`
(300 s) either side of its X-Timestamp:

- Out of an outage: a signature claimed in the database is not in Redis. The first time a fallen-back process finds
  Redis answering again (one request probes while the others keep to the database), before admitting anything
  through Redis alone, it copies the database's unexpired nonces (every process's: the table is shared) into Redis
  with SET NX for the rest of their life. Its other requests do not wait for the copy: they are claimed in both
  stores meanwhile (one whose database claim began before Redis answered is put into Redis once committed, as the
  copy may have read past it). If the copy fails, Redis is gone again and the process stays in fallback.
- Into an outage: a signature claimed in Redis shortly before it is not in the database, and is admitted once more
  if replayed during the outage; so is one claimed before an outage that took Redis's data with it. This is accepted
  on purpose. Refusing every request signed before the outage was noticed would refuse the citizens' own requests
  in flight at that moment, and the rule here is that a Redis outage loses nothing a citizen sends. What such a
  replay can do is bounded: every request that creates something carries an Idempotency-Key, so a replayed creation
  gets the stored answer and creates nothing; a replayed status change finds the report already changed (409), a
  replayed deletion nothing left to delete (404).

What is left of the second hole: a process that never noticed the outage (it served no partner request during it)
goes straight back to Redis, and until the first fallen-back process has copied (on its first request after Redis
returns; milliseconds, a few seconds after a long outage) it admits a replay of a signature claimed in the database
during the outage. The same holds for a signature a process claims in the database after another process's copy and
before its own recovery, which is its next request (under a load balancer, milliseconds); should that process get no
request again (drained for a deploy), its last claims are not copied by anyone. An outage only some processes see
(their network to Redis, not Redis) is not an outage to the others: a signature one of them claimed in Redis is
admitted once more by a process that cannot reach it, if the replay reaches that process.
"""

from __future__ import annotations

import enum
import logging
import math
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import delete, select

from backend.context import Context
from backend.db import insert_ignoring_conflicts
from backend.lib.clock import utcnow
from backend.lib.errors import brief, database_lost
from backend.lib.redis import UNAVAILABLE
from backend.partners.models import RequestNonce

log = logging.getLogger(__name__)


class Admission(enum.Enum):
    # the script's verdicts (a negative verdict is THROTTLED, the microseconds to wait). FIRST: admitted, the
    # signature's first use (or a read, whose signature is not claimed)
    FIRST = 1
    REPLAYED = 0
    THROTTLED = -1


# GCRA (the generic cell rate algorithm): each partner has a theoretical arrival time (TAT) that every admitted
# request pushes one emission interval (1/limit s) ahead; a request is refused while the TAT is more than a second
# ahead of now. That allows a burst of `limit` from idle and then `limit` a second, evenly: unlike counting per
# clock second, it never lets 2 × limit through in the instant around a second's boundary. Times are Redis's own
# (one clock for every API replica), in whole microseconds (Lua 5.1's numbers print only 14 digits).
# The reply is {verdict, the partner's generation} (0 for a partner never changed, or after Redis lost its data;
# at most 2^48, which Lua's numbers hold exactly).
_ADMIT = """
local generation = tonumber(redis.call('GET', KEYS[3]) or '0')
local limit = tonumber(ARGV[2])
if limit > 0 then
  local clock = redis.call('TIME')
  local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
  local interval = math.floor(1000000 / limit)
  local tat = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), now)
  local early = tat + interval - now - tonumber(ARGV[3])
  if early > 0 then return {-early, generation} end
  redis.call('SET', KEYS[2], string.format('%d', tat + interval), 'PX', math.floor((tat + interval - now) / 1000) + 1)
end
if ARGV[4] == '0' then return {1, generation} end
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return {1, generation} end
return {0, generation}
"""

_WINDOW_S = 1.0  # how far ahead of now a partner's TAT may run: the burst a partner may send from idle
_FALLBACK = "partners.fallback"
_COPY_BATCH = 1000  # nonces per database read and Redis pipeline when copying after an outage


@dataclass(eq=False)
class _Fallback:
    """This process's Redis outage, kept in `ctx.extras` until the database's nonces are copied into Redis."""

    probing: bool = False  # a request is finding out whether Redis is back: the others do not wait for it
    # Redis answered and the copy began: a database claim committed from now on may be missed by the copy's reads
    copy_started: bool = False


@dataclass(frozen=True)
class Claim:
    """A signature an admitted request used up, and where: what `release` gives back."""

    signature: str
    in_redis: bool
    in_database: bool


@dataclass(frozen=True)
class Admitted:
    """What `admit` decided, for THROTTLED how many seconds until the same request would be admitted, for FIRST the
    signature's claim (None for a read), and the partner's generation as Redis holds it (None: Redis was not asked,
    being absent or down)."""

    admission: Admission
    early_s: float = 0.0
    claim: Claim | None = None
    generation: int | None = None


async def admit(ctx: Context, partner_id: uuid.UUID, signature: str, *, claim: bool = True) -> Admitted:
    """Admit a request whose signature checked out. `claim=False` (a read) meters the request without using up its
    signature: never REPLAYED."""
    limit = ctx.settings.partner_rate_limit
    if not claim and not limit and ctx.redis is None:
        return Admitted(Admission.FIRST)  # nothing to meter, nothing to claim, no generation to read: no store asked
    ttl = ctx.settings.signature_max_skew_s * 2
    fallback: _Fallback | None = ctx.extras.get(_FALLBACK)
    if ctx.redis is not None:
        if fallback is not None and not fallback.probing:
            fallback = await _recover(ctx, ctx.redis, fallback)
        # no outage: the hot path, one round trip. Or Redis is back and another request is still copying the
        # database's nonces into it: then both stores must find the signature new.
        if fallback is None or fallback.copy_started:
            try:
                admission, early, generation = await _admit_in_redis(ctx, ctx.redis, partner_id, signature, ttl,
                                                                     limit, claim)
            except UNAVAILABLE:
                # counted here and remembered in the database: refusing citizens because a cache is down is worse
                fallback = _fall_back(ctx)
            else:
                if admission is not Admission.FIRST or not claim:
                    return Admitted(admission, early, None, generation)
                if fallback is None:
                    return Admitted(admission, early, Claim(signature, in_redis=True, in_database=False), generation)
                try:
                    first = await _remember_in_database(ctx, partner_id, signature, ttl)
                except Exception as exc:
                    if database_lost(exc):  # answered 503 before any guard kept the claim: given back here
                        await release(ctx, Claim(signature, in_redis=True, in_database=False))
                    raise
                if not first:
                    return Admitted(Admission.REPLAYED, generation=generation)
                return Admitted(Admission.FIRST, 0.0, Claim(signature, in_redis=True, in_database=True), generation)
    if limit and (early := _gcra_here(ctx, partner_id, limit)) > 0:
        return Admitted(Admission.THROTTLED, early)
    if not claim:
        return Admitted(Admission.FIRST)
    if not await _remember_in_database(ctx, partner_id, signature, ttl):
        return Admitted(Admission.REPLAYED)
    copied = False
    if ctx.redis is not None and fallback is not None and fallback.copy_started:
        # Redis is back, and the copy may have read the table before this claim was committed
        try:
            await _copy_to_redis(ctx, ctx.redis, [(signature, ttl * 1000)])
            copied = True
        except UNAVAILABLE:
            _fall_back(ctx)  # gone again: the next recovery copies it from the database
    return Admitted(Admission.FIRST, 0.0, Claim(signature, in_redis=copied, in_database=True))


async def release(ctx: Context, claim: Claim) -> None:
    """Give a signature back: its request was not carried out because its database was lost (see the module's
    docstring). Best effort, and never raises: it runs after the request was answered."""
    if claim.in_database:
        table: Any = RequestNonce.__table__  # type: ignore[attr-defined]
        try:
            async with ctx.sessions() as session:
                await session.execute(delete(table).where(table.c.signature == claim.signature))
                await session.commit()
        except Exception as exc:  # the database is still away: the claim stays until it expires
            log.warning("a signature stays used, its database claim could not be deleted: %s",
                        brief(exc))
    # a database claim is also in Redis if this process, or another's recovery, copied it there since; Redis may be
    # asked only when this process does not think it is down (a DEL waiting for a dead Redis is pointless)
    fallback: _Fallback | None = ctx.extras.get(_FALLBACK)
    if ctx.redis is not None and (claim.in_redis or fallback is None or fallback.copy_started):
        try:
            await ctx.redis.delete(_nonce_key(ctx, claim.signature))
        except Exception as exc:
            log.warning("a signature stays used, its Redis claim could not be deleted: %s",
                        brief(exc))


async def _admit_in_redis(ctx: Context, redis: Redis, partner_id: uuid.UUID, signature: str, ttl: int,
                          limit: int, claim: bool = True) -> tuple[Admission, float, int]:
    keys = [_nonce_key(ctx, signature), ctx.keys("rate", partner_id), generation_key(ctx, partner_id)]
    args = [ttl, limit, int(_WINDOW_S * 1_000_000), 1 if claim else 0]
    verdict, generation = (int(part) for part in await _script(ctx, redis, _ADMIT)(keys=keys, args=args))
    if verdict < 0:
        return Admission.THROTTLED, -verdict / 1e6, generation
    return Admission(verdict), 0.0, generation


def generation_key(ctx: Context, partner_id: uuid.UUID) -> str:
    """The Redis value a change of the partner's key or state replaces (backend/partners/admin.py)."""
    return ctx.keys("partner-generation", partner_id)


async def read_generation(ctx: Context, partner_id: uuid.UUID) -> int | None:
    """The partner's generation, before its key is read from the database; None while Redis is absent or down (the
    key is then kept only briefly, see backend/partners/service.py)."""
    if ctx.redis is None or in_fallback(ctx):
        return None
    try:
        return int(await ctx.redis.get(generation_key(ctx, partner_id)) or 0)
    except UNAVAILABLE:
        return None  # the next admission finds out and falls back


def in_fallback(ctx: Context) -> bool:
    """Is this process in a Redis outage (its admissions not asking Redis)?"""
    fallback: _Fallback | None = ctx.extras.get(_FALLBACK)
    return fallback is not None and not fallback.copy_started


def _script(ctx: Context, redis: Redis, source: str) -> Any:
    """A Lua script, registered once per process (then sent by its SHA alone)."""
    scripts: dict[str, Any] = ctx.extras.setdefault("partners.scripts", {})
    if source not in scripts:
        scripts[source] = redis.register_script(source)
    return scripts[source]


def _nonce_key(ctx: Context, signature: str) -> str:
    return ctx.keys("nonce", signature)


def _fall_back(ctx: Context) -> _Fallback:
    """After a Redis failure: the outage this process is in, or a new one from now."""
    current: _Fallback | None = ctx.extras.get(_FALLBACK)
    if current is None or current.copy_started:
        # a first failure; or Redis failed during the copy: the next recovery copies again, from the start
        current = ctx.extras[_FALLBACK] = _Fallback()
    return current


async def _recover(ctx: Context, redis: Redis, fallback: _Fallback) -> _Fallback | None:
    """If Redis answers again: the database's nonces into it, and the outage is over (None). Otherwise the outage
    this process is still in."""
    fallback.probing = True
    try:
        await redis.ping()  # type: ignore[misc]  # fails while Redis is down, before the database is read
        fallback.copy_started = True
        await _copy_database_nonces(ctx, redis)
    except UNAVAILABLE:
        return _fall_back(ctx)
    finally:
        fallback.probing = False
    if ctx.extras.get(_FALLBACK) is fallback:  # not replaced by a failure during the copy
        del ctx.extras[_FALLBACK]
    return ctx.extras.get(_FALLBACK)


async def _copy_database_nonces(ctx: Context, redis: Redis) -> None:
    """Every unexpired nonce of the database into Redis, for the rest of its life, in pipelined batches."""
    table: Any = RequestNonce.__table__  # type: ignore[attr-defined]
    now = utcnow()
    after = ""
    while True:
        async with ctx.sessions() as session:
            rows = (await session.execute(
                select(table.c.signature, table.c.expires_at)
                .where(table.c.expires_at > now, table.c.signature > after)
                .order_by(table.c.signature).limit(_COPY_BATCH))).all()
        # the life left is counted from the copy's start: a batch copied later keeps its nonces a little longer
        await _copy_to_redis(ctx, redis, [(signature, math.ceil((expires - now).total_seconds() * 1000))
                                   for signature, expires in rows])
        if len(rows) < _COPY_BATCH:
            return
        after = rows[-1].signature


async def _copy_to_redis(ctx: Context, redis: Redis, nonces: list[tuple[str, int]]) -> None:
    """Claim (signature, milliseconds to live) pairs in Redis in one round trip, keeping any claim already there."""
    if not nonces:
        return
    pipe = redis.pipeline(transaction=False)
    for signature, life_ms in nonces:
        pipe.set(_nonce_key(ctx, signature), "1", nx=True, px=max(1, life_ms))
    await pipe.execute()


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
