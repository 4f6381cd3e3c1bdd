"""What became of a question to the reporter, where it is read after a step withdrew it unanswered.

A crew that takes a report over sees the questions asked before it took it marked as not its own (`current_unit`
false, and withdrawn by the step that gave it the report), so it neither waits for their answer nor answers for them.
A reporter's answer that comes after its question was withdrawn is kept as a comment: the card and the oversight
history link it to the question it answers (`answers`, `late`). A partner app's webhook for the withdrawing step names
the question withdrawn (`question_withdrawn`), as its request_info webhook named the question by its event id."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from backend.context import Context
from backend.lib.crypto import seal
from backend.partners.models import Partner
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.helpers import PartnerClient, eventually
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.reports.step_helpers import events_of, settled_report

pytestmark = pytest.mark.anyio
TEXT = "Угнали машину со двора на Кенесары 40"


async def _console(ctx: Context, http: httpx.AsyncClient, role: str = "dispatcher") -> dict[str, str]:
    officer, password = await make_officer(ctx, role=role)  # type: ignore[arg-type]
    return bearer(await login(http, officer.badge_number, password))


async def _step(http: httpx.AsyncClient, headers: dict[str, str], report_id: object, step: str,
                body: dict[str, Any]) -> None:
    answer = await http.post(f"/api/v1/dispatch/reports/{report_id}/{step}", headers=headers, json=body)
    assert answer.status_code == 200, answer.text


async def _answer(citizen: PartnerClient, report_id: object, text: str) -> None:
    sent = await citizen.post(f"/api/v1/reports/{report_id}/comments", {"text": text},
                              headers={"Idempotency-Key": str(uuid.uuid4())})
    assert sent.status_code == 201, sent.text


async def test_a_crew_that_took_the_report_over_sees_the_earlier_question_as_not_its_own(
        ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient) -> None:
    report_id = await settled_report(ctx, citizen, TEXT)
    console = await _console(ctx, app_client)
    first, second = await make_unit(ctx), await make_unit(ctx)
    await _step(app_client, console, report_id, "assign", {"unit_id": str(first.id)})
    await _step(app_client, console, report_id, "request-info", {"reason": "Какой подъезд?"})  # the first crew's
    await _step(app_client, console, report_id, "assign", {"unit_id": str(second.id)})  # withdraws it
    await _step(app_client, console, report_id, "request-info", {"reason": "Номер машины?"})  # the new crew's

    crew, password = await make_officer(ctx, unit=second)
    tablet = bearer(await login(app_client, crew.badge_number, password))
    card = await app_client.get(f"/api/v1/dispatch/reports/{report_id}", headers=tablet)
    assert card.status_code == 200, card.text
    old, new = card.json()["questions"]
    (asked, _) = await events_of(ctx, report_id, "request_info")
    _, handed_on = await events_of(ctx, report_id, "assign")
    assert (old["event_id"], old["text"], old["state"], old["current_unit"]) == (
        str(asked.id), "Какой подъезд?", "withdrawn", False)
    assert old["withdrawn_event_id"] == str(handed_on.id)
    assert (new["text"], new["state"], new["current_unit"]) == ("Номер машины?", "standing", True)


async def test_a_late_answer_is_linked_to_the_withdrawn_question_it_answers(
        ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient) -> None:
    report_id = await settled_report(ctx, citizen, TEXT)
    console = await _console(ctx, app_client)
    unit = await make_unit(ctx)
    await _step(app_client, console, report_id, "request-info", {"reason": "Какой подъезд?"})
    await _answer(citizen, report_id, "Третий подъезд")  # answered in time: back to triage
    await _step(app_client, console, report_id, "request-info", {"reason": "Он ещё там?"})
    await _step(app_client, console, report_id, "assign", {"unit_id": str(unit.id)})  # withdraws the second
    await _answer(citizen, report_id, "Уже ушёл")  # its late answer, kept as a comment
    await _answer(citizen, report_id, "И ещё: машина белая")  # anything after that answers nothing

    first, second = await events_of(ctx, report_id, "request_info")
    card = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}", headers=console)).json()
    assert card["status"] == "assigned"
    comments = card["comments"]
    assert [(c["text"], c.get("answers"), c.get("late", False)) for c in comments] == [
        ("Третий подъезд", str(first.id), False),
        ("Уже ушёл", str(second.id), True),
        ("И ещё: машина белая", None, False)]
    asked = {q["event_id"]: q for q in card["questions"]}
    assert asked[str(first.id)]["state"] == "answered"
    assert asked[str(first.id)]["answer_comment_id"] == comments[0]["id"]
    assert asked[str(second.id)]["state"] == "withdrawn"
    assert asked[str(second.id)]["answer_comment_id"] == comments[1]["id"]

    supervisor = await _console(ctx, app_client, "supervisor")
    history = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}/history", headers=supervisor)).json()
    assert [(c.get("answers"), c.get("late", False)) for c in history["comments"]] == [
        (str(first.id), False), (str(second.id), True), (None, False)]


async def test_the_webhook_of_the_step_that_withdrew_a_question_names_it(
        ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient,
        webhook_receiver: WebhookReceiver) -> None:
    async with ctx.sessions() as session:
        partner = await session.get(Partner, uuid.UUID(citizen.partner_id))
        assert partner is not None
        partner.webhook_url = webhook_receiver.url("/zan/events")
        partner.webhook_secret_sealed = seal(ctx.settings.secret_key, "whsec-" + uuid.uuid4().hex)
        await session.commit()
    report_id = await settled_report(ctx, citizen, TEXT)
    console = await _console(ctx, app_client)
    unit = await make_unit(ctx)
    await _step(app_client, console, report_id, "request-info", {"reason": "Какой подъезд?"})
    await _step(app_client, console, report_id, "assign", {"unit_id": str(unit.id)})
    (asked,) = await events_of(ctx, report_id, "request_info")
    (assigned,) = await events_of(ctx, report_id, "assign")

    def bodies() -> dict[str, dict[str, Any]]:
        return {d.json()["action"]: d.json() for d in webhook_receiver.deliveries if d.answered_status == 200}

    async def both_sent() -> bool:
        return {"request_info", "assign"} <= bodies().keys()

    await eventually(both_sent, timeout=30)
    sent = bodies()
    assert sent["request_info"]["event_id"] == str(asked.id)
    assert sent["request_info"]["question_withdrawn"] is None
    assert sent["assign"]["event_id"] == str(assigned.id)
    assert sent["assign"]["question_withdrawn"] == {"event_id": str(asked.id),
                                                    "asked_at": asked.created_at.isoformat()}
