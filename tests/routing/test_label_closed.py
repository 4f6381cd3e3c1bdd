"""A human's later judgement of a closed report's category is a training label (POST /dispatch/reports/{id}/label).

Reclassify refuses a closed report (409: its category, priority and restriction are what its closing was decided and
is overseen on), and the judgement that the report had been mis-categorised was lost. A label keeps it as the
report's one training example, picked up by `zan ml retrain`, and leaves the report as it was closed: an internal
history line and an audit line say who judged what, the citizen's timeline shows nothing new. It is for the callers
and reports reclassify is for, with its If-Match and its input checks; an open report is reclassify's (409)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.context import Context
from backend.lib.clock import utcnow
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Resolution, Status
from backend.routing.cli import _corrections
from backend.routing.models import LabelledExample
from tests.core.factories import make_report
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer
from tests.routing.helpers import submit_and_route

pytestmark = pytest.mark.anyio
PHONE = "+7 701 123 45 67"


async def _console(ctx: Context, http: httpx.AsyncClient, role: str = "dispatcher") -> dict[str, str]:
    officer, password = await make_officer(ctx, role=role, district="astana")
    return bearer(await login(http, officer.badge_number, password))


async def _closed(ctx: Context, **fields: Any) -> Report:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.CLOSED, resolution=Resolution.UNFOUNDED,
                                   closed_at=utcnow(), district="astana", **fields)
        await session.commit()
    return report


async def _label(http: httpx.AsyncClient, headers: dict[str, str], report_id: uuid.UUID, category: str,
                 reason: str = "на деле это мошенничество", **extra: str) -> httpx.Response:
    return await http.post(f"/api/v1/dispatch/reports/{report_id}/label", headers={**headers, **extra},
                           json={"category": category, "reason": reason})


async def _examples(ctx: Context) -> list[LabelledExample]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(LabelledExample)))


async def _row(ctx: Context, report_id: uuid.UUID) -> tuple[object, ...]:
    """The report's columns a closing decided on, and its row's version and last change."""
    async with ctx.sessions() as session:
        r = await session.get(Report, report_id)
    assert r is not None
    return (r.status, r.resolution, r.category, r.category_confidence, r.department, r.priority, r.urgent,
            r.restricted, r.redirect_due_at, r.incident_id, r.unit_id, r.version, r.updated_at)


async def _events(ctx: Context, report_id: uuid.UUID) -> list[ReportEvent]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(ReportEvent).where(
            col(ReportEvent.report_id) == report_id, col(ReportEvent.action) == "label_corrected")))


async def test_a_closed_reports_label_is_kept_for_retraining_and_nothing_else_changes(
        ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient) -> None:
    report = await submit_and_route(ctx, citizen, f"Во дворе на Кенесары 40 шумят соседи, мой телефон {PHONE}")
    console = await _console(ctx, app_client)
    closed = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/close", headers=console,
                                   json={"how": "unfounded", "reason": "на месте никого не оказалось"})
    assert closed.status_code == 200, closed.text
    seen_by_citizen = (await citizen.get(f"/api/v1/reports/{report.id}")).json()
    before = await _row(ctx, report.id)
    tag = (await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=console)).headers["ETag"]
    label = "fraud" if before[2] != "fraud" else "theft"

    labelled = await _label(app_client, console, report.id, label, **{"If-Match": tag})
    assert labelled.status_code == 200, labelled.text
    body = labelled.json()
    assert body == {"id": str(report.id), "category": before[2], "label": label, "example_stored": True,
                    "etag": labelled.headers["ETag"]}
    card = await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=console)
    assert card.headers["ETag"] == body["etag"] != tag  # the console's next step sends this one

    assert await _row(ctx, report.id) == before  # the report stays as it was closed
    [example] = await _examples(ctx)
    assert (example.report_id, example.label, example.previous_label) == (report.id, label, before[2])
    assert "123 45 67" not in example.text and "шумят соседи" in example.text  # masked, as reclassify's
    ids, rows = await _corrections(ctx.settings)  # what `zan ml retrain` trains on
    assert ids == [example.id] and rows == [{"text": example.text, "category": label, "language": "ru"}]
    [event] = await _events(ctx, report.id)
    assert not event.public and event.public_text == {} and event.reason == "на деле это мошенничество"
    assert event.data == {"from": before[2], "to": label, "example": True}
    async with ctx.sessions() as session:
        [audit] = await session.scalars(select(AuditLog).where(col(AuditLog.action) == "report.label"))
    assert (audit.target_id, audit.data) == (str(report.id), {"from": before[2], "to": label, "restricted": False,
                                                              "example": True})
    assert (await citizen.get(f"/api/v1/reports/{report.id}")).json() == seen_by_citizen

    # a console still showing the card before the label is refused, and nothing is written
    stale = await _label(app_client, console, report.id, "theft", **{"If-Match": tag})
    assert stale.status_code == 412, stale.text
    assert stale.json()["code"] == "dispatch.report_changed" and stale.headers["ETag"] == body["etag"]
    assert [e.label for e in await _examples(ctx)] == [label] and len(await _events(ctx, report.id)) == 1

    # a later judgement replaces the earlier one: one example per report, its latest
    again = await _label(app_client, console, report.id, "public_order", "всё же нарушение порядка",
                         **{"If-Match": body["etag"]})
    assert again.status_code == 200, again.text
    assert [(e.label, e.previous_label) for e in await _examples(ctx)] == [("public_order", before[2])]
    assert await _row(ctx, report.id) == before


async def test_an_open_report_is_reclassifys(ctx: Context, app_client: httpx.AsyncClient) -> None:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, category="other_offence", district="astana")
        await session.commit()
    before = await _row(ctx, report.id)
    console = await _console(ctx, app_client)
    for lang, words in (("ru", "reclassify"), ("kk", "жабылмаған"), ("en", "still open")):
        refused = await _label(app_client, console, report.id, "theft", **{"Accept-Language": lang})
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        assert (problem["code"], problem["report_status"], problem["reclassify"]) == (
            "routing.label_report_open", "triage", f"/api/v1/dispatch/reports/{report.id}/reclassify")
        assert words in problem["title"]
    assert await _row(ctx, report.id) == before
    assert await _examples(ctx) == [] and await _events(ctx, report.id) == []


async def test_a_restricted_report_is_labelled_only_by_who_may_read_it_and_its_text_stays(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    hidden = await _closed(ctx, category="police_complaint", restricted=True, department="internal_security",
                           text="Участковый вымогает деньги, звоните " + PHONE)
    async with ctx.sessions() as session:  # as left by a reclassify before the report was restricted
        session.add(LabelledExample(report_id=hidden.id, text="Участковый вымогает деньги", label="fraud",
                                    language="ru"))
        await session.commit()
    dispatcher = await _console(ctx, app_client)
    answers = [await _label(app_client, dispatcher, report_id, "fraud") for report_id in (hidden.id, uuid.uuid4())]
    assert [(a.status_code, a.json()["code"]) for a in answers] == [(404, "report.not_found")] * 2
    assert len(await _examples(ctx)) == 1 and await _events(ctx, hidden.id) == []

    supervisor = await _console(ctx, app_client, role="supervisor")
    labelled = await _label(app_client, supervisor, hidden.id, "fraud")
    assert labelled.status_code == 200, labelled.text
    assert labelled.json()["example_stored"] is False
    assert await _examples(ctx) == []  # its text never leaves the protected record, and the earlier row is gone
    [event] = await _events(ctx, hidden.id)
    assert event.data == {"from": "police_complaint", "to": "fraud", "example": False}
    record = (await app_client.get(f"/api/v1/dispatch/reports/{hidden.id}/history", headers=supervisor)).json()
    [line] = [e for e in record["events"] if e["action"] == "label_corrected"]  # oversight reads who judged what
    assert line["data"] == event.data and [a["action"] for a in record["access"]].count("report.label") == 1


async def test_a_restricted_label_keeps_no_text_and_restricts(ctx: Context, app_client: httpx.AsyncClient) -> None:
    report = await _closed(ctx, category="public_order", text="Сосед кричит на жену, во дворе шум")
    console = await _console(ctx, app_client)
    assert (await _label(app_client, console, report.id, "theft", "кража")).json()["example_stored"] is True
    assert [e.label for e in await _examples(ctx)] == ["theft"]
    before = await _row(ctx, report.id)
    assert (await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=console)).status_code == 200

    found = await _label(app_client, console, report.id, "domestic_violence", "бытовое насилие")
    assert found.status_code == 200, found.text
    assert found.json()["example_stored"] is False
    assert await _examples(ctx) == []  # the ordinary label it had is no longer the latest judgement either
    after = await _row(ctx, report.id)
    # the decision's columns as closed; only the restriction went up (index 7), so the row changed (version, time)
    assert after[:7] == before[:7] and after[8:11] == before[8:11]
    assert (before[7], after[7]) == (False, True)
    # the dispatcher who labelled it no longer reads it: a restricted report is for designated units and oversight
    card = await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=console)
    assert card.status_code == 404, card.text


async def test_a_label_is_checked_as_a_reclassification(ctx: Context, app_client: httpx.AsyncClient) -> None:
    report = await _closed(ctx, category="public_order")
    console = await _console(ctx, app_client)
    for category, reason, code, pointer, why in (
            ("no_such_category", "это другое", "report.unknown_category", "/category", "invalid"),
            ("theft", " \u200b  ", "validation.failed", "/reason", "too_short")):
        refused = await _label(app_client, console, report.id, category, reason)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        problem = refused.json()
        assert problem["code"] == code
        assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [(pointer, why)]
    unknown = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/label", headers=console,
                                    json={"category": "theft", "reason": "кража", "priority": "high"})
    assert unknown.status_code == 422, unknown.text
    prosecutor = await _console(ctx, app_client, role="prosecutor")
    assert (await _label(app_client, prosecutor, report.id, "theft")).status_code == 403
    assert await _examples(ctx) == [] and await _events(ctx, report.id) == []


async def test_the_label_is_documented_for_generated_clients(app_client: httpx.AsyncClient) -> None:
    doc = (await app_client.get("/schema/openapi.json")).json()
    operation = doc["paths"]["/api/v1/dispatch/reports/{report_id}/label"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/LabelIn"}
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/LabelledOut"}
    assert {"category", "reason"} == set(doc["components"]["schemas"]["LabelIn"]["required"])
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in operation["parameters"])
    for status, code in (("409", "routing.label_report_open"), ("412", "dispatch.report_changed"),
                         ("422", "report.unknown_category")):
        answer = operation["responses"][status]
        assert code in answer["description"] and list(answer["content"]) == ["application/problem+json"]
