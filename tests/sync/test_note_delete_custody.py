"""A note's author tombstones it only while their crew holds the report, or by a delete written while it did: once
the report is closed or handed to another unit, a delete typed afterwards (a sealed `note_removed` in the record of
work that is over) is refused `not_assigned`, and the note stays. Before, authorship alone was checked, at any time."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.reports.models import Report, ReportEvent
from backend.sync import sealed
from backend.sync.models import ReportNote
from tests.officers.factories import make_unit
from tests.sync.conftest import DISPATCHER, Tablet, assigned_report, crew_tablets, move_officer, reassign, uuid7

pytestmark = pytest.mark.anyio


async def _note_written(tablet: Tablet, report: Report) -> str:
    await tablet.pull_all()
    note_id = uuid7()
    tablet.edit("notes", note_id, "create", report_id=str(report.id), text="Свидетель: сосед из кв. 12")
    assert (await tablet.push())[0]["status"] == "applied"
    return note_id


async def _state(ctx: Context, note_id: str) -> tuple[bool, int]:
    """(the note is tombstoned, how many `note_removed` events its report has)."""
    async with ctx.sessions() as session:
        note = await session.get(ReportNote, uuid.UUID(note_id))
        assert note is not None
        removed = list(await session.scalars(select(ReportEvent).where(
            col(ReportEvent.report_id) == note.report_id, col(ReportEvent.action) == sealed.NOTE_REMOVED)))
    return note.deleted_at is not None, len(removed)


async def _close(ctx: Context, report: Report) -> None:
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await dispatch.close(session, row, "unfounded", DISPATCHER, reason="не подтвердилось")
        await session.commit()


async def test_a_delete_written_after_the_report_went_to_another_unit_is_refused(ctx: Context) -> None:
    unit, author, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    note_id = await _note_written(author, report)
    await reassign(ctx, report, await make_unit(ctx))
    author.edit("notes", note_id, "delete")
    (result,) = await author.push()
    assert (result["status"], result["reason"]) == ("rejected", "not_assigned"), result
    assert await _state(ctx, note_id) == (False, 0)


async def test_a_delete_written_after_the_report_was_closed_is_refused(ctx: Context) -> None:
    unit, author, crewmate = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    note_id = await _note_written(author, report)
    await crewmate.pull_all()
    crewmate.edit("reports", str(report.id), status="resolved", outcome="warning")
    assert (await crewmate.push())[0]["status"] == "applied"
    author.edit("notes", note_id, "delete")
    (result,) = await author.push()
    assert (result["status"], result["reason"]) == ("rejected", "not_assigned"), result
    assert await _state(ctx, note_id) == (False, 0)
    other = await assigned_report(ctx, unit)  # and after a dispatch closing
    other_note = await _note_written(author, other)
    await _close(ctx, other)
    author.edit("notes", other_note, "delete")
    assert (await author.push())[0]["reason"] == "not_assigned"
    assert await _state(ctx, other_note) == (False, 0)


async def test_a_delete_written_after_the_author_left_the_unit_is_refused(ctx: Context) -> None:
    unit, author, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    note_id = await _note_written(author, report)
    new_unit = await make_unit(ctx)
    await move_officer(ctx, author.officer, new_unit)
    author.unit_id = new_unit.id
    author.edit("notes", note_id, "delete")
    (result,) = await author.push()
    assert (result["status"], result["reason"]) == ("rejected", "not_assigned"), result
    assert await _state(ctx, note_id) == (False, 0)


async def test_a_delete_written_while_the_crew_held_the_report_still_applies(ctx: Context) -> None:
    """Typed offline on scene, reaching the server after dispatch gave the report away or after the author's move:
    written while the crew held it, it is the crew's own correction and applies, once."""
    unit, author, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    note_id = await _note_written(author, report)
    author.edit("notes", note_id, "delete")  # stamped now, while the crew holds the report
    await reassign(ctx, report, await make_unit(ctx))
    (result,) = await author.push()
    assert (result["status"], result["reason"]) == ("applied", None), result
    assert await _state(ctx, note_id) == (True, 1)
    second = await assigned_report(ctx, unit)
    second_note = await _note_written(author, second)
    author.edit("notes", second_note, "delete")
    new_unit = await make_unit(ctx)
    await move_officer(ctx, author.officer, new_unit)
    author.unit_id = new_unit.id
    (moved,) = await author.push()
    assert (moved["status"], moved["reason"]) == ("applied", None), moved
    assert await _state(ctx, second_note) == (True, 1)


async def test_the_author_still_deletes_on_the_report_the_crew_holds(ctx: Context) -> None:
    unit, author, crewmate = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    note_id = await _note_written(author, report)
    crewmate.edit("notes", note_id, "delete")
    author.edit("notes", note_id, "delete")
    assert [(r["status"], r["reason"]) for r in await crewmate.push() + await author.push()] == [
        ("rejected", "not_author"), ("applied", None)]
    assert await _state(ctx, note_id) == (True, 1)


async def test_a_delete_queued_before_its_create_in_one_batch_removes_the_note(ctx: Context) -> None:
    """An outbox that put a note's delete before its create (a create moved to the back after a failed send): the
    delete was answered a final `not_found`, the create then applied, and the note the officer removed came back on
    every tablet. In one batch the delete now applies right after its create; the answers stay in batch order."""
    unit, author, crewmate = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await author.pull_all()
    note_id = uuid7()
    create = author.edit("notes", note_id, "create", report_id=str(report.id), text="Ошибочная заметка")
    delete = author.edit("notes", note_id, "delete")
    other = author.edit("notes", uuid7(), "create", report_id=str(report.id), text="Заметка остаётся")
    author.outbox = [delete, other, create]
    results = await author.push()
    assert [(r["mutation_id"], r["status"], r["reason"]) for r in results] == [
        (delete.mutation_id, "applied", None), (other.mutation_id, "applied", None),
        (create.mutation_id, "applied", None)]
    assert await _state(ctx, note_id) == (True, 1)
    await crewmate.pull_all()
    assert [n["text"] for n in crewmate.replica["notes"].values()] == ["Заметка остаётся"]
    author.edit("notes", uuid7(), "delete")  # a note no create of the batch names: still not_found, final
    assert [(r["status"], r["reason"]) for r in await author.push()] == [("rejected", "not_found")]
