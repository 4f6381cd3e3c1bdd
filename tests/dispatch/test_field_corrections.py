"""A dispatcher's correction of an officer's findings / summary (POST /dispatch/reports/{id}/fields): allowed, closed
reports included, but never silent. Oversight sees in the report's sealed history that field findings were altered,
from what and by whom; unknown field names and overlong text are refused instead of ignored or stored."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from backend.audit.models import AuditLog
from backend.context import Context
from backend.dispatch import service as dispatch
from backend.dispatch.schemas import OfficerFieldsIn
from backend.lib.errors import ZanError
from backend.reports.models import Report, ReportEvent
from backend.sync.models import ReportField
from backend.sync.schemas import TEXT_MAX_LENGTH
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import DISPATCHER, Tablet, assigned_report

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["postgres"])
def db_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("pg_url"))


async def _field(ctx: Context, report_id: uuid.UUID, name: str) -> ReportField | None:
    async with ctx.sessions() as session:
        return await session.get(ReportField, (report_id, name))


async def test_rewriting_a_closed_reports_findings_is_in_the_sealed_history(app_client: httpx.AsyncClient,
                                                                            ctx: Context) -> None:
    unit = await make_unit(ctx)
    patrol, _ = await make_officer(ctx, unit=unit)
    tab = Tablet(ctx, patrol, unit.id)
    report = await assigned_report(ctx, unit)
    rid = str(report.id)
    await tab.pull_all()
    tab.edit("reports", rid, status="resolved", outcome="protocol")
    tab.edit("reports", rid, findings="Со слов соседей, дрались двое", officer_summary="Составлен протокол")
    assert [r["status"] for r in await tab.push()] == ["applied", "applied"]
    officer_row = await _field(ctx, report.id, "findings")
    assert officer_row is not None and officer_row.actor_id == str(patrol.id)

    dispatcher, dpw = await make_officer(ctx, role="dispatcher")
    corrected = await app_client.post(f"/api/v1/dispatch/reports/{rid}/fields",
                                      json={"fields": {"findings": "Драки не было"}},
                                      headers=bearer(await login(app_client, dispatcher.badge_number, dpw)))
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["fields"]["findings"] == "Драки не было"
    assert corrected.json()["status"] == "closed"  # neither the workflow nor the protocol freezes a closed report

    supervisor, spw = await make_officer(ctx, role="supervisor")
    record = await app_client.get(f"/api/v1/dispatch/reports/{rid}/history",
                                  headers=bearer(await login(app_client, supervisor.badge_number, spw)))
    assert record.status_code == 200, record.text
    # before the fix: no event and no audit line; the officer's text was gone without a trace
    [event] = [e for e in record.json()["events"] if e["action"] == "fields_corrected"]
    assert (event["actor_type"], event["actor_id"], event["public"]) == ("dispatcher", str(dispatcher.id), False)
    before = event["data"]["previous"]["findings"]
    assert (before["value"], before["actor_type"], before["actor_id"], before["hlc"]) == (
        "Со слов соседей, дрались двое", "patrol_officer", str(patrol.id), officer_row.hlc)
    assert event["data"]["values"] == {"findings": "Драки не было"}
    assert event["data"]["report_status"] == "closed"
    [audit] = [a for a in record.json()["access"] if a["action"] == "report.fields"]
    assert (audit["actor_type"], audit["actor_id"]) == ("dispatcher", str(dispatcher.id))
    assert audit["data"]["fields"] == ["findings"] and audit["data"]["event_id"] == event["id"]
    provenance = audit["data"]["previous"]["findings"]
    assert (provenance["actor_type"], provenance["actor_id"], provenance["length"]) == (
        "patrol_officer", str(patrol.id), len("Со слов соседей, дрались двое"))
    assert "value" not in provenance  # the audit line carries no free text (personal data); the event keeps it
    # the untouched field was not rewritten, nor reported as changed
    summary = await _field(ctx, report.id, "officer_summary")
    assert summary is not None and summary.value == "Составлен протокол" and summary.actor_id == str(patrol.id)


async def test_a_first_value_is_recorded_as_having_had_none(app_client: httpx.AsyncClient, ctx: Context) -> None:
    unit = await make_unit(ctx)
    report = await assigned_report(ctx, unit)
    dispatcher, dpw = await make_officer(ctx, role="dispatcher")
    r = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/fields",
                              json={"fields": {"address_details": "подъезд 3, код 45К"}},
                              headers=bearer(await login(app_client, dispatcher.badge_number, dpw)))
    assert r.status_code == 200, r.text
    async with ctx.sessions() as session:
        [event] = await session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id,  # type: ignore[arg-type]
                                                                  ReportEvent.action == "fields_corrected"))  # type: ignore[arg-type]
        [audit] = await session.scalars(select(AuditLog).where(AuditLog.target_id == str(report.id),  # type: ignore[arg-type]
                                                               AuditLog.action == "report.fields"))  # type: ignore[arg-type]
    assert event.data["previous"] == {"address_details": None} and event.public is False
    assert audit.data["previous"] == {"address_details": None}


async def test_unknown_field_names_and_overlong_text_are_refused(app_client: httpx.AsyncClient, ctx: Context) -> None:
    unit = await make_unit(ctx)
    report = await assigned_report(ctx, unit)
    dispatcher, dpw = await make_officer(ctx, role="dispatcher")
    h = bearer(await login(app_client, dispatcher.badge_number, dpw))
    url = f"/api/v1/dispatch/reports/{report.id}/fields"

    # before the fix: 200, `verdict` silently dropped, `findings` applied
    unknown = await app_client.post(url, json={"fields": {"findings": "ок", "verdict": "виновен"}}, headers=h)
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["code"] == "validation.failed"
    assert [(e["pointer"], e["code"]) for e in unknown.json()["errors"]] == [("/fields/verdict", "unknown_field")]
    assert await _field(ctx, report.id, "findings") is None  # nothing of the request was applied
    # the service says the same to any other caller, naming every unknown field
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        with pytest.raises(ZanError) as refused:
            await dispatch.set_fields(session, row, {"findings": "ок", "verdict": "виновен", "priority": "low"},
                                      DISPATCHER)
    assert (refused.value.status, refused.value.code) == (422, "validation.failed")
    assert [(e.pointer, e.code) for e in refused.value.errors] == [("/fields/verdict", "unknown_field"),
                                                                   ("/fields/priority", "unknown_field")]

    # before the fix: 200 and 10,001 characters stored (a tablet's push is cut at 10,000)
    overlong = await app_client.post(url, json={"fields": {"findings": "д" * (TEXT_MAX_LENGTH + 1)}}, headers=h)
    assert overlong.status_code == 422, overlong.text[:300]
    assert [(e["pointer"], e["code"]) for e in overlong.json()["errors"]] == [("/fields/findings", "too_long")]
    assert await _field(ctx, report.id, "findings") is None

    longest = await app_client.post(url, json={"fields": {"findings": "д" * TEXT_MAX_LENGTH, "officer_summary": None}},
                                    headers=h)
    assert longest.status_code == 200, longest.text
    row = await _field(ctx, report.id, "findings")
    assert row is not None and row.value is not None and len(row.value) == TEXT_MAX_LENGTH


def test_the_correction_schema_names_exactly_the_officer_fields() -> None:
    from backend.sync.views import OFFICER_FIELDS

    assert set(OfficerFieldsIn.__struct_fields__) == set(OFFICER_FIELDS)
