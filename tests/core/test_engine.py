"""The PostgreSQL engine's per-connection settings."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from backend.db import make_engine

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("null_pool", [False, True])
async def test_postgresql_connections_run_without_jit(pg_url: str, null_pool: bool) -> None:
    """JIT compiling cost 50–80 ms on dispatch queue pages that run in 10–20 ms (docs/benchmarks-queries.md)."""
    engine = make_engine(pg_url, null_pool=null_pool)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("SHOW jit")) == "off"
    finally:
        await engine.dispose()
