"""Randomized convergence: tablets with replicas and outboxes, lost responses, partial pulls, dispatcher edits,
reassignments, closings and compaction. At the end every tablet equals the server's view for its officer, and
every note ever created exists exactly once."""

from __future__ import annotations

import contextlib
import random

import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.lib.errors import ZanError
from backend.officers.models import Unit
from backend.reports.models import Report
from backend.sync import changes
from backend.sync.models import ReportNote
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import DISPATCHER, LostResponse, Tablet, assigned_report, server_view, uuid7

pytestmark = pytest.mark.anyio
STATUSES = ("en_route", "on_scene", "en_route", "resolved")
FIELDS = ("officer_summary", "findings", "address_details")


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_histories_converge(ctx: Context, seed: int) -> None:
    rng = random.Random(seed)
    units = [await make_unit(ctx) for _ in range(2)]
    tablets = []
    for i in range(3):
        officer, _ = await make_officer(ctx, unit=units[i % 2])
        tablets.append(Tablet(ctx, officer, units[i % 2].id))
    reports = [await assigned_report(ctx, rng.choice(units)) for _ in range(5)]
    created_notes: set[str] = set()
    for _step in range(45):
        tab = rng.choice(tablets)
        roll = rng.random()
        visible = list(tab.replica["reports"])
        if roll < 0.35 and visible:
            rid = rng.choice(visible)
            if rng.random() < 0.3:
                status = rng.choice(STATUSES)
                # a tablet's "resolved" names its outcome (one without is rejected: invalid_outcome)
                tab.edit("reports", rid, status=status, **({"outcome": "warning"} if status == "resolved" else {}))
            else:
                tab.edit("reports", rid, **{rng.choice(FIELDS): f"v{seed}-{_step}"})
        elif roll < 0.45 and visible:
            note = uuid7()
            created_notes.add(note)
            tab.edit("notes", note, "create", report_id=rng.choice(visible), text=f"note {_step}")
        elif roll < 0.6:
            with contextlib.suppress(LostResponse):
                await tab.push(lose_response=rng.random() < 0.3, batch=rng.randint(1, 4))
        elif roll < 0.75:
            await tab.pull_page(limit=rng.randint(1, 3))  # partial pull
        elif roll < 0.9:
            async with ctx.sessions() as session:
                report = await session.get(Report, rng.choice(reports).id)
                assert report is not None
                action = rng.random()
                try:
                    if action < 0.4:
                        unit = await session.get(Unit, rng.choice(units).id)
                        assert unit is not None
                        await dispatch.assign(session, report, unit, DISPATCHER)
                    elif action < 0.8:
                        await dispatch.set_fields(session, report, {rng.choice(FIELDS): f"d{_step}"}, DISPATCHER)
                    elif report.status != "closed":
                        await dispatch.close(session, report, "unfounded", DISPATCHER, reason="не подтвердилось")
                    await session.commit()
                except ZanError:
                    await session.rollback()
        else:
            async with ctx.sessions() as session:
                top = await changes.max_seq(session)
                await changes.compact(session, upto_seq=rng.randint(0, top))
    for tab in tablets:
        while tab.outbox:
            await tab.push()
    for tab in tablets:
        await tab.pull_all()
        view = await server_view(ctx, tab)
        for name in view:
            for key in set(view[name]) | set(tab.replica[name]):
                assert tab.replica[name].get(key) == view[name].get(key), (seed, tab.device_id, name, key)
    async with ctx.sessions() as session:
        stored = set(map(str, await session.scalars(select(ReportNote.id))))  # type: ignore[call-overload]
        count = await session.scalar(select(func.count()).select_from(ReportNote))
    assert count == len(stored)
    # a note is lost only if its report was taken from the unit before the tablet ever had it in custody
    assert stored <= created_notes
