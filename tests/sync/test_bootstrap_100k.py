"""A tablet's first sync of a national wanted list of 100,000 vehicles: paginated, complete, and within a memory
budget on the server (pages are streamed from one snapshot; nothing holds the whole list)."""

from __future__ import annotations

import gc
import sys
import tracemalloc

import pytest
from sqlalchemy import text

from backend.context import Context
from backend.lib.clock import utcnow
from backend.sync.pull import pull
from backend.sync.views import viewer_for
from tests.officers.factories import make_officer, make_unit

pytestmark = pytest.mark.anyio
ROWS = 100_000
# generous for 500-row pages of small records; a pull that materialised the whole list would need several times this
PEAK_BUDGET_BYTES = 64 * 1024 * 1024
# Tracing every allocation made the pull three times slower (26 s instead of 8 here), so the server's memory is
# measured in two parts. Within a page: the first page and every tenth are traced (a page that reads the whole list,
# or all of it up to its cursor, is among them). Across pages: what the whole pull leaves allocated, in the
# interpreter's blocks; a server that kept the list's rows (a cache, a list growing page by page) keeps at least one
# block per row, while the statement and connection caches keep a few thousand in all.
TRACED_EVERY = 10
RETAINED_BLOCKS = ROWS // 4


@pytest.fixture
def db_url(pg_url: str) -> str:
    """PostgreSQL only: the production database, and the one whose snapshot pagination is under test."""
    return pg_url


async def test_100k_wanted_list_bootstrap(ctx: Context) -> None:
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    async with ctx.sessions() as session:
        # the list is made by the database itself: sent from here row by row it took most of the test's time
        await session.execute(text(
            "INSERT INTO wanted_vehicles (id, plate, make, model, color, reason, region, since, updated_at) "
            "SELECT gen_random_uuid(), lpad((i % 1000)::text, 3, '0') || ' ' || chr(65 + i % 26) "
            "|| chr(65 + i / 26 % 26) || 'A ' || lpad((i % 17 + 1)::text, 2, '0'), '', '', '', 'угон', 'national', "
            "CAST(:now AS timestamptz), CAST(:now AS timestamptz) "
            "FROM generate_series(0, CAST(:last AS integer)) AS i"),
            {"now": utcnow(), "last": ROWS - 1})
        await session.commit()

    seen: set[str] = set()
    cursor: str | None = None
    pages = peak = 0
    gc.collect()
    blocks_before = sys.getallocatedblocks()
    while True:
        traced = pages % TRACED_EVERY == 0
        if traced:
            tracemalloc.start()
        try:
            async with ctx.sessions() as session:
                viewer = await viewer_for(session, officer.id, unit.id)
                page = await pull(session, secret_key=ctx.settings.secret_key, viewer=viewer, cursor=cursor)
            if traced:
                peak = max(peak, tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        pages += 1
        for row in page.changes.get("wanted_vehicles", {}).get("upserted", []):
            seen.add(str(row["id"]))
        cursor = page.cursor
        if not page.has_more:
            break
    del page, viewer
    gc.collect()
    # the test's own set of ids holds one block per id (a 36-character str); its table is not a small block
    retained = sys.getallocatedblocks() - blocks_before - len(seen)
    assert len(seen) == ROWS
    assert pages >= ROWS // 500
    assert peak < PEAK_BUDGET_BYTES, f"peak {peak / 1e6:.1f} MB"
    assert retained < RETAINED_BLOCKS, f"{retained} blocks left allocated after the pull"
