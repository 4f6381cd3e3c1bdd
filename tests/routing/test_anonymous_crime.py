"""An anonymous report that tells a crime is considered whatever its category (law on appeals: anonymous appeals are
not considered "except information about prepared or committed crimes"). A traffic inspector extorting a bribe, a
detainee beaten, drugs planted are complaints about the police, a category that allows no anonymity, and were refused
at intake (422) and closed by routing; rudeness or plain inaction is still refused (ml.anonymity).

The rule is read one way everywhere, on what the citizen says happened: intake, the routing job, a dispatcher's
reclassification and the router's decision (what `zan ml route` prints) give one answer; a text that denies a bribe
or a beating tells no crime; the preview tells the language intake registers a report in; the routing decision and
the closing it makes record the crime cues' version."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Status
from backend.routing import corrections
from backend.routing.jobs import route_report
from backend.routing.models import RoutingDecision
from backend.routing.service import router
from ml.crime_cues import CRIME_CUES_VERSION
from tests.core.factories import make_report
from tests.helpers import PartnerClient
from tests.routing.helpers import routed
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio

CRIMES = {
    "ru_bribe": "Инспектор ДПС вымогал у меня 20 тысяч, чтобы не составлять протокол",
    "ru_planted": "Полицейские подкинули наркотики моему сыну при обыске",
    "ru_beaten": "Полицейские избили задержанного в отделе",
    "kk_bribe": "Полиция қызметкері пара сұрады",
    "kk_no_protocol": "Жол полициясы қызметкері хаттамасыз ақша сұрады",
}
NOT_CRIMES = {
    "ru_rude": "Полицейский грубо разговаривал и оскорблял меня",
    "kk_rude_inaction": "Учаскелік дөрекі сөйледі, арызымды қабылдамады",
}
# rudeness that denies a crime: the cues read "взятку", "бил", "ұрған" and "beat" in them
DENIED = {
    "ru_bribe": "Инспектор взятку не просил, но грубо разговаривал и оскорблял меня",
    "ru_beating": "Полицейский не бил меня, но грубо разговаривал и оскорблял",
    "kk_beating": "Учаскелік мені ұрған жоқ, бірақ дөрекі сөйледі, арызымды қабылдамады",
    "en_beating": "The police officer was rude to me and insulted me, he did not beat me",
}


async def _closings(ctx: Context, report_id: uuid.UUID) -> tuple[Report, list[ReportEvent]]:
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id, populate_existing=True)
        events = list(await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report_id, ReportEvent.to_status == Status.CLOSED.value)))  # type: ignore[arg-type]
    assert report is not None
    return report, events


@pytest.mark.parametrize("text", CRIMES.values(), ids=CRIMES.keys())
@pytest.mark.parametrize("hint", [None, "police_complaint"])
async def test_an_anonymous_report_of_a_crime_by_the_police_is_taken_and_routed(
        ctx: Context, citizen: PartnerClient, text: str, hint: str | None) -> None:
    response = await citizen.submit(text, anonymous=True, **({"category": hint} if hint else {}))
    assert response.status_code == 201, response.text
    report = await routed(ctx, uuid.UUID(response.json()["id"]))
    report, closings = await _closings(ctx, report.id)
    # the routing job's model is sure it is a complaint about the police, and still does not reject it
    assert report.category == "police_complaint" and not closings
    assert report.status == Status.TRIAGE.value  # restricted: internal security takes it from triage


@pytest.mark.parametrize("text", NOT_CRIMES.values(), ids=NOT_CRIMES.keys())
@pytest.mark.parametrize("hint", [None, "police_complaint"])
async def test_an_anonymous_complaint_of_rudeness_is_still_refused(citizen: PartnerClient, text: str,
                                                                  hint: str | None) -> None:
    response = await citizen.submit(text, anonymous=True, **({"category": hint} if hint else {}))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "report.anonymous_not_allowed"


@pytest.mark.parametrize(("text", "refused"), [
    (CRIMES["ru_bribe"], False), (CRIMES["kk_bribe"], False),
    (NOT_CRIMES["ru_rude"], True), (NOT_CRIMES["kk_rude_inaction"], True),
], ids=["ru_bribe", "kk_bribe", "ru_rude", "kk_rude_inaction"])
async def test_routing_after_intake_admitted_it_rejects_only_what_tells_no_crime(ctx: Context, text: str,
                                                                                 refused: bool) -> None:
    """Registered while the model was away (intake admitted it), routed when it is back."""
    async with ctx.sessions() as session:
        report = await make_report(session, text=text, anonymous=True)
        await session.commit()
    await route_report(ctx, {"report_id": str(report.id)})
    row, closings = await _closings(ctx, report.id)
    assert row.category == "police_complaint"
    assert (row.status == Status.CLOSED.value and len(closings) == 1) is refused
    assert (row.resolution == "rejected") is refused


@pytest.mark.parametrize(("category", "text"), [
    ("police_complaint", "Участковый берет деньги с торговцев на рынке каждый день"),
    ("traffic_violation", "Водитель сбил пешехода на переходе и скрылся"),
    ("traffic_violation", "Пьяный водитель, его лишили прав в прошлом году, снова за рулём"),
    ("illegal_trade", "На рынке продают палёную водку, сосед отравился и в реанимации"),
], ids=["officer_takes_from_traders", "hit_pedestrian_fled", "drunk_while_deprived", "poisonous_alcohol"])
async def test_a_dispatchers_reclassification_keeps_an_anonymous_crime_open(ctx: Context, category: str,
                                                                            text: str) -> None:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, category="other_offence", anonymous=True,
                                   text=text)
        await session.commit()
        await corrections.reclassify(session, report, category, "уточнено", DISPATCHER)
        await session.commit()
    row, closings = await _closings(ctx, report.id)
    assert row.category == category and row.status == Status.TRIAGE.value and not closings


@pytest.mark.parametrize(("text", "considered"), [(CRIMES["ru_bribe"], True), (NOT_CRIMES["ru_rude"], False)],
                         ids=["bribe", "rude"])
async def test_the_routers_decision_tells_the_rule_intake_applies(ctx: Context, text: str, considered: bool) -> None:
    decision = router(ctx).route(text, 51.13, 71.43)
    assert decision.category == "police_complaint"  # a category whose flag refuses anonymity
    assert decision.anonymous_allowed is considered


@pytest.mark.parametrize("text", DENIED.values(), ids=DENIED.keys())
async def test_an_anonymous_complaint_that_denies_a_crime_is_refused_at_intake(citizen: PartnerClient,
                                                                              text: str) -> None:
    response = await citizen.submit(text, anonymous=True, category="police_complaint")
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "report.anonymous_not_allowed"


@pytest.mark.parametrize("text", DENIED.values(), ids=DENIED.keys())
async def test_a_dispatchers_reclassification_refuses_an_anonymous_complaint_that_denies_a_crime(
        ctx: Context, text: str) -> None:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, category="other_offence", anonymous=True,
                                   text=text)
        await session.commit()
        await corrections.reclassify(session, report, "police_complaint", "уточнено", DISPATCHER)
        await session.commit()
    row, [closing] = await _closings(ctx, report.id)
    assert (row.status, row.resolution) == (Status.CLOSED.value, "rejected")
    assert closing.data["crime_cues"] == CRIME_CUES_VERSION  # which cues found no crime


async def test_the_routing_decision_records_the_crime_cues_version(ctx: Context) -> None:
    async with ctx.sessions() as session:
        report = await make_report(session, text=CRIMES["ru_bribe"], anonymous=True)
        await session.commit()
    await route_report(ctx, {"report_id": str(report.id)})
    async with ctx.sessions() as session:
        [decision] = list(await session.scalars(select(RoutingDecision).where(
            RoutingDecision.report_id == report.id)))  # type: ignore[arg-type]
    assert decision.inputs["crime_cues"] == CRIME_CUES_VERSION


@pytest.mark.parametrize(("text", "asked", "language"), [
    ("ДТП", "kk", "kk"), ("Помогите", "en", "en"),  # undecided: the app's
    ("Украли телефон", "kk", "ru"), ("Полиция келмеді", "ru", "kk"),  # decided: the text's
])
async def test_the_preview_tells_the_language_the_report_is_registered_in(
        citizen: PartnerClient, text: str, asked: str, language: str) -> None:
    citizen.lang = asked
    preview = await citizen.post("/api/v1/routing/preview", {"text": text, "lat": 51.13, "lon": 71.43})
    assert preview.status_code == 200, preview.text
    registered = await citizen.submit(text)
    assert registered.status_code == 201, registered.text
    assert preview.json()["language"] == registered.json()["language"] == language


async def test_the_preview_without_an_asked_language_detects_it(citizen: PartnerClient) -> None:
    """No language asked: the preview's `lang` falls back to the app-wide default for its texts, which is no
    citizen's choice of language for the report: detected, as intake registers it."""
    citizen.lang = ""
    preview = await citizen.post("/api/v1/routing/preview", {"text": "ДТП"})
    registered = await citizen.submit("ДТП")
    assert preview.json()["language"] == registered.json()["language"] == "ru"
