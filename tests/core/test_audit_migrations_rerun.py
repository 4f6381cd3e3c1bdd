"""A PostgreSQL upgrade stopped during an index build CONCURRENTLY can be run again.

The index migrations (p1, q1, x1, z1, z6, z7) build on PostgreSQL outside the migration's transaction, and say: "a
build that failed half-way leaves an invalid index behind; running the upgrade again drops it first". The
autocommit block commits everything the migration did before it, while the revision is recorded only after the
migration returns. z7 adds two columns to `reports` before its build: a build that was stopped (a deploy job's
timeout, Ctrl-C, a cancelled or deadlocked statement) left the columns committed and the database at z6, and every
later `zan db upgrade` (and `zan serve`) failed on `column "late_closed_at" of relation "reports" already exists`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError

from backend.migrate import current_revisions, upgrade
from tests.conftest import PG_ADMIN, _pg_admin

BEFORE = "z6_sweep_indexes"
BUILD = "CREATE INDEX CONCURRENTLY ix_reports_terms_missed"


@pytest.fixture
def pg_scratch() -> Iterator[tuple[str, str]]:
    name = f"zan_mig_{uuid.uuid4().hex[:10]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}", PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _backend_in(monitor: asyncpg.Connection, datname: str, query_start: str) -> int:
    """The pid of the session of `datname` waiting on a lock in a statement starting with `query_start`."""
    for _ in range(600):  # up to 30 s: the build reaches its wait within a second
        pid = await monitor.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' "
            "AND query LIKE $2 || '%'", datname, query_start)
        if pid is not None:
            return int(pid)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no session reached {query_start!r}")


def test_an_upgrade_stopped_in_z7s_index_build_runs_again(pg_scratch: tuple[str, str]) -> None:
    url, dsn = pg_scratch
    datname = dsn.rsplit("/", 1)[1]
    upgrade(url, BEFORE)

    async def stop_the_build() -> None:
        # a session in the same database with an open snapshot (a long report query, a backup): CREATE INDEX
        # CONCURRENTLY waits for every older snapshot before it marks the index valid; the ALTER TABLE before it
        # takes no lock this session holds
        holder, monitor = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
        try:
            snapshot = holder.transaction(isolation="repeatable_read")
            await snapshot.start()
            await holder.fetchval("SELECT count(*) FROM units")
            migrating = asyncio.ensure_future(asyncio.to_thread(upgrade, url))
            pid = await _backend_in(monitor, datname, BUILD)
            await monitor.fetchval("SELECT pg_cancel_backend($1)", pid)  # the deploy job stopped
            with pytest.raises(DBAPIError):
                await migrating
            await snapshot.rollback()
        finally:
            await holder.close()
            await monitor.close()

    asyncio.run(stop_the_build())
    assert current_revisions(url) == (BEFORE,)
    # the operator starts the upgrade again, as the migration's docstring says they may
    assert upgrade(url) == ("z8_media_store_failed_at",)

    async def index_is_valid() -> bool:
        conn = await asyncpg.connect(dsn)
        try:
            return bool(await conn.fetchval("SELECT indisvalid FROM pg_index "
                                            "WHERE indexrelid = 'ix_reports_terms_missed'::regclass"))
        finally:
            await conn.close()

    assert asyncio.run(index_is_valid())
