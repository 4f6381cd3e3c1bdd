"""An officer moved to another unit keeps what their tablet wrote in the field before the move: queued notes and
evidence for the old unit's reports are accepted (chain of custody); a note stamped after the move is rejected
`unit_changed` but its text is kept with the answer in the ledger, never lost."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.lib.clock import utcnow
from backend.sync.models import Evidence, ReportNote, SyncMutation, UnitTenure
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import Tablet, assigned_report, crew_tablets, move_officer, uuid7

pytestmark = pytest.mark.anyio


async def test_notes_queued_before_a_move_are_kept_on_the_old_units_report(ctx: Context) -> None:
    old_unit, mover, crewmate = await crew_tablets(ctx)
    new_unit = await make_unit(ctx)
    report = await assigned_report(ctx, old_unit)
    await mover.pull_all()
    await crewmate.pull_all()
    # offline in the field: a note and a photo for the crew's report, then the officer is moved to another unit
    note_id = uuid7()
    mover.edit("notes", note_id, "create", report_id=str(report.id), text="Свидетель видел белую машину")
    photo = uuid7()
    mover.edit("evidence", photo, "create", report_id=str(report.id), sha256="ab" * 32, size=1234,
               content_type="image/jpeg")
    await move_officer(ctx, mover.officer, new_unit)
    mover.unit_id = new_unit.id  # the tablet's token now carries the new unit
    note_result, evidence_result = await mover.push()
    assert note_result["status"] == "applied", note_result
    assert evidence_result["status"] == "applied", evidence_result
    async with ctx.sessions() as session:
        note = await session.get(ReportNote, uuid.UUID(note_id))
        assert note is not None and note.text == "Свидетель видел белую машину"
        assert await session.get(Evidence, uuid.UUID(photo)) is not None
        tenure = await session.scalar(select(UnitTenure).where(UnitTenure.officer_id == mover.officer.id))
        assert tenure is not None and tenure.unit_id == old_unit.id
    # the old crew sees the note; the moved officer's tablet converges to the new unit's (empty) view
    await crewmate.pull_all()
    assert note_id in crewmate.replica["notes"]
    await mover.pull_all()
    assert mover.replica["reports"] == {} and mover.replica["notes"] == {}


async def test_a_note_stamped_after_the_move_is_rejected_but_its_text_kept(ctx: Context) -> None:
    old_unit, mover, _ = await crew_tablets(ctx)
    new_unit = await make_unit(ctx)
    report = await assigned_report(ctx, old_unit)
    await mover.pull_all()
    await move_officer(ctx, mover.officer, new_unit)
    mover.unit_id = new_unit.id
    late = mover.edit("notes", uuid7(), "create", report_id=str(report.id), text="Запись после перевода")
    late.device_time = utcnow() + timedelta(seconds=1)
    (result,) = await mover.push()
    assert result["status"] == "rejected" and result["reason"] == "unit_changed" and result["kept"] is True
    assert "kept_fields" not in result
    async with ctx.sessions() as session:
        assert await session.get(ReportNote, uuid.UUID(late.id)) is None
        stored = await session.get(SyncMutation, (mover.device_id, late.mutation_id))
        assert stored is not None
        assert stored.result["kept_fields"] == {"report_id": str(report.id), "text": "Запись после перевода"}
    mover.outbox.append(late)  # resent after a lost answer: the stored answer, without the kept text
    (again,) = await mover.push()
    assert again["status"] == "duplicate" and again["original_status"] == "rejected"
    assert again["reason"] == "unit_changed" and "kept_fields" not in again


async def test_a_stranger_to_the_report_is_still_refused(ctx: Context) -> None:
    unit_a, unit_b, unit_c = await make_unit(ctx), await make_unit(ctx), await make_unit(ctx)
    report = await assigned_report(ctx, unit_a)
    officer, _ = await make_officer(ctx, unit=unit_b)
    tablet = Tablet(ctx, officer, unit_b.id)
    await move_officer(ctx, officer, unit_c)  # the officer's former unit never held the report
    tablet.unit_id = unit_c.id
    tablet.edit("notes", uuid7(), "create", report_id=str(report.id), text="чужой рапорт")
    (result,) = await tablet.push()
    assert result["status"] == "rejected" and result["reason"] == "not_assigned"


async def test_a_write_up_typed_before_the_move_is_kept_and_reaches_the_old_crew(ctx: Context) -> None:
    old_unit, mover, crewmate = await crew_tablets(ctx)
    new_unit = await make_unit(ctx)
    report = await assigned_report(ctx, old_unit)
    await mover.pull_all()
    await crewmate.pull_all()
    mover.edit("reports", str(report.id), findings="Дверь взломана, следы обуви 43 размера")
    await move_officer(ctx, mover.officer, new_unit)
    mover.unit_id = new_unit.id
    (result,) = await mover.push()
    assert result["status"] == "applied" and result["applied_fields"] == ["findings"], result
    await crewmate.pull_all()
    assert crewmate.replica["reports"][str(report.id)]["findings"] == "Дверь взломана, следы обуви 43 размера"
    # typed after the move: not applied (the officer no longer works the report), but the text is kept
    late = mover.edit("reports", str(report.id), findings="уточнение после перевода")
    late.device_time = utcnow() + timedelta(seconds=1)
    (refused,) = await mover.push()
    assert refused["status"] == "rejected" and refused["reason"] == "unit_changed" and refused["kept"] is True
    async with ctx.sessions() as session:
        stored = await session.get(SyncMutation, (mover.device_id, late.mutation_id))
        assert stored is not None
        assert stored.result["kept_fields"] == {"report_id": str(report.id),
                                                "fields": {"findings": "уточнение после перевода"}}


async def test_a_reassignment_after_the_move_still_wins_over_the_queued_write_up(ctx: Context) -> None:
    from backend.dispatch import service as dispatch
    from backend.reports.models import Report
    from tests.sync.conftest import DISPATCHER

    old_unit, mover, _ = await crew_tablets(ctx)
    new_unit, other_unit = await make_unit(ctx), await make_unit(ctx)
    report = await assigned_report(ctx, old_unit)
    await mover.pull_all()
    mover.edit("reports", str(report.id), findings="офлайн-правка")
    note_id = uuid7()
    mover.edit("notes", note_id, "create", report_id=str(report.id), text="заметка до перевода")
    await move_officer(ctx, mover.officer, new_unit)
    mover.unit_id = new_unit.id
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await dispatch.assign(session, row, other_unit, DISPATCHER)
        await session.commit()
    edit_result, note_result = await mover.push()
    assert edit_result["status"] == "rejected" and edit_result["reason"] == "not_assigned"
    assert note_result["status"] == "applied"  # chain of custody: the note is kept all the same
