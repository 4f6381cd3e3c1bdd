"""Found by a walk through the protocol's edge cases (tablet audit): the texts a status step carries to a report the
crew no longer holds are kept with the refusal, an outbox entry edited under the id it was sent with is not answered
`duplicate`, and an officer who joined a unit only after it handed a report on (or closed it) writes nothing to it."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.lib.clock import utcnow
from backend.reports.models import Report, ReportEvent
from backend.sync import sealed
from backend.sync.models import Evidence, ReportField, ReportNote, SyncMutation
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import Tablet, assigned_report, crew_tablets, move_officer, reassign, server_view, uuid7

pytestmark = pytest.mark.anyio


async def _kept_events(ctx: Context, report_id: uuid.UUID) -> list[ReportEvent]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report_id, ReportEvent.action == sealed.TEXT_KEPT)))  # type: ignore[arg-type]


async def test_the_findings_sent_with_a_step_on_a_report_given_to_another_crew_are_kept(ctx: Context) -> None:
    """Offline, the crew marks the report resolved with what it found; dispatch gives it to another unit before the
    tablet reaches the network. The step is refused (a reassignment wins), but the findings were refused with it and
    dropped from the outbox with nothing left on the server, unlike the same texts sent alone."""
    unit, tablet, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await tablet.pull_all()
    sent = tablet.edit("reports", str(report.id), status="resolved", outcome="warning",
                       findings="Соседи шумели, вынесено предупреждение")
    await reassign(ctx, report, await make_unit(ctx))
    (result,) = await tablet.push()
    assert (result["status"], result["reason"], result.get("kept")) == ("rejected", "not_assigned", True), result
    async with ctx.sessions() as session:
        stored = await session.get(SyncMutation, (tablet.device_id, sent.mutation_id))
        assert stored is not None and stored.result["kept_fields"] == {
            "report_id": str(report.id), "fields": {"findings": "Соседи шумели, вынесено предупреждение"}}
        row = await session.get(Report, report.id)
        assert row is not None and row.status == "assigned"  # the other crew's report: neither step nor text applied
        assert await session.get(ReportField, (report.id, "findings")) is None
    (event,) = await _kept_events(ctx, report.id)
    assert event.data["fields"] == {"findings": "Соседи шумели, вынесено предупреждение"}
    assert event.data["reason"] == "not_assigned"
    await tablet.pull_all()
    assert tablet.replica["reports"] == {}  # the report leaves the tablet: no optimistic "resolved" stays


async def test_the_findings_sent_with_a_step_before_a_move_are_kept_and_the_step_refused(ctx: Context) -> None:
    """Typed on scene in the old crew, pushed after the officer was moved to another unit: the old crew still holds
    the report, so the moved officer's step is refused, and the texts it carried are kept, not lost with it."""
    old_unit, mover, crewmate = await crew_tablets(ctx)
    report = await assigned_report(ctx, old_unit)
    await mover.pull_all()
    mover.edit("reports", str(report.id), status="on_scene", address_details="Подъезд 2, код домофона 15")
    new_unit = await make_unit(ctx)
    await move_officer(ctx, mover.officer, new_unit)
    mover.unit_id = new_unit.id
    (result,) = await mover.push()
    assert (result["status"], result["reason"], result.get("kept")) == ("rejected", "not_assigned", True), result
    (event,) = await _kept_events(ctx, report.id)
    assert event.data["fields"] == {"address_details": "Подъезд 2, код домофона 15"}
    await crewmate.pull_all()
    assert crewmate.replica["reports"][str(report.id)]["status"] == "assigned"


async def test_an_outbox_entry_edited_under_the_id_it_was_sent_with_is_not_a_duplicate(ctx: Context) -> None:
    """The answer to the first send was lost; the app then merged the officer's next edit into the same outbox entry
    (same mutation id, same stamp). Answered `duplicate`, the tablet dropped it: the server kept the old text and the
    tablet showed the new one, never corrected (a duplicate marks nothing for the next pull)."""
    unit, tablet, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    rid = str(report.id)
    await tablet.pull_all()
    entry = tablet.edit("reports", rid, findings="Дверь вскрыта")
    await tablet.push()  # applied; the tablet never hears so and keeps the entry
    entry.fields = {"findings": "Дверь вскрыта, из квартиры пропал ноутбук"}
    tablet.replica["reports"][rid].update(entry.fields)
    tablet.outbox.append(entry)
    (answer,) = await tablet.push()
    assert (answer["status"], answer["reason"]) == ("rejected", "mutation_id_reused"), answer
    entry.mutation_id = uuid7()  # sent again under a new id, as the answer asks
    entry.hlc = tablet.hlc()
    tablet.outbox.append(entry)
    (again,) = await tablet.push()
    assert again["status"] == "applied", again
    await tablet.pull_all()
    assert tablet.replica["reports"][rid]["findings"] == "Дверь вскрыта, из квартиры пропал ноутбук"
    assert tablet.replica == await server_view(ctx, tablet)
    tablet.outbox.append(entry)  # the unchanged entry resent after a lost answer is still the stored answer
    (duplicate,) = await tablet.push()
    assert (duplicate["status"], duplicate["original_status"]) == ("duplicate", "applied"), duplicate
    assert "sent_fields" not in duplicate


async def test_an_officer_who_joined_the_unit_later_writes_nothing_to_its_past_reports(ctx: Context) -> None:
    """Unit A handed one report to another unit and its crew resolved another; an officer who joined A only then
    never held either. Their tablet (the report ids are all a crafted mutation needs) added notes and evidence to
    the first and replaced the crew's findings on the second; a crewmate of the time still adds a late note."""
    unit, crew, _ = await crew_tablets(ctx)
    handed_on, resolved = await assigned_report(ctx, unit), await assigned_report(ctx, unit)
    await crew.pull_all()
    crew.edit("reports", str(resolved.id), status="resolved", outcome="warning", findings="Предупреждён")
    assert (await crew.push())[0]["status"] == "applied"
    await reassign(ctx, handed_on, await make_unit(ctx))
    joiner_officer, _ = await make_officer(ctx, unit=unit)
    joiner = Tablet(ctx, joiner_officer, unit.id)
    joiner.edit("notes", uuid7(), "create", report_id=str(handed_on.id), text="Чужая заметка")
    joiner.edit("evidence", uuid7(), "create", report_id=str(handed_on.id), sha256="ab" * 32, size=10,
                content_type="image/jpeg")
    joiner.edit("reports", str(resolved.id), findings="Переписано")
    back_dated = joiner.edit("reports", str(resolved.id), findings="Задним числом")
    back_dated.device_time = utcnow() - timedelta(days=1)  # before they joined: still not the crew's text
    results = await joiner.push()
    assert [(r["status"], r["reason"], r.get("kept")) for r in results] == [("rejected", "not_assigned", None)] * 4
    async with ctx.sessions() as session:
        assert list(await session.scalars(select(ReportNote).where(col(ReportNote.report_id) == handed_on.id))) == []
        assert list(await session.scalars(select(Evidence).where(col(Evidence.report_id) == handed_on.id))) == []
        findings = await session.get(ReportField, (resolved.id, "findings"))
        assert findings is not None and findings.value == "Предупреждён"
    assert await _kept_events(ctx, resolved.id) == []
    # the crew of the time keeps its chain of custody
    crew.edit("notes", uuid7(), "create", report_id=str(handed_on.id), text="Поздняя заметка прежнего наряда")
    crew.edit("reports", str(resolved.id), officer_summary="Дописано после закрытия")
    assert [r["status"] for r in await crew.push()] == ["applied", "applied"]
