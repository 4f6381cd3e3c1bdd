"""An update is handled once, whichever way it came (webhook or polling) and however often: claim, handle, confirm.

Telegram delivers an update again when it is not sure we have it: a webhook POST it got no 2xx for in time, or
getUpdates after a restart (a poller confirms what it fetched only with its *next* getUpdates, which a crash or a
kill never sends). Handled twice, a re-fetched "/report" would start the report afresh and a "/shift" would end the
shift it had just started; marked as handled before it is, an update whose handler fails or whose process dies
mid-way is lost: a citizen's message, an officer's /shift.

So an update is *claimed* while it is handled: a short-lived mark (CLAIM_TTL_S, renewed while the handler runs) that
makes another delivery of it wait. Only once the handler succeeded does the claim become the lasting "done" mark
(DONE_TTL_S, a day: Telegram gives up re-delivering far sooner), which drops every later delivery. A handler that
fails releases the claim, and a process that dies stops renewing it: either way the next delivery handles the
update. A delivery that finds a claim waits until it is confirmed (dropped) or released or expired (handled); a
poller restarted right after a crash thus waits out its predecessor's claim, at most CLAIM_TTL_S.

The marks live in Redis (SET NX with a TTL; a claim holds its holder's token, "done" is DONE) and in the
`telegram_updates_seen` table when Redis is absent or down (a claim is a row holding its holder's token and expiring
within CLAIM_TTL_S, a done mark one without a token expiring a day later). Either way a holder renews and releases its
claim only while it holds its token: one whose claim expired and was taken over by another delivery leaves the new
holder's claim alone (deleted, a third copy would handle the update meanwhile). With both away a polled update is
handled unrecorded (a rare duplicate answer is better than a lost message); a webhook's is refused with a 5xx, and
Telegram delivers it again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from backend.context import Context
from backend.lib.clock import utcnow
from backend.lib.redis import UNAVAILABLE
from backend.lib.tasks import stop_task
from bots.models import TelegramUpdateSeen

CLAIM_TTL_S = 30.0  # a claim's life without renewal: how long a crashed holder's update waits to be handled again
DONE_TTL_S = 24 * 3600
DONE = "1"  # a handled update's Redis value; the earlier "seen" marks (before claims) held the same, and count as done
WAIT_POLL_S = 0.1  # how often a delivery that found a claim asks again
WAIT_MAX_S = 600.0  # a holder still renewing after this long is alive and busy with it: the waiting copy is dropped
# In the database a claim holds its holder's token, but one written before claims had tokens (a deploy rolling) differs
# from a done mark only in when the row expires: within CLAIM_TTL_S of its last renewal, or a day after the
# confirmation. A renewal is timed by its holder's clock, which may read later than the asking copy's: it committed
# after the copy read the time, or its API replica's clock runs ahead. Told apart with this much room, such a claim is
# not taken for a done mark (the copy dropped, and the update lost if the holder then failed); a done mark in its last
# minute reads as a claim, and a copy waits for it to run out
CLOCK_SLACK_S = 60.0
STORES_AWAY = (SQLAlchemyError, OSError, TimeoutError)  # the database's, on top of Redis's UNAVAILABLE
Taken = Literal["done", "busy"]

log = logging.getLogger("zan.bots.once")
_TABLE = TelegramUpdateSeen.__table__  # type: ignore[attr-defined]
# Lua: renew or delete the key only while it still holds this holder's token (its claim may have expired and been
# taken by another delivery meanwhile)
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


@dataclass
class Claim:
    """One delivery's hold on an update while it is handled; `store` is where it is recorded (None: nowhere, both
    stores were away)."""

    ctx: Context
    bot: str
    update_id: int
    ttl_s: float
    store: Literal["redis", "db"] | None
    token: str = field(default_factory=lambda: f"claim:{uuid.uuid4().hex}")
    failed: bool = False  # set by the bot's error handler (`handling_failed`) when the failure did not propagate

    @property
    def key(self) -> str:
        return self.ctx.keys("tg", self.bot, "update", self.update_id)

    def _where(self) -> sa.ColumnElement[bool]:
        return sa.and_(_TABLE.c.bot == self.bot, _TABLE.c.update_id == self.update_id)

    def _mine(self) -> sa.ColumnElement[bool]:
        """The update's row while it is this claim (not one another delivery took over, nor a done mark)."""
        return sa.and_(self._where(), _TABLE.c.claim_token == self.token)

    async def renew(self) -> None:
        if self.store == "redis":
            assert self.ctx.redis is not None
            await self.ctx.redis.eval(_RENEW, 1, self.key, self.token, int(self.ttl_s * 1000))  # type: ignore[misc]
        elif self.store == "db":
            await self._execute(sa.update(_TABLE).where(self._mine())
                                .values(expires_at=utcnow() + timedelta(seconds=self.ttl_s)))

    async def confirm(self) -> None:
        """The update is handled: every later delivery is dropped. Whoever holds the claim now: one that took it over
        meanwhile (this claim expired) is handling a copy already, and its failure must not undo this success."""
        if self.store == "redis":
            assert self.ctx.redis is not None
            await self.ctx.redis.set(self.key, DONE, ex=DONE_TTL_S)
        elif self.store == "db":
            expires = utcnow() + timedelta(seconds=DONE_TTL_S)
            # without its token the done mark is nobody's claim: no late renewal or release touches it
            if not await self._execute(sa.update(_TABLE).where(self._where())
                                       .values(expires_at=expires, claim_token=None)):
                # the claim expired and was purged meanwhile (a handler slower than the claim's renewals)
                with contextlib.suppress(IntegrityError):
                    await self._execute(sa.insert(_TABLE).values(bot=self.bot, update_id=self.update_id,
                                                                 expires_at=expires))

    async def release(self) -> None:
        """The update is not handled: the next delivery of it is."""
        if self.store == "redis":
            assert self.ctx.redis is not None
            await self.ctx.redis.eval(_RELEASE, 1, self.key, self.token)  # type: ignore[misc]
        elif self.store == "db":
            await self._execute(sa.delete(_TABLE).where(self._mine()))

    async def _execute(self, statement: sa.Executable) -> int:
        async with self.ctx.sessions() as session:
            result = await session.execute(statement)
            await session.commit()
        return int(getattr(result, "rowcount", 0) or 0)


def _done_row(now: object, ttl_s: float) -> sa.ColumnElement[bool]:
    """A row that is a done mark, not a claim (live or expired): a claim holds its holder's token or, written before
    claims had one, expires within a claim's life (CLOCK_SLACK_S)."""
    return sa.and_(_TABLE.c.claim_token.is_(None),
                   _TABLE.c.expires_at > now + timedelta(seconds=ttl_s + CLOCK_SLACK_S))  # type: ignore[operator]


async def claim(ctx: Context, bot_name: str, update_id: int, *, ttl_s: float = CLAIM_TTL_S) -> Claim | Taken:
    """One attempt: a Claim when this delivery handles the update now, "done" when it was handled, "busy" while
    another delivery holds it. Raises when neither Redis nor the database answers."""
    found = Claim(ctx, bot_name, update_id, ttl_s, "redis")
    if ctx.redis is not None:
        try:
            if await ctx.redis.set(found.key, found.token, nx=True, px=int(ttl_s * 1000)):
                return found
            held = await ctx.redis.get(found.key)
        except UNAVAILABLE:
            pass  # the database is slower but always there
        else:
            if held is None:
                return "busy"  # it expired or was released just now: the waiting loop asks again
            return "busy" if held.decode().startswith("claim:") else "done"
    found.store = "db"
    return await _claim_in_db(found)


async def _claim_in_db(found: Claim) -> Claim | Taken:
    now = utcnow()
    expires = now + timedelta(seconds=found.ttl_s)
    async with found.ctx.sessions() as session:
        try:
            async with session.begin_nested():
                session.add(TelegramUpdateSeen(bot=found.bot, update_id=found.update_id, expires_at=expires,
                                               claim_token=found.token))
        except IntegrityError:
            # a claim whose holder died (or a day-old done mark not purged yet) is taken over; compared in SQL, so
            # SQLite's and PostgreSQL's ways of storing the time do not matter
            taken = await session.execute(sa.update(_TABLE).where(found._where(), _TABLE.c.expires_at <= now)
                                          .values(expires_at=expires, claim_token=found.token))
            if not int(getattr(taken, "rowcount", 0) or 0):
                done = await session.scalar(sa.select(sa.func.count()).select_from(_TABLE).where(
                    found._where(), _done_row(now, found.ttl_s)))
                return "done" if done else "busy"
        await session.commit()
    return found


async def claim_when_free(ctx: Context, bot_name: str, update_id: int, *, ttl_s: float = CLAIM_TTL_S,
                          first: Claim | Taken | None = None) -> Claim | None:
    """The update's claim, waiting while another delivery holds it; None when it is (or was meanwhile) handled.
    `first`: the answer of an attempt already made. With both stores away the update is handled unrecorded."""
    deadline = time.monotonic() + WAIT_MAX_S
    found = first if first is not None else await _attempt(ctx, bot_name, update_id, ttl_s)
    while found == "busy":
        if time.monotonic() > deadline:
            log.warning("%s bot update %s still being handled elsewhere after %.0f s: this copy is dropped",
                        bot_name, update_id, WAIT_MAX_S)
            return None
        await asyncio.sleep(WAIT_POLL_S)
        found = await _attempt(ctx, bot_name, update_id, ttl_s)
    return found if isinstance(found, Claim) else None


async def _attempt(ctx: Context, bot_name: str, update_id: int, ttl_s: float) -> Claim | Taken:
    try:
        return await claim(ctx, bot_name, update_id, ttl_s=ttl_s)
    except STORES_AWAY as exc:
        log.warning("%s bot update %s not de-duplicated: %r", bot_name, update_id, exc)
        return Claim(ctx, bot_name, update_id, ttl_s, None)


_CURRENT: ContextVar[Claim | None] = ContextVar("zan_bot_update_claim", default=None)


def handling_failed() -> None:
    """For a bot's error handler: the update being handled failed, though the failure goes no further (the library
    swallows it once its error handlers ran): its claim is released, not confirmed."""
    current = _CURRENT.get()
    if current is not None:
        current.failed = True


@asynccontextmanager
async def handled(found: Claim) -> AsyncIterator[None]:
    """Handle the claimed update in the block: the claim is renewed meanwhile, confirmed when the block ends well,
    released when it raises (a cancellation included: a stopping process leaves it to the next delivery) or its
    failure was reported (`handling_failed`)."""
    renewing = asyncio.create_task(_renew(found))
    token = _CURRENT.set(found)
    ok = False
    try:
        yield
        ok = not found.failed
    finally:
        _CURRENT.reset(token)
        try:
            await stop_task(renewing)
        finally:
            # settled even when a shutdown lands while the renewal stops (it goes on up afterwards): the handler's
            # outcome is known, and a claim left to expire would have the update handled again
            await _settle(found, ok)


async def _renew(found: Claim) -> None:
    while True:
        await asyncio.sleep(found.ttl_s / 3)
        try:
            await found.renew()
        except (*UNAVAILABLE, *STORES_AWAY) as exc:
            log.warning("%s bot update %s: claim not renewed: %r", found.bot, found.update_id, exc)


async def _settle(found: Claim, ok: bool) -> None:
    try:
        await (found.confirm() if ok else found.release())
    except (*UNAVAILABLE, *STORES_AWAY) as exc:
        # the claim expires on its own: a later delivery is handled (again, if it was handled)
        log.warning("%s bot update %s: claim not %s: %r", found.bot, found.update_id,
                    "confirmed" if ok else "released", exc)


@asynccontextmanager
async def once(ctx: Context, bot_name: str, update_id: int, *, ttl_s: float = CLAIM_TTL_S) -> AsyncIterator[bool]:
    """For a poller: True when the block is to handle the update (then as `handled`), False when it was handled."""
    found = await claim_when_free(ctx, bot_name, update_id, ttl_s=ttl_s)
    if found is None:
        yield False
        return
    async with handled(found):
        yield True


async def purge_seen_updates(ctx: Context) -> int:
    """Housekeeping for the database's marks: expired claims and day-old done marks."""
    async with ctx.sessions() as session:
        result = await session.execute(sa.delete(_TABLE).where(_TABLE.c.expires_at < utcnow()))
        await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
