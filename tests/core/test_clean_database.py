"""The per-test clean (tests/conftest.py `_truncate`) empties every table, the append-only ones included: each test
starts from nothing on either database however the clean is made fast."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select, text

from backend.context import Context
from backend.db import metadata
from backend.models import load_models
from backend.reports.service import SYSTEM, change_status
from backend.reports.workflow import Action
from tests.conftest import _truncate
from tests.core.factories import make_report

pytestmark = pytest.mark.anyio


async def _counts(ctx: Context) -> dict[str, int]:
    load_models()
    async with ctx.engine.connect() as conn:
        present = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        return {t.name: int(await conn.scalar(select(func.count()).select_from(t)) or 0)
                for t in metadata.sorted_tables if t.name in present}


async def test_the_clean_empties_every_table_the_append_only_ones_too(ctx: Context) -> None:
    async with ctx.sessions() as session:
        for _ in range(2):
            report = await make_report(session)
            await change_status(session, report, Action.ASSIGN, SYSTEM)
        await session.commit()
    before = await _counts(ctx)
    # report_events refuses DELETE on PostgreSQL (the ledger's append-only trigger): the clean must still empty it
    assert before["reports"] == 2 and before["report_events"] > 0

    await _truncate(ctx)

    assert {name: n for name, n in (await _counts(ctx)).items() if n} == {}
    async with ctx.sessions() as session:  # and the database takes new rows, its references intact
        await make_report(session)
        await session.commit()
        assert await session.scalar(text("SELECT count(*) FROM reports")) == 1
