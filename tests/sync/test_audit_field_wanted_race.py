"""A wanted entry changed by two people at once (PostgreSQL, where writes run side by side): a search handed to
another region while someone else marks the person found, or two hand-overs. Each write tells the tablets of the
scope the entry is in when it is written; one that read the entry before the other committed named a scope the entry
had left, and the region that had just received it never heard that it was found (or moved on): a found person stayed
"wanted" on that region's tablets for good."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from backend.context import Context
from backend.sync import wanted
from tests.officers.factories import make_officer
from tests.sync.conftest import Tablet, server_view

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("pg_url"))


async def _waits_for_a_lock(ctx: Context, pid: int) -> bool:
    async with ctx.sessions() as session:
        event = await session.scalar(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                                     {"pid": pid})
    return event == "Lock"


@pytest.mark.parametrize("second", ["removed", "moved_again"])
async def test_a_concurrent_second_change_reaches_the_region_the_entry_was_moved_to(ctx: Context,
                                                                                   second: str) -> None:
    officer, _ = await make_officer(ctx, district="almaty")
    almaty = Tablet(ctx, officer, None)
    async with ctx.sessions() as session:
        entry = await wanted.add_person(session, full_name="Розыск", reason="розыск", region="astana")
        await session.commit()
    entry_id = entry.id
    await almaty.pull_all()
    assert str(entry_id) not in almaty.replica["wanted_persons"]

    first = ctx.sessions()
    assert await wanted.set_region(first, collection="wanted_persons", item_id=entry_id, region="almaty")
    await first.flush()

    other = ctx.sessions()
    pid = int(await other.scalar(text("SELECT pg_backend_pid()")))
    read, go = asyncio.Event(), asyncio.Event()

    async def second_change() -> None:
        if second == "removed":
            await wanted.remove(other, collection="wanted_persons", item_id=entry_id)
        else:
            await wanted.set_region(other, collection="wanted_persons", item_id=entry_id, region="karaganda")
        read.set()
        await go.wait()
        await other.commit()

    task = asyncio.create_task(second_change())
    try:
        for _ in range(500):  # until the second change has read the entry, or waits for the first to commit
            if read.is_set() or await _waits_for_a_lock(ctx, pid):
                break
            await asyncio.sleep(0.005)
        await first.commit()
        await asyncio.wait_for(read.wait(), 5)
        await almaty.pull_all()  # the hand-over to almaty is committed: its tablets get the entry
        assert str(entry_id) in almaty.replica["wanted_persons"]
        go.set()
        await asyncio.wait_for(task, 5)
    finally:
        go.set()
        if not task.done():
            task.cancel()
        await first.close()
        await other.close()

    await almaty.pull_all()
    # found (or handed on to karaganda): gone from almaty's tablets, as from a fresh one
    assert str(entry_id) not in almaty.replica["wanted_persons"]
    assert almaty.replica == await server_view(ctx, almaty)
