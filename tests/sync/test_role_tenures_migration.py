"""Migration z3_sync_role_tenures on both databases: the table of the roles officers left (and, on PostgreSQL, the
trigger that fills it) goes up, down and up."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from backend.db import make_engine
from backend.migrate import downgrade, upgrade
from tests.core.test_migrations import (
    _tables,
    scratch_db,  # noqa: F401  (the fixture: an empty database of each kind)
)

BEFORE = "z2_media_scrubbed_digest"
REVISION = "z3_sync_role_tenures"


def _triggers(url: str) -> int:
    async def go() -> int:
        engine = make_engine(url, null_pool=True)
        async with engine.connect() as conn:
            if conn.dialect.name != "postgresql":
                found = 0
            else:
                found = int((await conn.execute(text(
                    "SELECT count(*) FROM pg_trigger WHERE tgname = 'officers_role_left'"))).scalar_one())
                found += int((await conn.execute(text(
                    "SELECT count(*) FROM pg_proc WHERE proname = 'zan_role_left'"))).scalar_one())
        await engine.dispose()
        return found

    return asyncio.run(go())


def test_role_tenures_go_up_down_and_up(scratch_db: tuple[str, str]) -> None:  # noqa: F811
    url, _ = scratch_db
    postgres = url.startswith("postgresql")
    upgrade(url, BEFORE)
    assert "sync_role_tenures" not in _tables(url)
    upgrade(url, REVISION)
    assert "sync_role_tenures" in _tables(url) and _triggers(url) == (2 if postgres else 0)
    downgrade(url, BEFORE)
    assert "sync_role_tenures" not in _tables(url) and _triggers(url) == 0
    upgrade(url, REVISION)
    assert "sync_role_tenures" in _tables(url) and _triggers(url) == (2 if postgres else 0)
