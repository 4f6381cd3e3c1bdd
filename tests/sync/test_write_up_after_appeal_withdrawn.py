"""A crew's write-up typed while its citizen withdrew their appeal: the withdrawal closes the report again, restoring
the decision appealed, and what the crew found on scene during the reconsideration is the record of police work
done, kept whichever decision comes back (sync.custody.closed_in_crews_hands). It was kept when the restored
decision was `resolved` and rejected `not_assigned` (the tablet dropping it) when it was `unfounded`."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Action, Actor, Outcome
from backend.sync.models import ReportField
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import DISPATCHER, Tablet, assigned_report

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("decision", [Action.CLOSE_UNFOUNDED, Action.RESOLVE])
async def test_the_write_up_of_a_report_whose_appeal_its_citizen_withdrew_is_kept(
        ctx: Context, decision: Action) -> None:
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    report = await assigned_report(ctx, unit)
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        citizen = By(Actor.CITIZEN, str(row.citizen_id), "test")
        await reports.change_status(session, row, decision, DISPATCHER, reason="проверено",
                                    **({"outcome": Outcome.WARNING} if decision is Action.RESOLVE else {}))
        await reports.reopen(session, row, citizen, "не согласен с решением")
        await dispatch.assign(session, row, unit, DISPATCHER)  # the appeal goes back to the same crew
        await session.commit()
    tab = Tablet(ctx, officer, unit.id)
    await tab.pull_all()
    tab.edit("reports", str(report.id), findings="Повторно опрошены соседи")  # offline, on scene
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await reports.withdraw(session, row, citizen, "передумал")  # the decision appealed stands again
        await session.commit()
        assert row.resolution == ("unfounded" if decision is Action.CLOSE_UNFOUNDED else "resolved")
    [result] = await tab.push()
    assert (result["status"], result["applied_fields"]) == ("applied", ["findings"]), result
    async with ctx.sessions() as session:
        value = await session.scalar(select(ReportField.value).where(  # type: ignore[call-overload]
            ReportField.report_id == report.id, ReportField.field == "findings"))  # type: ignore[arg-type]
    assert value == "Повторно опрошены соседи"
