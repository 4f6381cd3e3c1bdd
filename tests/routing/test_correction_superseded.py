"""A report's stored correction is its latest one. `zan ml retrain` trains on every stored row: a report corrected
twice (a wrong category, then the right one) taught the model its text under both labels, and a report corrected
into an ordinary category and then found to be domestic violence kept its text among the training examples, copied
next to every retrained model, although a restricted report's text must never leave the protected record."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.reports.service import By
from backend.reports.workflow import Actor, Status
from backend.routing import corrections, jobs
from backend.routing.models import LabelledExample
from tests.core.factories import make_report
from tests.routing.test_late_routing import decision

pytestmark = pytest.mark.anyio
DISPATCHER = By(Actor.DISPATCHER, "disp-1", "console")


async def _examples(ctx: Context) -> list[tuple[object, str]]:
    async with ctx.sessions() as session:
        return [(e.report_id, e.label) for e in await session.scalars(select(LabelledExample))]


async def test_a_report_corrected_again_keeps_only_its_latest_example(ctx: Context) -> None:
    async with ctx.sessions() as session:
        plain = await make_report(session, status=Status.TRIAGE, category="other_offence",
                                  text="Сняли деньги с карты после звонка из банка")
        family = await make_report(session, status=Status.TRIAGE, category="other_offence",
                                   text="Сосед шумит, кричит на жену")
        await session.commit()
    for report, category in ((plain, "theft"), (plain, "fraud"), (family, "public_order")):
        async with ctx.sessions() as session:
            await corrections.lock_incidents(session, [report.id])
            row = await session.get(type(report), report.id)
            assert row is not None
            await corrections.reclassify(session, row, category, "уточнено", DISPATCHER)
            await session.commit()
    assert sorted(await _examples(ctx), key=str) == sorted([(plain.id, "fraud"), (family.id, "public_order")], key=str)

    async with ctx.sessions() as session:  # found to be domestic violence by a supervisor
        await corrections.lock_incidents(session, [family.id])
        row = await session.get(type(family), family.id)
        assert row is not None
        await corrections.reclassify(session, row, "domestic_violence", "бытовое насилие", DISPATCHER)
        await session.commit()
    assert await _examples(ctx) == [(plain.id, "fraud")]


async def test_late_routing_that_restricts_a_corrected_report_drops_its_example(ctx: Context) -> None:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, category="other_offence", routing_state="failed",
                                   text="Муж бьёт меня, во дворе шум")
        await session.commit()
    async with ctx.sessions() as session:
        await corrections.lock_incidents(session, [report.id])
        row = await session.get(type(report), report.id)
        assert row is not None
        await corrections.reclassify(session, row, "public_order", "шум во дворе", DISPATCHER)
        await session.commit()
    assert await _examples(ctx) == [(report.id, "public_order")]

    await jobs._apply(ctx, report.id, decision("domestic_violence", restricted=True), None)
    assert await _examples(ctx) == []
