"""An update is claimed while handled and marked done only once handled (`bots.once`), in Redis and in the database
(Redis absent, or unreachable): a copy delivered meanwhile waits and is dropped when the first succeeds, handled when
it fails (raised, or reported by the bot's error handler); a claim whose holder died is taken once it expires; a
handler slower than its claim's life keeps it. Real Redis, real PostgreSQL and SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from backend.context import Context
from backend.lib.clock import utcnow
from backend.lib.redis import make_redis
from bots import once as once_module
from bots.models import TelegramUpdateSeen
from bots.once import Claim, claim, handling_failed, once
from tests.fakes.tcp_proxy import TcpProxy
from tests.helpers import cancelled_once, until_lock_waiters

pytestmark = pytest.mark.anyio
STORES = [pytest.param("database", id="database"), pytest.param("redis", marks=pytest.mark.redis, id="redis")]
BOT = "citizen"


class Boom(Exception):
    pass


class Delivery:
    """One delivery of an update, handled in `once`; what happened is appended to the shared `events`."""

    def __init__(self, ctx: Context, update_id: int, name: str, events: list[str], *, ttl_s: float = 30.0) -> None:
        self.ctx, self.update_id, self.name, self.events, self.ttl_s = ctx, update_id, name, events, ttl_s
        self.inside = asyncio.Event()
        self.let_go = asyncio.Event()

    async def run(self, outcome: str = "ok") -> None:
        async with once(self.ctx, BOT, self.update_id, ttl_s=self.ttl_s) as mine:
            if not mine:
                self.events.append(f"{self.name} dropped")
                return
            self.events.append(f"{self.name} handles")
            self.inside.set()
            await self.let_go.wait()
            if outcome == "raises":
                raise Boom
            if outcome == "reported":
                handling_failed()  # as a library's error handler, the failure swallowed


async def _second_waits_for(ctx: Context, first: Delivery, outcome: str, events: list[str]) -> None:
    """`first` is inside its handler; a second delivery comes, waits, then `first` ends with `outcome`."""
    task = asyncio.create_task(first.run(outcome))
    await first.inside.wait()
    assert await claim(ctx, BOT, first.update_id) == "busy"  # a copy arriving now finds the claim
    second = Delivery(ctx, first.update_id, "second", events)
    second.let_go.set()
    found_busy = asyncio.Event()
    attempt = once_module._attempt

    async def attempt_seen(*args: Any, **kwargs: Any) -> Any:
        found = await attempt(*args, **kwargs)
        if found == "busy":
            found_busy.set()
        return found

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(once_module, "_attempt", attempt_seen)
        waiting = asyncio.create_task(second.run())
        # the copy asks, finds the claim, and waits (was: a guessed 0.3 s sleep, longer than needed or, on a loaded
        # machine, too short to be sure the copy had asked before the first ended)
        await asyncio.wait_for(found_busy.wait(), timeout=10)
    first.let_go.set()
    if outcome == "raises":
        with pytest.raises(Boom):
            await task
    else:
        await task
    await waiting


@pytest.mark.parametrize("store", STORES)
async def test_a_copy_delivered_while_the_update_is_handled_is_dropped_once_it_is(ctx: Context, store: str) -> None:
    events: list[str] = []
    await _second_waits_for(ctx, Delivery(ctx, 1001, "first", events), "ok", events)
    assert events == ["first handles", "second dropped"]
    assert await claim(ctx, BOT, 1001) == "done"


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("outcome", ["raises", "reported"])
async def test_a_failed_handling_lets_the_next_copy_handle_it(ctx: Context, store: str, outcome: str) -> None:
    events: list[str] = []
    await _second_waits_for(ctx, Delivery(ctx, 1002, "first", events), outcome, events)
    assert events == ["first handles", "second handles"]
    assert await claim(ctx, BOT, 1002) == "done"


@pytest.mark.parametrize("store", STORES)
async def test_the_claim_of_a_holder_that_died_is_taken_once_it_expires(ctx: Context, store: str) -> None:
    """A poller killed mid-way leaves its claim (never renewed, confirmed or released); the restarted poller, handed
    the update again at once, handles it when the claim runs out."""
    dead = await claim(ctx, BOT, 1003, ttl_s=0.5)
    assert isinstance(dead, Claim)
    events: list[str] = []
    restarted = Delivery(ctx, 1003, "restarted", events)
    restarted.let_go.set()
    await restarted.run()
    assert events == ["restarted handles"]


@pytest.mark.parametrize("store", STORES)
async def test_a_handler_slower_than_its_claims_life_keeps_it(ctx: Context, store: str) -> None:
    events: list[str] = []
    slow = Delivery(ctx, 1004, "slow", events, ttl_s=1.0)
    task = asyncio.create_task(slow.run())
    await slow.inside.wait()
    await asyncio.sleep(2.5)  # well past the claim's own life: only its renewals keep it
    assert await claim(ctx, BOT, 1004) == "busy"
    slow.let_go.set()
    await task
    assert await claim(ctx, BOT, 1004) == "done"


@pytest.fixture
async def redis_away(ctx: Context) -> AsyncIterator[None]:
    """ctx's Redis behind a proxy that is cut: every command fails as with Redis down."""
    proxy = TcpProxy("127.0.0.1", 6379)
    await proxy.start()
    await proxy.cut()
    assert ctx.redis is not None
    old = ctx.redis
    away = make_redis(f"redis://127.0.0.1:{proxy.port}/0")
    ctx.redis = away
    try:
        yield
    finally:
        assert away is not None
        await away.aclose()
        ctx.redis = old
        await proxy.close()


@pytest.mark.redis
@pytest.mark.usefixtures("redis_away")
async def test_with_redis_down_the_database_holds_the_marks(ctx: Context) -> None:
    events: list[str] = []
    await _second_waits_for(ctx, Delivery(ctx, 1005, "first", events), "ok", events)
    assert events == ["first handles", "second dropped"]
    async with ctx.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(TelegramUpdateSeen)) == 1


async def _renew_by_hand(ctx: Context, update_id: int, ttl_s: float, ahead_s: float = 0.0) -> None:
    """A holder's renewal as `Claim.renew` writes it, by a holder whose clock runs `ahead_s` ahead of this one."""
    async with ctx.sessions() as session:
        await session.execute(update(TelegramUpdateSeen).where(
            TelegramUpdateSeen.bot == BOT, TelegramUpdateSeen.update_id == update_id)  # type: ignore[arg-type]
            .values(expires_at=utcnow() + timedelta(seconds=ttl_s + ahead_s)))
        await session.commit()


async def test_a_claim_its_holder_renewed_by_a_clock_a_little_ahead_is_still_busy(ctx: Context) -> None:
    """The database tells a claim from a done mark by when its row expires. A claim renewed by another API replica
    whose clock runs a second ahead is still a claim: read as "done", the copy waiting for it was dropped, and the
    update was lost when the holder then failed."""
    holder = await claim(ctx, BOT, 1006)
    assert isinstance(holder, Claim) and holder.store == "db"
    await _renew_by_hand(ctx, 1006, holder.ttl_s, ahead_s=1.0)
    assert await claim(ctx, BOT, 1006) == "busy"


async def test_a_claim_renewed_while_a_copy_reads_it_is_still_busy(ctx: Context) -> None:
    """The same within one clock: the holder's renewal commits after the waiting copy read the time and before it
    read the row (here: the copy's insert waits for the renewal's transaction, PostgreSQL)."""
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time: the renewal cannot land in the middle of the copy's attempt")
    holder = await claim(ctx, BOT, 1007)
    assert isinstance(holder, Claim) and holder.store == "db"
    where = (TelegramUpdateSeen.bot == BOT, TelegramUpdateSeen.update_id == 1007)
    async with ctx.sessions() as renewal:
        # the renewal's transaction has the row; the copy reads the time, then its insert waits for that transaction
        await renewal.execute(update(TelegramUpdateSeen).where(*where)  # type: ignore[arg-type]
                              .values(expires_at=TelegramUpdateSeen.expires_at))
        asking = asyncio.create_task(claim(ctx, BOT, 1007))
        await until_lock_waiters(ctx, 1)
        await renewal.execute(update(TelegramUpdateSeen).where(*where)  # type: ignore[arg-type]
                              .values(expires_at=utcnow() + timedelta(seconds=holder.ttl_s)))
        await renewal.commit()
    assert await asking == "busy"


async def _ran_out(ctx: Context, update_id: int) -> None:
    """The update's claim ran out a second ago: its holder stopped renewing it (stalled, or its process died)."""
    await _renew_by_hand(ctx, update_id, 0.0, ahead_s=-1.0)


async def test_a_holder_whose_claim_was_taken_over_leaves_the_new_claim_alone(ctx: Context) -> None:
    """A holder stalled past its claim's life; another delivery took the claim over and is handling the update. The
    first holder's late renewal and release (its handler failed) must not touch that claim: deleted, a third copy
    would handle the update alongside the second."""
    first = await claim(ctx, BOT, 1008)
    assert isinstance(first, Claim) and first.store == "db"
    await _ran_out(ctx, 1008)
    second = await claim(ctx, BOT, 1008)
    assert isinstance(second, Claim)
    await first.renew()
    await first.release()
    assert await claim(ctx, BOT, 1008) == "busy"
    await _ran_out(ctx, 1008)  # the second holder dies: its claim is taken once it runs out, first's renewal or not
    third = await claim(ctx, BOT, 1008)
    assert isinstance(third, Claim)
    await first.confirm()  # the first holder succeeded after all: the update is handled, whoever holds it now
    await third.release()
    assert await claim(ctx, BOT, 1008) == "done"


@pytest.mark.parametrize(("expires_in_s", "found"), [(30.0, "busy"), (-1.0, "claimed"), (24 * 3600.0, "done")])
async def test_marks_written_before_claims_had_tokens_still_count(ctx: Context, expires_in_s: float,
                                                                  found: str) -> None:
    """Rows of a process on the previous code (a deploy rolling): a live claim, one that ran out, a done mark."""
    async with ctx.sessions() as session:
        session.add(TelegramUpdateSeen(bot=BOT, update_id=1009, expires_at=utcnow() + timedelta(seconds=expires_in_s)))
        await session.commit()
    taken = await claim(ctx, BOT, 1009)
    assert (taken if isinstance(taken, str) else "claimed") == found


@pytest.mark.parametrize("store", STORES)
async def test_a_shutdown_landing_while_the_claims_renewal_stops_is_not_swallowed(ctx: Context, store: str) -> None:
    """The handler is through; `handled` stops the claim's renewal and waits for it, and the task is cancelled right
    then (a shutdown). The cancellation goes on up (swallowed, the task went on as if never cancelled and the
    shutdown waited for it) once the claim is settled: the update was handled, and is confirmed."""
    through = asyncio.Event()

    async def handle() -> None:
        async with once(ctx, BOT, 1010) as mine:
            assert mine
            through.set()  # the test's task runs next, while this one waits for the renewal to stop

    await cancelled_once(through, asyncio.create_task(handle()))
    assert await claim(ctx, BOT, 1010) == "done"
