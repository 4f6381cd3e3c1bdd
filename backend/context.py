"""The process-wide resources one Zan process holds: built once at startup, torn down at shutdown.

Controllers get it through DI, jobs and bots get it passed in; nothing reads globals.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backend.db import make_engine, make_sessionmaker
from backend.lib.redis import Keys, make_redis
from backend.reports.deadlines import CALENDAR_KEY, Calendar, configured_calendar
from backend.settings import Settings


@dataclass
class Context:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis | None
    keys: Keys
    # the working-day calendar of every legal term (ZAN_HOLIDAYS_FILE); sessions carry it too (deadlines.calendar_of)
    calendar: Calendar
    # lazily created heavy or optional parts (router model, legal index, media store, push sender, queue)
    extras: dict[str, Any] = field(default_factory=dict)

    async def close(self) -> None:
        for closer in self.extras.pop("_closers", []):
            try:
                await closer()
            except Exception:  # shutting down: one broken connection must not keep the rest open
                logging.getLogger("zan").warning("closing %r failed", closer, exc_info=True)
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()


def build_context(settings: Settings, *, null_pool: bool = False, engine: AsyncEngine | None = None) -> Context:
    """The process's resources under `settings`. `engine`: one this process already holds for the same database
    (the test workers reuse theirs across tests, so SQLAlchemy's compiled statements, cached per engine, are not
    compiled anew for every test); close() still ends its connections."""
    # first: a bad calendar file stops startup before anything is opened
    calendar = configured_calendar(settings.holidays_file)
    if engine is None:
        engine = make_engine(settings.database_url, null_pool=null_pool, pool_size=settings.db_pool_size,
                             max_overflow=settings.db_max_overflow, connect_timeout_s=settings.db_connect_timeout_s)
    sessions = make_sessionmaker(engine)
    # status changes (a reopening's fresh term) and reclassifications get only a session: it brings the calendar
    sessions.configure(info={CALENDAR_KEY: calendar})
    return Context(
        settings=settings,
        engine=engine,
        sessions=sessions,
        redis=make_redis(settings.redis_url),
        keys=Keys(settings.redis_prefix),
        calendar=calendar,
    )


@asynccontextmanager
async def context_scope(settings: Settings, *, null_pool: bool = False) -> AsyncIterator[Context]:
    ctx = build_context(settings, null_pool=null_pool)
    try:
        yield ctx
    finally:
        await ctx.close()


T = TypeVar("T")


def run_in_session(work: Callable[[AsyncSession, Settings], Awaitable[T]]) -> T:
    """For a one-shot command: `work(session, settings)` under the environment's settings, everything closed after
    (no pool: the process ends right away)."""
    async def go() -> T:
        settings = Settings.from_env()
        async with context_scope(settings, null_pool=True) as ctx, ctx.sessions() as session:
            return await work(session, settings)

    return asyncio.run(go())
