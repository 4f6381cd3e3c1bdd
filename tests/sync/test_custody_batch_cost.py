"""The custody check of a note for a report its crew handed on reads the officer's crew memberships (the rule that
an officer who joined later never held it): once per push batch, not once per mutation. Read per mutation, a
500-note batch for such a report issued 1,500 statements more than one for a report the crew holds. Counted in
statements, not seconds (no timing assertions)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import event

from backend.context import Context
from tests.officers.factories import make_unit
from tests.sync.conftest import assigned_report, crew_tablets, reassign, uuid7

pytestmark = pytest.mark.anyio
NOTES = 60


async def _statements_of_a_push(ctx: Context, *, handed_on: bool) -> int:
    unit, tablet, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await tablet.pull_all()
    for n in range(NOTES):
        tablet.edit("notes", uuid7(), "create", report_id=str(report.id), text=f"Заметка {n}")
    if handed_on:
        await reassign(ctx, report, await make_unit(ctx))
    count = 0
    pushing = asyncio.current_task()

    def counted(*_args: Any) -> None:
        # the push's own statements: the app's relay polls the same engine from a task of its own
        nonlocal count
        count += asyncio.current_task() is pushing

    event.listen(ctx.engine.sync_engine, "before_cursor_execute", counted)
    try:
        results = await tablet.push()
    finally:
        event.remove(ctx.engine.sync_engine, "before_cursor_execute", counted)
    # a late note of the crew that held the report is kept (chain of custody)
    assert {r["status"] for r in results} == {"applied"}
    assert count > NOTES, count  # the push runs in this task: its statements were counted
    return count


async def test_a_batch_for_a_report_handed_on_reads_the_crew_once(ctx: Context) -> None:
    held = await _statements_of_a_push(ctx, handed_on=False)
    handed_on = await _statements_of_a_push(ctx, handed_on=True)
    # the report's custody records, read per note (a status step of the batch may release them): one statement
    # each; the officer's memberships once, whatever the batch's size
    assert handed_on - held <= NOTES + 5, (held, handed_on)
