"""Tablet notes and officers' write-ups reach the tamper-evident record (backend/sync/sealed.py). Notes live in a
table the ledger does not seal and write-ups are overwritten in place; before, neither left a sealed trace (only
another writer's text replaced did), so a note rewritten in the database, or the findings a report was resolved
with, were beyond any proof. Now each note is copied into a sealed internal `note_added` event (its tombstone into
`note_removed`), the write-up as it stands at the closing into `fields_recorded`, and the report's history flags a
note that no longer matches its event. None of it is the citizen's: their timeline shows none of these."""

from __future__ import annotations

import uuid

import httpx
import pytest
import sqlalchemy as sa

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.ledger.record import ENTRIES
from backend.ledger.service import seal_pending
from backend.officers.models import Unit
from backend.reports.models import Report
from backend.sync.models import ReportNote
from tests.helpers import PartnerClient
from tests.ledger.records import integrity_of, overseen
from tests.officers.factories import make_officer, make_unit
from tests.reports.step_helpers import events_of
from tests.routing.helpers import submit_and_route
from tests.sync.conftest import DISPATCHER, Tablet, assigned_report, uuid7

pytestmark = pytest.mark.anyio


async def _crew(ctx: Context) -> tuple[Unit, Tablet]:
    unit = await make_unit(ctx)
    officer, _ = await make_officer(ctx, unit=unit)
    return unit, Tablet(ctx, officer, unit.id)


async def _assigned_and_pulled(ctx: Context) -> tuple[Tablet, Report]:
    """A crew's tablet that has pulled the report just assigned to its unit."""
    unit, tab = await _crew(ctx)
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    return tab, report


async def _sealed(ctx: Context, event_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Seal what is pending; the ids of these events the ledger now holds."""
    async with ctx.sessions() as session:
        await seal_pending(session, ctx.settings.secret_keys)
        rows = await session.execute(sa.select(ENTRIES.c.row_id).where(
            ENTRIES.c.table_name == "report_events", ENTRIES.c.row_id.in_(event_ids)))
        return {uuid.UUID(str(row_id)) for row_id, in rows.all()}


async def test_a_pushed_note_is_sealed_with_its_text_and_its_tombstone_too(ctx: Context) -> None:
    tab, report = await _assigned_and_pulled(ctx)
    note_id = uuid7()
    tab.edit("notes", note_id, op="create", report_id=str(report.id), text="Со слов соседки, шум с 23:00")
    [result] = await tab.push()
    assert result["status"] == "applied", result
    [added] = await events_of(ctx, report.id, "note_added")
    assert not added.public and added.public_text == {}
    assert (added.data["note_id"], added.data["text"], added.data["officer_id"], added.actor_id) == (
        note_id, "Со слов соседки, шум с 23:00", str(tab.officer.id), str(tab.officer.id))
    assert added.data["device_time"] is not None and added.device_time is not None
    assert await _sealed(ctx, [added.id]) == {added.id}

    tab.edit("notes", note_id, op="delete")
    tab.edit("notes", note_id, op="delete")  # a second tombstone changes nothing and records nothing
    assert [r["status"] for r in await tab.push()] == ["applied", "applied"]
    [removed] = await events_of(ctx, report.id, "note_removed")
    assert (removed.public, removed.data["note_id"], removed.data["officer_id"]) == (
        False, note_id, str(tab.officer.id))
    assert removed.data["deleted_at"] is not None
    assert await _sealed(ctx, [removed.id]) == {removed.id}


async def test_a_note_rewritten_or_deleted_in_the_database_is_flagged_in_the_history(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    tab, report = await _assigned_and_pulled(ctx)
    kept, rewritten, vanished = uuid7(), uuid7(), uuid7()
    for note_id, text in ((kept, "Дверь не открыли"), (rewritten, "Запах алкоголя"), (vanished, "Свидетель: Б.")):
        tab.edit("notes", note_id, op="create", report_id=str(report.id), text=text)
    await tab.push()
    await _sealed(ctx, [])
    record = await overseen(ctx, app_client, report.id, "history")
    assert record["integrity"]["intact"] is True
    # oversight reads the notes in the history, as every internal event: with the text and who wrote it
    shown = {e["data"]["note_id"]: e for e in record["events"] if e["action"] == "note_added"}
    assert (shown[rewritten]["public"], shown[rewritten]["data"]["text"], shown[rewritten]["actor_id"]) == (
        False, "Запах алкоголя", str(tab.officer.id))

    async with ctx.sessions() as session:  # someone with database access
        await session.execute(sa.update(ReportNote).where(ReportNote.id == uuid.UUID(rewritten))  # type: ignore[arg-type]
                              .values(text="Запаха алкоголя нет"))
        await session.execute(sa.delete(ReportNote).where(ReportNote.id == uuid.UUID(vanished)))  # type: ignore[arg-type]
        await session.commit()
    integrity = await integrity_of(ctx, app_client, report.id)
    assert integrity["intact"] is False
    assert integrity["altered"] == [{"table": "report_notes", "id": rewritten}], integrity
    assert integrity["missing"] == [{"table": "report_notes", "id": vanished}], integrity


async def test_a_note_tombstoned_in_the_database_without_its_event_is_flagged(
        app_client: httpx.AsyncClient, ctx: Context) -> None:
    tab, report = await _assigned_and_pulled(ctx)
    note_id = uuid7()
    tab.edit("notes", note_id, op="create", report_id=str(report.id), text="Изъят нож")
    await tab.push()
    async with ctx.sessions() as session:  # hidden from every tablet and screen, as if its author had removed it
        await session.execute(sa.update(ReportNote).where(ReportNote.id == uuid.UUID(note_id))  # type: ignore[arg-type]
                              .values(deleted_at=sa.func.now()))
        await session.commit()
    integrity = await integrity_of(ctx, app_client, report.id)
    assert integrity["altered"] == [{"table": "report_notes", "id": note_id}], integrity


async def _citizen_report(ctx: Context, citizen: PartnerClient, unit: Unit) -> Report:
    report_id = (await submit_and_route(ctx, citizen, "Во дворе на Кенесары 40 всю ночь шумят соседи")).id
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
        assert report is not None
        report.department = unit.department
        await dispatch.assign(session, report, unit, DISPATCHER)
        await session.commit()
    return report


async def test_the_write_up_a_crew_resolves_with_is_sealed_and_never_the_citizens(
        ctx: Context, citizen: PartnerClient) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False)
    unit, tab = await _crew(ctx)
    report = await _citizen_report(ctx, citizen, unit)
    rid = str(report.id)
    await tab.pull_all()
    tab.edit("reports", rid, status="on_scene", findings="черновик")
    tab.edit("notes", uuid7(), op="create", report_id=rid, text="Соседи из кв. 12 подтвердили")
    # the officer's own revision: a draft until the closing, which records the text as it then stands
    tab.edit("reports", rid, status="resolved", outcome="warning", findings="Шум подтверждён, предупреждение",
             officer_summary="Профилактическая беседа")
    results = await tab.push()
    assert [r["status"] for r in results] == ["applied"] * 3, results
    assert results[2]["applied_fields"][0] == "status"
    [recorded] = await events_of(ctx, report.id, "fields_recorded")
    assert not recorded.public and recorded.public_text == {}
    fields = recorded.data["fields"]
    assert {name: f["value"] for name, f in fields.items()} == {
        "findings": "Шум подтверждён, предупреждение", "officer_summary": "Профилактическая беседа"}
    assert {f["actor_id"] for f in fields.values()} == {str(tab.officer.id)}
    assert all(f["hlc"] and f["actor_type"] == "patrol_officer" for f in fields.values())
    [closing] = [e for e in await events_of(ctx, report.id, "resolve")]
    assert (recorded.data["closing_event_id"], recorded.data["resolution"]) == (str(closing.id), "resolved")
    assert await _sealed(ctx, [recorded.id]) == {recorded.id}

    view = await citizen.get(f"/api/v1/reports/{rid}")
    assert view.status_code == 200, view.text
    actions = [line["action"] for line in view.json()["timeline"]]
    assert "resolve" in actions
    assert not {"fields_recorded", "note_added", "note_removed"} & set(actions), actions
    for text in ("Шум подтверждён", "Профилактическая беседа", "кв. 12", "черновик"):
        assert text not in view.text


async def test_a_write_up_queued_behind_the_crews_own_resolve_is_recorded_again(ctx: Context) -> None:
    tab, report = await _assigned_and_pulled(ctx)
    rid = str(report.id)
    tab.edit("reports", rid, status="resolved", outcome="warning")
    tab.edit("reports", rid, findings="Опрошены двое свидетелей")
    assert [r["status"] for r in await tab.push()] == ["applied", "applied"]
    # the closing found nothing written; the write-up landing after it is recorded as it stands
    [recorded] = await events_of(ctx, report.id, "fields_recorded")
    assert recorded.data["after_close"] is True
    assert recorded.data["fields"]["findings"]["value"] == "Опрошены двое свидетелей"
    assert recorded.actor_id == str(tab.officer.id)


async def test_a_dispatchers_closing_records_the_crews_write_up(ctx: Context) -> None:
    tab, report = await _assigned_and_pulled(ctx)
    rid = str(report.id)
    tab.edit("reports", rid, status="on_scene", findings="Заявитель на месте не обнаружен")
    await tab.push()
    async with ctx.sessions() as session:
        locked = await session.get(Report, report.id)
        assert locked is not None
        await dispatch.close(session, locked, "unfounded", DISPATCHER, reason="факт не подтвердился")
        await session.commit()
    [recorded] = await events_of(ctx, report.id, "fields_recorded")
    assert recorded.data["fields"]["findings"]["value"] == "Заявитель на месте не обнаружен"
    assert recorded.data["resolution"] == "unfounded"


async def test_a_closing_nobody_wrote_for_records_nothing(ctx: Context) -> None:
    unit, _ = await _crew(ctx)
    report = await assigned_report(ctx, unit)
    async with ctx.sessions() as session:
        locked = await session.get(Report, report.id)
        assert locked is not None
        await dispatch.close(session, locked, "unfounded", DISPATCHER, reason="факт не подтвердился")
        await session.commit()
    assert await events_of(ctx, report.id, "fields_recorded") == []
