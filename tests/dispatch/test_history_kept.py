"""Texts a tablet sent that were refused but kept (`kept: true`) are in the report's record for the staff who may read
it: the oversight history lists them (`kept`) with who wrote them, on which tablet, when (device time and arrival)
and why they were not applied, from a sealed internal `text_kept` event. Before, they lived in the sync ledger row
only, where no staff could read them. A restricted report's kept texts are read as its other texts are."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from backend.context import Context
from backend.lib.clock import utcnow
from backend.reports.models import Report
from backend.sync.views import viewer_for
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import Tablet, assigned_report, move_officer, reassign, uuid7

pytestmark = pytest.mark.anyio


async def _history(client: httpx.AsyncClient, ctx: Context, report: Report, role: str = "supervisor") -> httpx.Response:
    reader, password = await make_officer(ctx, role=role)
    return await client.get(f"/api/v1/dispatch/reports/{report.id}/history",
                            headers=bearer(await login(client, reader.badge_number, password)))


async def test_a_write_up_refused_after_a_reassignment_is_in_the_history(app_client: httpx.AsyncClient,
                                                                         ctx: Context) -> None:
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    tab = Tablet(ctx, officer, unit.id)
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    typed = tab.edit("reports", str(report.id), findings="Следы взлома на двери")
    typed.device_time = utcnow()
    await reassign(ctx, report, await make_unit(ctx))
    [result] = await tab.push()
    assert (result["reason"], result.get("kept")) == ("not_assigned", True), result
    tab.outbox = [typed]
    [again] = await tab.push()  # a resend: the ledger's answer, and no second entry
    assert again["status"] == "duplicate"

    response = await _history(app_client, ctx, report)
    assert response.status_code == 200, response.text
    record = response.json()
    [kept] = record["kept"]
    assert kept["kind"] == "write_up" and kept["fields"] == {"findings": "Следы взлома на двери"}
    assert kept["text"] is None and kept["reason"] == "not_assigned"
    assert (kept["officer_id"], kept["actor_type"], kept["device_id"], kept["unit_id"], kept["mutation_id"]) == (
        str(officer.id), "patrol_officer", tab.device_id, str(unit.id), typed.mutation_id)
    assert kept["device_time"] is not None and kept["device_time"] < kept["received_at"]
    # sealed in the record like every event, never public
    [event] = [e for e in record["events"] if e["action"] == "text_kept"]
    assert event["id"] == kept["event_id"] and event["public"] is False


async def test_a_moved_officers_late_note_and_a_resolve_without_outcome_are_in_the_history(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    unit = await make_unit(ctx)
    mover, _ = await make_officer(ctx, unit=unit)
    crewmate, _ = await make_officer(ctx, unit=unit)
    report = await assigned_report(ctx, unit)
    moving, staying = Tablet(ctx, mover, unit.id), Tablet(ctx, crewmate, unit.id)
    await moving.pull_all()
    await staying.pull_all()
    staying.edit("reports", str(report.id), status="resolved", findings="Драка прекращена")  # no outcome
    [refused] = await staying.push()
    assert (refused["reason"], refused.get("kept")) == ("invalid_outcome", True), refused
    new_unit = await make_unit(ctx)
    await move_officer(ctx, mover, new_unit)
    moving.unit_id = new_unit.id
    late = moving.edit("notes", uuid7(), "create", report_id=str(report.id), text="Запись после перевода")
    late.device_time = utcnow() + timedelta(seconds=1)
    [refused] = await moving.push()
    assert (refused["reason"], refused.get("kept")) == ("unit_changed", True), refused

    record = (await _history(app_client, ctx, report, role="prosecutor")).json()
    shown = [(k["kind"], k["reason"], k["officer_id"], k["text"], k["fields"]) for k in record["kept"]]
    assert shown == [
        ("write_up", "invalid_outcome", str(crewmate.id), None, {"findings": "Драка прекращена"}),
        ("note", "unit_changed", str(mover.id), "Запись после перевода", {})]


async def test_a_restricted_reports_kept_texts_are_read_as_its_other_texts(app_client: httpx.AsyncClient,
                                                                           ctx: Context) -> None:
    unit = await make_unit(ctx, restricted_categories=["domestic_violence"])
    officer, _ = await make_officer(ctx, unit=unit)
    report = await assigned_report(ctx, unit, category="domestic_violence", restricted=True)
    async with ctx.sessions() as session:
        tab = Tablet(ctx, officer, unit.id)
        assert (await viewer_for(session, officer.id, unit.id)).restricted_categories == {"domestic_violence"}
    await tab.pull_all()
    assert str(report.id) in tab.replica["reports"]
    tab.edit("reports", str(report.id), findings="Пострадавшая опрошена").device_time = utcnow()
    await reassign(ctx, report, await make_unit(ctx, restricted_categories=["domestic_violence"]))
    [result] = await tab.push()
    assert (result["reason"], result.get("kept")) == ("not_assigned", True), result

    record = (await _history(app_client, ctx, report)).json()
    assert [k["fields"] for k in record["kept"]] == [{"findings": "Пострадавшая опрошена"}]
    # the duty officer reads no restricted report, nor anyone's history; a field officer neither
    assert (await _history(app_client, ctx, report, role="dispatcher")).status_code == 403
    assert (await _history(app_client, ctx, report, role="patrol_officer")).status_code == 403
