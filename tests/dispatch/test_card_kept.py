"""The duty officer's card of a report shows the tablets' texts refused but kept (`kept`), as the oversight history
lists them: who wrote each, on which tablet, when the tablet says it was written, why it was not applied, the text.

Before: only the oversight history (supervisors, prosecutors, admins) listed them; the dispatcher deciding the report
could not see that a crew's note or write-up had been refused and kept. A restricted report's are read as its other
texts are: only on its opened card (whose opening is recorded), never in a list; field officers read them masked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.context import Context
from backend.lib.clock import utcnow
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit
from tests.sync.conftest import Tablet, assigned_report, move_officer, reassign, uuid7

pytestmark = pytest.mark.anyio


async def _reader(client: httpx.AsyncClient, ctx: Context, role: str, **officer: Any) -> dict[str, str]:
    row, password = await make_officer(ctx, role=role, **officer)
    return bearer(await login(client, row.badge_number, password))


async def test_the_dispatchers_card_shows_a_refused_write_up_and_a_late_note(app_client: httpx.AsyncClient,
                                                                             ctx: Context) -> None:
    unit = await make_unit(ctx)
    writer, _ = await make_officer(ctx, unit=unit)
    mover, _ = await make_officer(ctx, unit=unit)
    report = await assigned_report(ctx, unit)
    writing, moving = Tablet(ctx, writer, unit.id), Tablet(ctx, mover, unit.id)
    await writing.pull_all()
    await moving.pull_all()
    new_unit = await make_unit(ctx)
    await move_officer(ctx, mover, new_unit)
    moving.unit_id = new_unit.id
    late = moving.edit("notes", uuid7(), "create", report_id=str(report.id), text="Свидетель живёт в кв. 12")
    late.device_time = utcnow() + timedelta(seconds=1)
    [refused] = await moving.push()
    assert (refused["reason"], refused.get("kept")) == ("unit_changed", True), refused
    typed = writing.edit("reports", str(report.id), findings="Следы взлома на двери")
    typed.device_time = utcnow()
    await reassign(ctx, report, await make_unit(ctx))
    [refused] = await writing.push()
    assert (refused["reason"], refused.get("kept")) == ("not_assigned", True), refused

    console = await _reader(app_client, ctx, "dispatcher")
    answer = await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=console)
    assert answer.status_code == 200, answer.text
    shown = [(k["kind"], k["reason"], k["officer_id"], k["device_id"], k["text"], k["fields"])
             for k in answer.json()["kept"]]
    assert shown == [
        ("note", "unit_changed", str(mover.id), moving.device_id, "Свидетель живёт в кв. 12", {}),
        ("write_up", "not_assigned", str(writer.id), writing.device_id, None, {"findings": "Следы взлома на двери"})]
    assert all(k["device_time"] is not None and k["device_time"] <= k["received_at"] for k in answer.json()["kept"])

    # the same entries as the oversight history's, read by the same reader
    history = (await app_client.get(f"/api/v1/dispatch/reports/{report.id}/history",
                                    headers=await _reader(app_client, ctx, "supervisor"))).json()
    assert history["kept"] == answer.json()["kept"]

    # not in the lists (as the comments): the card is opened to read them
    await triage_report(ctx)
    queue = (await app_client.get("/api/v1/dispatch/queue", headers=console)).json()["items"]
    assert queue and all(item["kept"] is None for item in queue)


async def test_a_restricted_reports_kept_texts_are_on_its_opened_card_only_for_those_who_read_it(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    unit = await make_unit(ctx, restricted_categories=["domestic_violence"])
    officer, _ = await make_officer(ctx, unit=unit)
    report = await assigned_report(ctx, unit, category="domestic_violence", restricted=True)
    tab = Tablet(ctx, officer, unit.id)
    await tab.pull_all()
    tab.edit("reports", str(report.id), findings="Пострадавшая опрошена").device_time = utcnow()
    await reassign(ctx, report, await make_unit(ctx, restricted_categories=["domestic_violence"]))
    [result] = await tab.push()
    assert (result["reason"], result.get("kept")) == ("not_assigned", True), result

    # the duty officer reads no restricted report: its card (kept texts and all) is not found
    dispatcher = await _reader(app_client, ctx, "dispatcher")
    assert (await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=dispatcher)).status_code == 404
    supervisor = await _reader(app_client, ctx, "supervisor")
    answer = await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=supervisor)
    assert answer.status_code == 200, answer.text
    assert [k["fields"] for k in answer.json()["kept"]] == [{"findings": "Пострадавшая опрошена"}]
    async with ctx.sessions() as session:  # and that reading is in the report's record
        reads = list(await session.scalars(select(AuditLog).where(col(AuditLog.action) == "report.read",
                                                                  col(AuditLog.target_id) == str(report.id))))
    assert len(reads) == 1


async def test_a_field_officer_reads_kept_texts_masked(app_client: httpx.AsyncClient, ctx: Context) -> None:
    unit = await make_unit(ctx)
    writer, _ = await make_officer(ctx, unit=unit)
    report = await assigned_report(ctx, unit)
    tab = Tablet(ctx, writer, unit.id)
    await tab.pull_all()
    tab.edit("reports", str(report.id), findings="Заявитель: телефон +7 701 123 45 67").device_time = utcnow()
    taking_over = await make_unit(ctx)
    await reassign(ctx, report, taking_over)
    [result] = await tab.push()
    assert result.get("kept") is True, result

    crew = await _reader(app_client, ctx, "patrol_officer", unit=taking_over)
    answer = await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=crew)
    assert answer.status_code == 200, answer.text
    [kept] = answer.json()["kept"]
    assert kept["fields"]["findings"].startswith("Заявитель: телефон ")
    assert "123 45 67" not in kept["fields"]["findings"]
    console = await _reader(app_client, ctx, "dispatcher")
    [unmasked] = (await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=console)).json()["kept"]
    assert unmasked["fields"]["findings"] == "Заявитель: телефон +7 701 123 45 67"
