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
