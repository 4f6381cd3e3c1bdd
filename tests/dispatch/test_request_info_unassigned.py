# ruff: noqa: F811  (the duty bot fixture is imported from tests/bots/conftest.py and taken as a parameter)
"""The duty officer asks the reporter before any unit is assigned: triage is when information is most needed (which
entrance, is the man still there), and the workflow allowed the question only once a unit held the report (409
`report.transition_forbidden`). The reporter's answer puts such a report back to the dispatch queue (triage), not "in
work" with no one working it; asked of a report a unit holds, it still resumes the work. Who may ask is unchanged:
the console's dispatch roles of the report's region (a field officer asks from the tablet of the crew holding it)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from backend.reports.models import Report
from backend.reports.workflow import Status
from tests.bots.conftest import officer_bot  # noqa: F401  (fixture: the duty bot on the fake Bot API)
from tests.core.factories import triage_report
from tests.core.test_resilience_edge_cases import DUTY_CHAT, KNIFE, _officer_on_duty
from tests.fakes.telegram import FakeBot
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.reports.step_helpers import settled_report

pytestmark = pytest.mark.anyio
QUESTION = "Какой подъезд и этаж? Он всё ещё там?"


async def _console(ctx: Context, http: httpx.AsyncClient, role: str = "dispatcher", **fields: object) -> dict[str, str]:
    officer, password = await make_officer(ctx, role=role, **fields)  # type: ignore[arg-type]
    return bearer(await login(http, officer.badge_number, password))


async def _answer(citizen: PartnerClient, report_id: str, text: str) -> None:
    sent = await citizen.post(f"/api/v1/reports/{report_id}/comments", {"text": text},
                              headers={"Idempotency-Key": str(uuid.uuid4())})
    assert sent.status_code == 201, sent.text


async def _queued(http: httpx.AsyncClient, console: dict[str, str]) -> dict[str, dict[str, object]]:
    page = await http.get("/api/v1/dispatch/queue?limit=200", headers=console)
    assert page.status_code == 200, page.text
    return {card["id"]: card for card in page.json()["items"]}


async def test_the_duty_officer_asks_before_a_unit_and_the_answer_returns_it_to_the_queue(
        ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient) -> None:
    report_id = await settled_report(ctx, citizen, "В подъезде на Кенесары 40 ходит мужчина и стучит в двери")
    async with ctx.sessions() as session:
        waiting = await session.get(Report, uuid.UUID(report_id))
    assert waiting is not None and waiting.unit_id is None
    assert waiting.status in (Status.REGISTERED, Status.TRIAGE)
    console = await _console(ctx, app_client)

    asked = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/request-info", headers=console,
                                  json={"reason": QUESTION})
    assert asked.status_code == 200, asked.text
    assert (asked.json()["status"], asked.json()["unit_id"]) == ("awaiting_reporter", None)
    shown = (await citizen.get(f"/api/v1/reports/{report_id}")).json()
    assert shown["status"] == "needs_input"
    assert shown["timeline"][-1]["text"] == f"Нужны дополнительные сведения: {QUESTION}"
    # still the duty officer's to send a unit to while the answer is awaited
    assert (await _queued(app_client, console))[report_id]["status"] == "awaiting_reporter"

    await _answer(citizen, report_id, "Третий подъезд, пятый этаж, он ещё здесь")
    assert (await citizen.get(f"/api/v1/reports/{report_id}")).json()["status"] == "under_review"
    card = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}", headers=console)).json()
    assert (card["status"], card["unit_id"]) == ("triage", None)
    assert [c["text"] for c in card["comments"]] == ["Третий подъезд, пятый этаж, он ещё здесь"]
    assert (await _queued(app_client, console))[report_id]["status"] == "triage"

    unit = await make_unit(ctx)
    sent = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/assign", headers=console,
                                 json={"unit_id": str(unit.id)})
    assert sent.status_code == 200, sent.text
    assert sent.json()["report"]["status"] == "assigned"


async def test_who_may_ask_before_a_unit_is_unchanged(ctx: Context, citizen: PartnerClient,
                                                      app_client: httpx.AsyncClient) -> None:
    """Prosecutors read; field officers (a district inspector of the report's district, who may read it) ask from
    the tablet of the crew holding a report, not from the console; a duty officer of another region gets the 404 a
    missing report gets. None of them moved the report."""
    report_id = await settled_report(ctx, citizen, "Во дворе на Кенесары 40 кто-то вскрывает машины")
    refused = [
        (await _console(ctx, app_client, role="prosecutor"), 403),
        (await _console(ctx, app_client, role="district_inspector", department="district_inspector"), 403),
        (await _console(ctx, app_client, district="almaty"), 404),
    ]
    for headers, status in refused:
        answer = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/request-info", headers=headers,
                                       json={"reason": QUESTION})
        assert answer.status_code == status, answer.text
    assert (await citizen.get(f"/api/v1/reports/{report_id}")).json()["status"] != "needs_input"
    supervisor = await _console(ctx, app_client, role="supervisor")
    asked = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/request-info", headers=supervisor,
                                  json={"reason": QUESTION})
    assert asked.status_code == 200, asked.text


async def test_an_answer_to_a_question_asked_under_a_unit_still_resumes_the_work(
        ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient) -> None:
    """Asked in triage and then assigned: the answer is a comment on the unit's report. Asked while a unit holds
    it: the answer puts it back in work, as before."""
    report_id = await settled_report(ctx, citizen, "Угнали машину со двора на Кенесары 40")
    console = await _console(ctx, app_client)
    unit = await make_unit(ctx)
    assert (await app_client.post(f"/api/v1/dispatch/reports/{report_id}/assign", headers=console,
                                  json={"unit_id": str(unit.id)})).status_code == 200
    assert (await app_client.post(f"/api/v1/dispatch/reports/{report_id}/request-info", headers=console,
                                  json={"reason": "Укажите номер машины"})).status_code == 200
    await _answer(citizen, report_id, "123 ABC 01")
    card = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}", headers=console)).json()
    assert (card["status"], card["unit_id"]) == ("in_progress", str(unit.id))


async def test_an_urgent_report_asked_about_before_its_offer_is_still_offered_to_the_duty_bot(
        ctx: Context, officer_bot: FakeBot, app_client: httpx.AsyncClient) -> None:
    """The duty officer asks at once ("is he still there?"), before the offer task has run: the report is still in
    the queue with no unit, and the officers on shift must still get the one-tap offer. It was dropped as "taken"
    (only registered and triage counted as still offered), so the crew nearest to a knife attack never heard of it."""
    from backend.routing.jobs import offer_urgent

    await _officer_on_duty(ctx)
    report = await triage_report(ctx, urgent=True, priority="urgent", district="astana", department="patrol_police",
                                 text=KNIFE)
    asked = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/request-info",
                                  headers=await _console(ctx, app_client), json={"reason": QUESTION})
    assert asked.status_code == 200, asked.text
    await offer_urgent(ctx, {"report_id": str(report.id)})
    assert any(report.number in (m.text or "") for m in officer_bot.sent_messages(DUTY_CHAT))


@pytest.mark.parametrize("how", ["redirected", "rejected"])
async def test_a_question_unanswered_does_not_stop_the_duty_officer_redirecting_or_rejecting(
        ctx: Context, app_client: httpx.AsyncClient, how: str) -> None:
    """Asked before a unit was sent, the report is still unworked: what the duty officer could decide of it in
    triage (out of police competence: redirect within the law's 3 working days; not taken up) they still may, answered
    or not. It was 409 `report.transition_forbidden` until the reporter answered, which they may never do, while the
    redirect term ran out and escalated."""
    report = await triage_report(ctx, district="astana", category="utilities", text="Во дворе нет горячей воды")
    console = await _console(ctx, app_client)
    asked = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/request-info", headers=console,
                                  json={"reason": "Какой дом и подъезд?"})
    assert asked.status_code == 200, asked.text
    closed = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/close", headers=console,
                                   json={"how": how, "reason": "Вопрос коммунальных служб", "redirect_to": "akimat"})
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["unit_id"]) == ("closed", None)


async def test_a_question_asked_under_a_unit_keeps_the_unit_from_being_bypassed_by_a_redirect(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    """Held by a unit that is working it, the report is not redirected by the console while its reporter is asked,
    as it is not while the unit works it (the workflow's rule for worked reports is unchanged)."""
    unit = await make_unit(ctx)
    report = await triage_report(ctx, district="astana", category="utilities", text="Во дворе нет горячей воды")
    console = await _console(ctx, app_client)
    assert (await app_client.post(f"/api/v1/dispatch/reports/{report.id}/assign", headers=console,
                                  json={"unit_id": str(unit.id)})).status_code == 200
    assert (await app_client.post(f"/api/v1/dispatch/reports/{report.id}/request-info", headers=console,
                                  json={"reason": "Какой дом и подъезд?"})).status_code == 200
    closed = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/close", headers=console,
                                   json={"how": "redirected", "reason": "Вопрос коммунальных служб",
                                         "redirect_to": "akimat"})
    assert closed.status_code == 409 and closed.json()["code"] == "report.transition_forbidden", closed.text
