"""The anonymity rule (ml.anonymity) read one way everywhere, on what the citizen says happened: intake, the routing
job, a dispatcher's reclassification and the router's decision (what `zan ml route` prints) give one answer; a text
that denies a bribe or a beating tells no crime; the preview tells the language intake registers a report in; the
routing decision and the closing it makes record the crime cues' version."""

from __future__ import annotations

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
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio

BRIBE = "Инспектор ДПС вымогал у меня 20 тысяч, чтобы не составлять протокол"
RUDE = "Полицейский грубо разговаривал и оскорблял меня"
# rudeness that denies a crime: the cues read "взятку", "бил", "ұрған" and "beat" in them
DENIED = {
    "ru_bribe": "Инспектор взятку не просил, но грубо разговаривал и оскорблял меня",
    "ru_beating": "Полицейский не бил меня, но грубо разговаривал и оскорблял",
    "kk_beating": "Учаскелік мені ұрған жоқ, бірақ дөрекі сөйледі, арызымды қабылдамады",
    "en_beating": "The police officer was rude to me and insulted me, he did not beat me",
}


@pytest.mark.parametrize(("text", "considered"), [(BRIBE, True), (RUDE, False)], ids=["bribe", "rude"])
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
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        [closing] = list(await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.to_status == Status.CLOSED.value)))  # type: ignore[arg-type]
    assert row is not None and (row.status, row.resolution) == (Status.CLOSED.value, "rejected")
    assert closing.data["crime_cues"] == CRIME_CUES_VERSION  # which cues found no crime


async def test_the_routing_decision_records_the_crime_cues_version(ctx: Context) -> None:
    async with ctx.sessions() as session:
        report = await make_report(session, text=BRIBE, anonymous=True)
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
