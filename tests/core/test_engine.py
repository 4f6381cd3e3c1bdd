"""The PostgreSQL engine's per-connection settings."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

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


@pytest.mark.parametrize("db_url", ["postgres", "sqlite"], indirect=True)
async def test_a_failed_statement_does_not_carry_its_values_into_the_error(db_url: str) -> None:
    """An unexpected database error is logged with its exception text (backend.lib.errors). SQLAlchemy puts the
    bound values there unless told not to, and they are what citizens wrote: names, addresses, the offence. The log
    masker only knows IINs, phones and cards, so the values must not reach the text at all."""
    engine = make_engine(db_url, null_pool=True)
    secret = "Иванов Иван, ул. Абая 10, кв. 5"
    try:
        async with engine.connect() as conn:
            with pytest.raises(DBAPIError) as caught:
                await conn.execute(text("INSERT INTO no_such_table (text) VALUES (:text)"), {"text": secret})
        assert "Абая" not in str(caught.value) and "hidden due to hide_parameters" in str(caught.value)
    finally:
        await engine.dispose()
