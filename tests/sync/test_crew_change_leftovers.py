"""Two questions about a report that changed crews, judged not to be defects; these tests pin what holds.

- Evidence an old crew recorded is accepted however long after the crew changed (no time limit): a tablet may come
  back after weeks off the network (a district inspector's post in the steppe, a tablet left switched off), and a
  limit would throw away field evidence, the one thing the protocol's chain of custody must keep (tablet-sync.md:
  a late note from the previous assignee is accepted). Nothing is hidden by the lateness: the item records the
  tablet's `device_time` and the server's `created_at`, so oversight sees the gap, and it is accepted only from an
  officer whose crew held the report (before they left it, for a moved officer).
- A crew whose tenure began after the report's earlier moves sees everything the report carries: the earlier crews'
  write-ups, notes and evidence. Pull answers each entity's current state for the caller, not a replay of
  operations (tablet-sync.md), so the assignment history itself is on no tablet, for any crew: it is the console's
  (backend.dispatch.history), as for a crew that held the report from the start.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.dispatch.models import Assignment
from backend.lib.clock import utcnow
from backend.officers.models import UnitMember
from backend.reports.models import Report
from backend.sync.models import Evidence, UnitTenure
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import Tablet, assigned_report, crew_tablets, move_officer, reassign, uuid7

pytestmark = pytest.mark.anyio
AGO = timedelta(days=60)


async def _all_of_it_weeks_ago(ctx: Context, report: Report, officer_ids: list[uuid.UUID]) -> None:
    """Everything so far (the report's assignments, the officers' memberships, ended or not) moved AGO back."""
    async with ctx.sessions() as session:
        rows: list[Any] = list(await session.scalars(select(Assignment).where(
            col(Assignment.report_id) == report.id)))
        for model in (UnitMember, UnitTenure):
            rows += await session.scalars(select(model).where(col(model.officer_id).in_(officer_ids)))
        for row in rows:
            for name in ("assigned_at", "released_at", "since", "until"):
                if getattr(row, name, None) is not None:
                    setattr(row, name, getattr(row, name) - AGO)
        await session.commit()


def _photo(tablet: Tablet, report: Report, name: str) -> tuple[str, str]:
    data = f"{name}-{uuid.uuid4()}".encode()
    evidence_id = uuid7()
    m = tablet.edit("evidence", evidence_id, "create", report_id=str(report.id),
                    sha256=hashlib.sha256(data).hexdigest(), size=len(data), content_type="image/jpeg")
    m.device_time = utcnow() - AGO - timedelta(hours=1)  # taken on scene, before the crew changed
    return evidence_id, m.mutation_id


@pytest.mark.parametrize("change", ["reassigned", "officer_moved"])
async def test_evidence_of_an_old_crew_is_accepted_weeks_after_the_change(ctx: Context, change: str) -> None:
    unit, tablet, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await tablet.pull_all()
    evidence_id, _ = _photo(tablet, report, "door")
    if change == "reassigned":
        await reassign(ctx, report, await make_unit(ctx))
    else:
        new_unit = await make_unit(ctx)
        await move_officer(ctx, tablet.officer, new_unit)
        tablet.unit_id = new_unit.id
    await _all_of_it_weeks_ago(ctx, report, [tablet.officer.id])
    (result,) = await tablet.push()  # the tablet back on the network two months later
    assert (result["status"], result["reason"]) == ("applied", None), result
    async with ctx.sessions() as session:
        item = await session.get(Evidence, uuid.UUID(evidence_id))
    assert item is not None and item.officer_id == tablet.officer.id
    assert item.device_time is not None and item.created_at - item.device_time > AGO  # the gap is on the record


async def test_a_newcomer_to_the_crew_sees_what_earlier_crews_left_on_the_report(ctx: Context) -> None:
    first_unit, first, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, first_unit)
    await first.pull_all()
    note_id = uuid7()
    first.edit("notes", note_id, "create", report_id=str(report.id), text="Сосед снизу слышал крики в 23:40")
    first.edit("reports", str(report.id), findings="Дверь вскрыта")
    evidence_id, _ = _photo(first, report, "lock")
    assert [r["status"] for r in await first.push()] == ["applied", "applied", "applied"]
    second_unit, old_hand, _ = await crew_tablets(ctx)
    await reassign(ctx, report, second_unit)
    newcomer_officer, _ = await make_officer(ctx)
    await move_officer(ctx, newcomer_officer, second_unit)  # joins after the report's move
    newcomer = Tablet(ctx, newcomer_officer, second_unit.id)
    await newcomer.pull_all()
    await old_hand.pull_all()
    row = newcomer.replica["reports"][str(report.id)]
    assert row["findings"] == "Дверь вскрыта"
    assert set(newcomer.replica["notes"]) == {note_id} and set(newcomer.replica["evidence"]) == {evidence_id}
    assert newcomer.replica == old_hand.replica  # the tenure changes nothing of what the crew sees
