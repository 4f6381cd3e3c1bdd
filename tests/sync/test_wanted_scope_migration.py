"""Migration v1_sync_wanted_scope on both databases: a wanted entry whose region is no region slug (written before
regions were checked) becomes `national`, as every tablet had it before; valid scopes are kept; it goes down and up."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text

from backend.db import make_engine
from backend.migrate import downgrade, upgrade
from tests.core.test_migrations import (
    _tables,
    scratch_db,  # noqa: F401  (the fixture: an empty database of each kind)
)

BEFORE = "v1_media_cleanup"
REVISION = "v1_sync_wanted_scope"


def _run(url: str, *statements: str) -> list[tuple[object, ...]]:
    async def go() -> list[tuple[object, ...]]:
        engine = make_engine(url, null_pool=True)
        rows: list[tuple[object, ...]] = []
        async with engine.begin() as conn:
            for sql in statements:
                result = await conn.execute(text(sql))
                if result.returns_rows:
                    rows += [tuple(r) for r in result]
        await engine.dispose()
        return rows

    return asyncio.run(go())



def test_unknown_regions_become_national_and_it_goes_down_and_up(scratch_db: tuple[str, str]) -> None:  # noqa: F811
    url, _ = scratch_db
    upgrade(url, BEFORE)
    ids = {region: uuid.uuid4().hex for region in ("astana", "Алматинская обл.", "national")}
    _run(url, *(f"INSERT INTO wanted_persons (id, full_name, reason, region, danger, since, updated_at) "
                f"VALUES ('{key}', 'Розыск', 'розыск', '{region}', 'normal', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                for region, key in ids.items()),
         "INSERT INTO wanted_vehicles (id, plate, make, model, color, reason, region, since, updated_at) "
         f"VALUES ('{uuid.uuid4().hex}', '123 ABC 01', '', '', '', 'угон', 'south', CURRENT_TIMESTAMP, "
         "CURRENT_TIMESTAMP)")
    upgrade(url, REVISION)
    persons = _run(url, "SELECT full_name, region FROM wanted_persons ORDER BY region")
    assert sorted(region for _, region in persons) == ["astana", "national", "national"]
    assert _run(url, "SELECT region FROM wanted_vehicles") == [("national",)]
    assert "sync_unit_tenures" in _tables(url)
    downgrade(url, BEFORE)
    assert "sync_unit_tenures" not in _tables(url)
    upgrade(url, REVISION)
    assert "sync_unit_tenures" in _tables(url)
