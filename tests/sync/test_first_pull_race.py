"""The very first pull on a database creates its epoch row (sync_meta). A page is read in one REPEATABLE READ
snapshot on PostgreSQL, and the row was created inside it: when another tablet's first pull committed the row after
that snapshot began, the insert met the other's row and the read after it could not see it (not in the snapshot),
so the pull failed with a 500 (an assertion)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import text

from backend.context import Context
from tests.helpers import committed_between
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)  # SQLite: one writer, no snapshot to miss it in
async def test_the_epoch_row_made_by_another_first_pull_meanwhile_is_used(app_client: httpx.AsyncClient,
                                                                         ctx: Context) -> None:
    unit = await make_unit(ctx)
    officer, password = await make_officer(ctx, unit=unit)
    headers = bearer(await login(app_client, officer.badge_number, password))
    epoch = uuid.uuid4().hex
    async with ctx.engine.begin() as conn:
        await conn.execute(text("DELETE FROM sync_meta"))

    async def other_first_pull() -> None:
        async with ctx.engine.connect() as conn:
            await conn.execute(text("INSERT INTO sync_meta (id, epoch, horizon_seq, updated_at) "
                                    "VALUES (1, :epoch, 0, now())"), {"epoch": epoch})
            await conn.commit()

    with committed_between(ctx, lambda sql: sql.lstrip().upper().startswith("INSERT INTO SYNC_META"),
                           other_first_pull) as fired:
        pulled = await app_client.get("/api/v1/sync/pull", headers=headers)
    assert fired
    assert pulled.status_code == 200, pulled.text
    async with ctx.engine.connect() as conn:
        assert (await conn.execute(text("SELECT epoch FROM sync_meta"))).scalars().all() == [epoch]
