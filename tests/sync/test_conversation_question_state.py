"""A tablet's `conversation` marks each question to the reporter as the console's card does
(backend.dispatch.questions): its course (`state`) and whether the crew's unit asked it (`current_unit`). The offline
view listed every question alike: a crew that took a report over waited on scene for the answer to a question the
previous crew asked and the handover withdrew, and could not tell which of the questions it was waiting on."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.context import Context
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.reports.step_helpers import settled_report

pytestmark = pytest.mark.anyio
TEXT = "Угнали машину со двора на Кенесары 40, звоните +7 701 123 45 67"


async def _step(http: httpx.AsyncClient, headers: dict[str, str], report_id: object, step: str,
                body: dict[str, Any]) -> None:
    answer = await http.post(f"/api/v1/dispatch/reports/{report_id}/{step}", headers=headers, json=body)
    assert answer.status_code == 200, answer.text


async def test_a_tablet_tells_its_crews_standing_question_from_one_withdrawn_before_it_took_the_report(
        ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient) -> None:
    report_id = await settled_report(ctx, citizen, TEXT)
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(app_client, dispatcher.badge_number, password))
    first, second = await make_unit(ctx), await make_unit(ctx)
    await _step(app_client, console, report_id, "assign", {"unit_id": str(first.id)})
    await _step(app_client, console, report_id, "request-info",
                {"reason": "Какой подъезд? Ваш номер +7 701 123 45 67?"})  # the first crew's
    await _step(app_client, console, report_id, "assign", {"unit_id": str(second.id)})  # withdraws it
    await _step(app_client, console, report_id, "request-info", {"reason": "Номер машины?"})  # the new crew's

    crew, password = await make_officer(ctx, unit=second)
    tablet = bearer(await login(app_client, crew.badge_number, password))
    pulled = await app_client.get("/api/v1/sync/pull", headers=tablet)
    assert pulled.status_code == 200, pulled.text
    [row] = [r for r in pulled.json()["changes"]["reports"]["upserted"] if r["id"] == str(report_id)]
    questions = [m for m in row["conversation"] if m["from"] == "police" and "state" in m]
    assert [(q["state"], q["current_unit"]) for q in questions] == [("withdrawn", False), ("standing", True)]
    old, new = questions
    assert "701 123 45 67" not in old["text"] and "подъезд" in old["text"]  # masked as before
    assert new["text"] == "Номер машины?" and new["internal"] is False
    # the card reads the same
    card = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}", headers=tablet)).json()
    assert [(q["state"], q["current_unit"]) for q in card["questions"]] == [
        (q["state"], q["current_unit"]) for q in questions]
