"""A scratch PostgreSQL database for the tablet benchmarks (created, migrated, dropped)."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from backend.context import Context, build_context
from backend.migrate import upgrade
from backend.settings import Settings

PG_ADMIN = os.environ.get("ZAN_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def scratch_ctx() -> AsyncIterator[Context]:
    name = f"zan_bench_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    url = f"{base}/{name}"
    try:
        await asyncio.to_thread(upgrade, url)
        async with url_ctx(url, Path(tempfile.mkdtemp())) as ctx:
            yield ctx
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def url_ctx(url: str, tmp: Path) -> AsyncIterator[Context]:
    """A quiet context on a migrated database at `url` (no Redis), its files in `tmp`."""
    ctx = build_context(Settings(database_url=url, redis_url=None, secret_key="bench-" + uuid.uuid4().hex,
                                 var_dir=tmp, media_dir=tmp / "media", log_json=False, log_level="WARNING"))
    try:
        yield ctx
    finally:
        await ctx.close()
