"""A dispatcher's reclassify picks the department the routing rules give the new category (district and local time
of the report, as the routing job does), and its decision records the rule, the rules' version and the decision it
overrides; where no rule names a department, the category's own (the taxonomy's) stays."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Actor, Status
from backend.routing import corrections
from backend.routing.models import RoutingDecision
from ml.routing_rules import load_rules
from ml.taxonomy import load_taxonomy
from tests.core.factories import make_report

pytestmark = pytest.mark.anyio
DISPATCHER = By(Actor.DISPATCHER, "disp-1", "console")
# 02:30 and 14:30 in Almaty (UTC+5), stored as UTC as the backend does
NIGHT = dt.datetime(2026, 3, 10, 21, 30, tzinfo=dt.UTC)
DAY = dt.datetime(2026, 3, 11, 9, 30, tzinfo=dt.UTC)


async def _reclassify(ctx: Context, at: dt.datetime, category: str,
                      model_decision: bool = True) -> tuple[Report, RoutingDecision, RoutingDecision | None]:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, category="other_offence", district="almaty",
                                   department="patrol_police", created_at=at)
        model = None
        if model_decision:
            model = RoutingDecision(report_id=report.id, source="model", category="other_offence",
                                    department="patrol_police", rule_id="night-almaty", district="almaty",
                                    created_at=at + dt.timedelta(seconds=5))
            session.add(model)
        await session.commit()
    async with ctx.sessions() as session:
        await corrections.lock_incidents(session, [report.id])
        fresh = await session.get(Report, report.id, populate_existing=True)
        assert fresh is not None
        await corrections.reclassify(session, fresh, category, "это порча имущества", DISPATCHER)
        await session.commit()
    async with ctx.sessions() as session:
        saved = await session.get(Report, report.id)
        staff = await session.scalar(select(RoutingDecision).where(
            RoutingDecision.report_id == report.id, RoutingDecision.source == "dispatcher"))  # type: ignore[arg-type]
    assert saved is not None and staff is not None
    return saved, staff, model


async def test_reclassify_applies_the_night_rule_of_the_district(ctx: Context) -> None:
    assert load_taxonomy().category("vandalism").department == "district_inspector"
    report, staff, model = await _reclassify(ctx, NIGHT, "vandalism")
    assert report.category == "vandalism"
    assert report.department == "patrol_police"  # night-almaty, not the taxonomy's district_inspector
    assert staff.department == "patrol_police"
    assert staff.rule_id == "night-almaty"
    assert staff.unit == "almaty-patrol-night"
    assert staff.inputs["rules_version"] == load_rules().version
    assert model is not None and staff.inputs["overrides"] == str(model.id)


async def test_reclassify_by_day_keeps_the_category_department(ctx: Context) -> None:
    report, staff, _ = await _reclassify(ctx, DAY, "vandalism", model_decision=False)
    assert report.department == "district_inspector"
    assert staff.department == "district_inspector"
    assert staff.rule_id == "vandalism-any"
    assert staff.inputs["overrides"] is None
