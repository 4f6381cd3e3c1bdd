"""The reporter's comments reach the staff who read the report. A dispatcher asked "which car?" and the citizen
answered through their app, but no part of the console showed the answer: the history only said a comment came
(`{"comment_id": …}`), and a prosecutor reading the record could not see what the citizen wrote."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from backend.reports.models import ReportComment
from tests.core.factories import make_report
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.reports.step_helpers import settled_report

pytestmark = pytest.mark.anyio
ANSWER = "Номер машины 123 ABC 01, звоните +7 701 123 45 67"
MASKED = "Номер машины 123 ABC 01, звоните [тел. ***4567]"


async def test_the_reporters_answer_is_on_the_opened_card_and_in_the_history(
        ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient) -> None:
    report_id = await settled_report(ctx, citizen, "Угнали машину со двора на Кенесары 40")
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(app_client, dispatcher.badge_number, password))
    unit = await make_unit(ctx)
    assigned = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/assign", headers=console,
                                     json={"unit_id": str(unit.id)})
    assert assigned.status_code == 200, assigned.text
    asked = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/request-info", headers=console,
                                  json={"reason": "Укажите номер машины"})
    assert asked.status_code == 200, asked.text
    for text in (ANSWER, "Машина белая"):
        sent = await citizen.post(f"/api/v1/reports/{report_id}/comments", {"text": text},
                                  headers={"Idempotency-Key": str(uuid.uuid4())})
        assert sent.status_code == 201, sent.text

    card = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}", headers=console)).json()
    assert [c["text"] for c in card["comments"]] == [ANSWER, "Машина белая"]  # oldest first
    first = card["comments"][0]
    assert first["author_type"] == "citizen" and first["public"] is True
    # who wrote it is not handed out; `answers`: the question it answered (dispatch.questions)
    assert set(first) == {"id", "at", "author_type", "text", "public", "answers"}
    assert citizen.iin not in str(card)

    prosecutor, secret = await make_officer(ctx, role="prosecutor")
    oversight = bearer(await login(app_client, prosecutor.badge_number, secret))
    record = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}/history", headers=oversight)).json()
    assert [c["text"] for c in record["comments"]] == [ANSWER, "Машина белая"]
    # each comment is the one its history line names
    named = [e["data"]["comment_id"] for e in record["events"] if e["action"] in ("comment", "reporter_replied")]
    assert named == [c["id"] for c in record["comments"]]

    crew, crew_password = await make_officer(ctx, unit=unit)
    field = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}",
                                  headers=bearer(await login(app_client, crew.badge_number, crew_password)))).json()
    assert [c["text"] for c in field["comments"]] == [MASKED, "Машина белая"]

    queue = (await app_client.get("/api/v1/dispatch/queue", headers=console)).json()["items"]
    assert all(item["comments"] is None for item in queue)  # the lists stay lean


async def test_a_restricted_reports_comments_are_read_only_by_those_who_may_read_it(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    async with ctx.sessions() as session:
        report = await make_report(session, category="domestic_violence", restricted=True,
                                   department="district_inspector", text="Муж бьёт, кв. 41")
        session.add(ReportComment(report_id=report.id, author_type="citizen", text="Он снова пришёл"))
        await session.commit()
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    hidden = await app_client.get(f"/api/v1/dispatch/reports/{report.id}",
                                  headers=bearer(await login(app_client, dispatcher.badge_number, password)))
    assert hidden.status_code == 404
    supervisor, secret = await make_officer(ctx, role="supervisor")
    opened = await app_client.get(f"/api/v1/dispatch/reports/{report.id}",
                                  headers=bearer(await login(app_client, supervisor.badge_number, secret)))
    assert [c["text"] for c in opened.json()["comments"]] == ["Он снова пришёл"]
