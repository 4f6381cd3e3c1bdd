"""Anonymous appeals are not considered, except about crimes and threats to public security (law on appeals; the
taxonomy's `anonymous_allowed`). Intake refuses what it can tell, but admits an anonymous report when the classifier
abstains or is away; when routing or a dispatcher then puts it in a category that allows no anonymity, it is closed
as rejected with a public reason, by the system, audited (audit 2026-12-05: it stayed in triage, or was redirected,
i.e. considered)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from backend.audit.models import AuditLog
from backend.context import Context
from backend.reports.models import Report, ReportEvent
from backend.reports.texts import ANONYMOUS_NOT_CONSIDERED
from backend.reports.workflow import Status
from backend.routing import corrections
from backend.routing.jobs import route_report
from tests.core.factories import make_report, triage_report
from tests.helpers import PartnerClient, eventually
from tests.officers.factories import bearer, login, make_officer
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio

PARKING = "Машина постоянно паркуется на газоне во дворе, нарушает правила парковки"
POTHOLE = "Огромная яма на дороге возле школы, машины бьют колёса, не работает уличное освещение"


async def _reclassify(ctx: Context, http: httpx.AsyncClient, report_id: uuid.UUID, category: str) -> httpx.Response:
    officer, password = await make_officer(ctx, role="dispatcher")
    return await http.post(f"/api/v1/dispatch/reports/{report_id}/reclassify",
                           headers=bearer(await login(http, officer.badge_number, password)),
                           json={"category": category, "reason": "уточнено"})


async def _state(ctx: Context, report_id: uuid.UUID) -> tuple[Report, list[ReportEvent], list[AuditLog]]:
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
        events = list(await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report_id).order_by(ReportEvent.created_at)))  # type: ignore[arg-type]
        audit = list(await session.scalars(select(AuditLog).where(
            AuditLog.target_id == str(report_id)).order_by(AuditLog.at)))  # type: ignore[arg-type]
    assert report is not None
    return report, events, audit


def _assert_refused(report: Report, events: list[ReportEvent], audit: list[AuditLog], source: str) -> None:
    assert (report.status, report.resolution) == (Status.CLOSED.value, "rejected")
    [closing] = [e for e in events if e.to_status == Status.CLOSED.value]
    assert (closing.action, closing.actor_type, closing.public) == ("reject", "system", True)
    for lang, reason in ANONYMOUS_NOT_CONSIDERED.items():  # the public reason, in every language
        assert reason in closing.public_text[lang], closing.public_text
    assert closing.data["rule"] == "anonymous_not_allowed" and closing.data["source"] == source
    [line] = [a for a in audit if a.action == "report.close.rejected"]
    assert line.actor_type == "system" and line.data["category"] == report.category


@pytest.mark.parametrize("category", ["traffic_violation", "not_police", "illegal_trade"])
async def test_a_dispatchers_reclassification_refuses_the_anonymous_appeal(
        ctx: Context, app_client: httpx.AsyncClient, category: str) -> None:
    report = await triage_report(ctx, department="patrol_police", category="other_offence", anonymous=True)
    response = await _reclassify(ctx, app_client, report.id, category)
    assert response.status_code == 200, response.text
    _assert_refused(*await _state(ctx, report.id), source="dispatcher")
    # not redirected either: a redirect is a consideration of the appeal
    officer, password = await make_officer(ctx, role="dispatcher")
    again = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/close",
                                  headers=bearer(await login(app_client, officer.badge_number, password)),
                                  json={"how": "redirected", "reason": "не полиция", "redirect_to": "akimat"})
    assert again.status_code == 409


@pytest.mark.parametrize(("anonymous", "urgent", "category"), [
    (False, False, "traffic_violation"),  # named: considered
    (True, True, "traffic_violation"),  # urgent: never closed by a rule, someone may be in danger
    (True, False, "theft"),  # a crime: anonymity is allowed
])
async def test_what_the_rule_leaves_alone(ctx: Context, app_client: httpx.AsyncClient, anonymous: bool,
                                         urgent: bool, category: str) -> None:
    report = await triage_report(ctx, department="patrol_police", category="other_offence", anonymous=anonymous,
                                 urgent=urgent)
    assert (await _reclassify(ctx, app_client, report.id, category)).status_code == 200
    row, _, audit = await _state(ctx, report.id)
    assert row.status == Status.TRIAGE.value and not any(a.action.startswith("report.close") for a in audit)


async def test_a_report_being_worked_is_left_to_its_unit(ctx: Context) -> None:
    from tests.officers.factories import make_unit
    from tests.sync.conftest import assigned_report

    report = await assigned_report(ctx, await make_unit(ctx), anonymous=True, category="other_offence")
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await corrections.reclassify(session, row, "traffic_violation", "уточнено", DISPATCHER)
        await session.commit()
        assert row.status == Status.ASSIGNED.value


async def test_a_report_awaiting_its_reporter_with_no_unit_is_refused_as_any_unheld_one(ctx: Context) -> None:
    """Asked before a unit was sent, the report is still unworked (the workflow's unheld sources): the rule closes
    it as from triage (it used to be asked as if a unit held it, and stayed open, i.e. considered)."""
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.AWAITING_REPORTER, category="other_offence",
                                   anonymous=True)
        await session.commit()
        assert report.unit_id is None
        await corrections.reclassify(session, report, "traffic_violation", "уточнено", DISPATCHER)
        await session.commit()
    _assert_refused(*await _state(ctx, report.id), source="dispatcher")


async def test_the_refused_report_leaves_its_incident_and_the_others_stay_open(ctx: Context) -> None:
    async with ctx.sessions() as session:
        anonymous = await make_report(session, status=Status.TRIAGE, category="other_offence", anonymous=True)
        named = await make_report(session, status=Status.TRIAGE, category="other_offence")
        anonymous.incident_id = named.incident_id = anonymous.id  # the anonymous report leads the incident
        await session.commit()
        await corrections.reclassify(session, anonymous, "traffic_violation", "уточнено", DISPATCHER)
        await session.commit()
    refused, _, _ = await _state(ctx, anonymous.id)
    other, other_events, _ = await _state(ctx, named.id)
    assert refused.status == Status.CLOSED.value and refused.incident_id is None
    # the named reporter's report neither closed with it nor was told anything
    assert other.status == Status.TRIAGE.value and other.incident_id is None
    assert not any(e.action == "reject" for e in other_events)


@pytest.mark.parametrize("text", [PARKING, POTHOLE])
async def test_routing_refuses_an_anonymous_appeal_it_is_sure_of(ctx: Context, text: str) -> None:
    """Registered while the model was away (intake admitted it), routed when the model is back."""
    async with ctx.sessions() as session:
        report = await make_report(session, text=text, anonymous=True)
        await session.commit()
    await route_report(ctx, {"report_id": str(report.id)})
    row, events, audit = await _state(ctx, report.id)
    _assert_refused(row, events, audit, source="model")
    assert row.category in ("traffic_violation", "not_police") and not any(e.action == "redirect" for e in events)


async def test_routing_refuses_it_from_triage_too(ctx: Context, citizen: PartnerClient) -> None:
    """The model was down at intake: the report waited in triage; the retried routing job classifies it."""
    ctx.settings = ctx.settings.with_(enable_routing=False)
    response = await citizen.submit(PARKING, anonymous=True)
    assert response.status_code == 201, response.text  # no model to tell at intake
    report_id = uuid.UUID(response.json()["id"])

    async def in_triage() -> bool:
        async with ctx.sessions() as session:
            found = await session.get(Report, report_id)
        return found is not None and found.routing_state == "done" and found.status == Status.TRIAGE.value

    await eventually(in_triage)
    async with ctx.sessions() as session:
        row = await session.get(Report, report_id)
        assert row is not None
        row.routing_state = "failed"  # as a model that failed to load leaves it, to be retried
        await session.commit()
    ctx.settings = ctx.settings.with_(enable_routing=True)
    await route_report(ctx, {"report_id": str(report_id)})
    _assert_refused(*await _state(ctx, report_id), source="model")


async def test_routing_leaves_an_urgent_anonymous_report_open(ctx: Context) -> None:
    async with ctx.sessions() as session:
        report = await make_report(session, text=PARKING, anonymous=True, urgent=True, priority="urgent")
        await session.commit()
    await route_report(ctx, {"report_id": str(report.id)})
    row, _, _ = await _state(ctx, report.id)
    assert row.status != Status.CLOSED.value
