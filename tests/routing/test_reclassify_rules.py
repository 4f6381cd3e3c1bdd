"""A dispatcher's reclassify picks the department the routing rules give the new category (district and local time
of the report, as the routing job does), and its decision records the rule, the rules' version and the decision it
overrides; where no rule names a department, the category's own (the taxonomy's) stays. The priority comes the one
way the routing job's does: the rule's override, else the category's default."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Actor, Status
from backend.routing import corrections
from backend.routing.models import RoutingDecision
from backend.routing.service import routing_rules
from ml.router import Router
from ml.routing_rules import RULES_PATH, load_rules
from ml.taxonomy import load_taxonomy
from tests.core.factories import make_report

pytestmark = pytest.mark.anyio
DISPATCHER = By(Actor.DISPATCHER, "disp-1", "console")
# 02:30 and 14:30 in Almaty (UTC+5), stored as UTC as the backend does
NIGHT = dt.datetime(2026, 3, 10, 21, 30, tzinfo=dt.UTC)
DAY = dt.datetime(2026, 3, 11, 9, 30, tzinfo=dt.UTC)


async def _staff_reclassifies(ctx: Context, report_id: uuid.UUID, category: str, reason: str) -> None:
    """A dispatcher's reclassification, as the controller runs it: the incident locked, the report read afresh."""
    async with ctx.sessions() as session:
        await corrections.lock_incidents(session, [report_id])
        fresh = await session.get(Report, report_id, populate_existing=True)
        assert fresh is not None
        await corrections.reclassify(session, fresh, category, reason, DISPATCHER, rules=routing_rules(ctx))
        await session.commit()


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
    await _staff_reclassifies(ctx, report.id, category, "это порча имущества")
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


def _rules_raising_night_vandalism(tmp_path: Path) -> Path:
    """The bundled rules with one in front that ranks vandalism at night in Almaty "high" (the category's default
    is "low"), as a region may decide for its night shift (its ZAN_ROUTING_RULES_FILE)."""
    raw = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    raw["version"] = "test-night-vandalism"
    raw["rules"].insert(0, {"id": "vandalism-night-almaty-high", "category": "vandalism", "district": "almaty",
                            "window": "night", "department": "patrol_police", "unit": "almaty-patrol-night",
                            "priority": "high"})
    path = tmp_path / "night_vandalism_rules.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


@pytest.mark.parametrize(("at", "rule_id", "decided", "report_priority"), [
    (NIGHT, "vandalism-night-almaty-high", "high", "high"),
    # by day no rule overrides: the category's "low", and the report keeps its "normal" (never lowered)
    (DAY, "vandalism-any", "low", "normal"),
])
async def test_reclassify_takes_the_rule_priority_as_the_model_path_does(
        ctx: Context, tmp_path: Path, at: dt.datetime, rule_id: str, decided: str, report_priority: str) -> None:
    ctx.settings = ctx.settings.with_(routing_rules_file=_rules_raising_night_vandalism(tmp_path))
    rules = routing_rules(ctx)
    assert load_taxonomy().category("vandalism").default_priority == "low"
    # the model path on the same rules: a router without a model routes by the citizen's category choice
    model_path = Router(None, rules=rules).route("Разбили витрину магазина", 43.2389, 76.8897, at, "vandalism")
    assert (model_path.district, model_path.rule_id, model_path.priority) == ("almaty", rule_id, decided)

    report, staff, _ = await _reclassify(ctx, at, "vandalism", model_decision=False)
    assert staff.rule_id == rule_id and staff.priority == model_path.priority
    assert report.priority == report_priority
    async with ctx.sessions() as session:
        event = await session.scalar(select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.action == "reclassified"))  # type: ignore[arg-type]
    assert event is not None
    assert event.data["priority_to"] == report_priority and event.data["rule_id"] == rule_id
    assert event.data["rules_version"] == "test-night-vandalism"


async def test_reclassify_keeps_an_urgent_report_urgent(ctx: Context) -> None:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, category="other_offence", district="almaty",
                                   urgent=True, priority="urgent", created_at=DAY)
        await session.commit()
    await _staff_reclassifies(ctx, report.id, "vandalism", "это порча имущества")
    async with ctx.sessions() as session:
        fresh = await session.get(Report, report.id)
        staff = await session.scalar(select(RoutingDecision).where(RoutingDecision.report_id == report.id))  # type: ignore[arg-type]
    assert fresh is not None and fresh.priority == "urgent" and staff is not None and staff.priority == "urgent"


async def test_intake_ranks_the_citizens_pick_by_its_rule(ctx: Context, tmp_path: Path) -> None:
    """Registration gives the citizen's own category the priority the routing job would (the rule's override), so
    the report is not ranked low in the queue while it waits for the model."""
    from backend.routing import service

    raw = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    raw["rules"].insert(0, {"id": "vandalism-almaty-high", "category": "vandalism", "district": "almaty",
                            "window": "*", "department": "district_inspector", "unit": "almaty-inspectors",
                            "priority": "high"})
    path = tmp_path / "vandalism_rules.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    ctx.settings = ctx.settings.with_(routing_rules_file=path)
    rules = service.routing_rules(ctx)
    text = "Разбили витрину магазина"
    almaty = service.assess_intake(ctx, text, 43.2389, 76.8897, "vandalism", None)
    model_path = Router(None, rules=rules).route(text, 43.2389, 76.8897, None, "vandalism")
    assert (almaty.district, almaty.priority) == ("almaty", "high") == (model_path.district, model_path.priority)
    # elsewhere no rule overrides: the category's default
    assert service.assess_intake(ctx, text, 51.16, 71.47, "vandalism", None).priority == "low"


@pytest.mark.parametrize(("text", "was", "now"), [
    pytest.param("Соседи сейчас скандалят, муж кричит на жену", "public_order", "domestic_violence",
                 id="family-violence-now"),
    pytest.param("Сейчас во дворе подростки снимают колёса с машины", "vandalism", "theft", id="theft-now"),
])
async def test_reclassify_reads_urgency_for_the_new_category(ctx: Context, text: str, was: str, now: str) -> None:
    """Family violence or a theft happening now is urgent (as the routing job reads the text for that category): a
    dispatcher's reclassification to it makes the report urgent and offers it to the duty officers on shift."""
    from backend.jobs.models import OutboxTask
    from ml.urgency import detect_urgency

    assert not detect_urgency(text, "ru", was).urgent and detect_urgency(text, "ru", now).urgent
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, text=text, category=was, district="almaty",
                                   priority="normal", created_at=DAY)
        await session.commit()
    await _staff_reclassifies(ctx, report.id, now, "это происходит сейчас")
    async with ctx.sessions() as session:
        saved = await session.get(Report, report.id)
        offer = await session.scalar(select(OutboxTask).where(
            OutboxTask.dedupe_key == f"offer-urgent:{report.id}"))  # type: ignore[arg-type]
        event = await session.scalar(select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.action == "reclassified"))  # type: ignore[arg-type]
    assert saved is not None and (saved.urgent, saved.priority) == (True, "urgent")
    assert offer is not None and offer.task == "reports.offer_urgent"
    assert event is not None and event.data["became_urgent"] is True
