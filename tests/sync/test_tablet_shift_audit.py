"""A patrol shift walked for lost work and a wrong record (tablet audit): a note queued before a move is the old
crew's; a crewmate's text outrun by a later one that reached the server first stays in the record; a mutation id
the ledger answered for another change is not a duplicate; a wiped tablet's empty cursor gets the snapshot."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select

from backend.audit.models import AuditLog
from backend.context import Context
from backend.dispatch import service as dispatch
from backend.reports.models import Report, ReportEvent
from backend.sync import sealed
from backend.sync.models import ReportField, ReportNote
from tests.officers.factories import DEFAULT_PASSWORD, bearer, login, make_unit
from tests.sync.conftest import DISPATCHER, assigned_report, crew_tablets, move_officer, uuid7

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("moved_to_a_unit", [True, False])
async def test_a_note_queued_before_a_move_is_recorded_as_the_old_crews(ctx: Context, moved_to_a_unit: bool) -> None:
    old_unit, mover, _ = await crew_tablets(ctx)
    new_unit = await make_unit(ctx) if moved_to_a_unit else None
    report = await assigned_report(ctx, old_unit)
    await mover.pull_all()
    # typed offline on scene while still in the old crew; the officer is moved before the tablet reaches the server
    note_id = uuid7()
    mover.edit("notes", note_id, "create", report_id=str(report.id), text="Свидетель видел белую машину")
    await move_officer(ctx, mover.officer, new_unit)
    mover.unit_id = new_unit.id if new_unit else None
    (result,) = await mover.push()
    assert result["status"] == "applied", result
    async with ctx.sessions() as session:
        note = await session.get(ReportNote, uuid.UUID(note_id))
        assert note is not None
        # the crew that held the report wrote it, not a unit that never had it (nor "no unit")
        assert note.unit_id == old_unit.id
        event = await session.scalar(select(ReportEvent).where(ReportEvent.report_id == report.id,
                                                               ReportEvent.action == sealed.NOTE_ADDED))
        assert event is not None and event.data["unit_id"] == str(old_unit.id)


async def _overwrites(ctx: Context, report_id: uuid.UUID) -> list[ReportEvent]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(ReportEvent).where(
            ReportEvent.report_id == report_id, ReportEvent.action == "fields_overwritten")))


async def test_a_crewmates_findings_outrun_by_a_later_text_that_arrived_first_stay_in_the_record(
        ctx: Context) -> None:
    """Two tablets of one car, both offline, both write the findings. The later text stands however the pushes
    arrive; the earlier one was kept in the record when it reached the server first (replaced: fields_overwritten),
    and was lost without a trace when the later one did."""
    unit, early, late = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    rid = str(report.id)
    await early.pull_all()
    await late.pull_all()
    early.clock_offset_ms = -60_000  # typed a minute before the crewmate's
    early.edit("reports", rid, findings="Со слов соседей, нападавший ушёл к остановке")
    late.edit("reports", rid, findings="Нападавший задержан у остановки")
    [first] = await late.push()
    [second] = await early.push()
    assert first["status"] == "applied" and second["superseded_fields"] == ["findings"], (first, second)
    async with ctx.sessions() as session:
        stored = await session.get(ReportField, (report.id, "findings"))
        assert stored is not None and stored.value == "Нападавший задержан у остановки"
    [event] = await _overwrites(ctx, report.id)
    assert not event.public
    was = event.data["previous"]["findings"]
    assert (was["value"], was["actor_id"]) == ("Со слов соседей, нападавший ушёл к остановке", str(early.officer.id))
    assert event.data["values"] == {"findings": "Нападавший задержан у остановки"}
    assert event.data["replaced_by"]["findings"]["actor_id"] == str(late.officer.id)
    # audited as every overwrite is (names and writers, no text)
    async with ctx.sessions() as session:
        audit = await session.scalar(select(AuditLog).where(AuditLog.action == "report.fields",  # type: ignore[arg-type]
                                                            AuditLog.target_id == str(report.id)))  # type: ignore[arg-type]
    assert audit is not None and audit.data["event_id"] == str(event.id)
    assert "value" not in audit.data["previous"]["findings"]


async def test_an_officers_own_earlier_draft_arriving_late_leaves_no_record(ctx: Context) -> None:
    unit, tab, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    draft = tab.edit("reports", str(report.id), findings="Черновик")
    final = tab.edit("reports", str(report.id), findings="Окончательный текст")
    tab.outbox = [final, draft]  # the revision reached the server first
    assert [r["status"] for r in await tab.push()] == ["applied", "superseded"]
    assert await _overwrites(ctx, report.id) == []


async def test_a_mutation_id_the_ledger_answered_for_another_change_is_not_a_duplicate(ctx: Context) -> None:
    """An app whose data was cleared on the same tablet (same device id) numbers its outbox from the start again.
    Answered `duplicate` of the old mutation, the officer's new note was dropped from the outbox and never stored."""
    unit, tab, crewmate = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    old = tab.edit("notes", uuid7(), "create", report_id=str(report.id), text="Прибыли на место")
    [applied] = await tab.push()
    assert applied["status"] == "applied"
    tab.replica = {name: {} for name in tab.replica}  # app data cleared: the replica and the outbox go
    tab.cursor = None
    await tab.pull_all()
    new = tab.edit("notes", uuid7(), "create", report_id=str(report.id), text="Задержан гражданин К.")
    new.mutation_id = old.mutation_id
    [answer] = await tab.push()
    assert (answer["status"], answer["reason"]) == ("rejected", "mutation_id_reused"), answer
    new.mutation_id = uuid7()  # sent again under a new id, as the answer asks
    tab.outbox.append(new)
    [again] = await tab.push()
    assert again["status"] == "applied", again
    await crewmate.pull_all()
    assert {n["text"] for n in crewmate.replica["notes"].values()} == {"Прибыли на место", "Задержан гражданин К."}
    # the resend of the same outbox entry after a lost answer is still the stored answer
    tab.outbox.append(new)
    [duplicate] = await tab.push()
    assert (duplicate["status"], duplicate["original_status"]) == ("duplicate", "applied"), duplicate
    assert "sent" not in duplicate


async def test_a_tablet_keeping_no_cursor_as_an_empty_one_gets_the_snapshot(app_client: httpx.AsyncClient,
                                                                             ctx: Context) -> None:
    """A wiped tablet whose app stores "no cursor yet" as an empty string was told its cursor was altered (400),
    which it cannot recover from; it gets the initial snapshot, as with no cursor at all."""
    unit, tab, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    headers = bearer(await login(app_client, tab.officer.badge_number, DEFAULT_PASSWORD, tab.device_id))
    r = await app_client.get("/api/v1/sync/pull", params={"cursor": ""}, headers=headers)
    assert r.status_code == 200, r.text
    assert [row["id"] for row in r.json()["changes"]["reports"]["upserted"]] == [str(report.id)]


async def test_a_write_up_typed_before_dispatch_gave_the_report_to_another_crew_is_kept_with_the_answer(
        ctx: Context) -> None:
    """Reassignment wins over an offline write-up (not applied), but what the crew found on scene while it held the
    report stays on the server with the answer; so does one typed after the reassignment, before the tablet learnt
    of it (tests/sync/test_write_up_after_custody_lost.py): it was refused with its texts dropped."""
    from backend.dispatch import service as dispatch
    from backend.lib.clock import utcnow
    from backend.reports.models import Report
    from backend.sync.models import SyncMutation
    from tests.sync.conftest import DISPATCHER

    unit, tablet, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await tablet.pull_all()
    typed = tablet.edit("reports", str(report.id), findings="Следы взлома на двери")
    other_crew = await make_unit(ctx)
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await dispatch.assign(session, row, other_crew, DISPATCHER)
        await session.commit()
    late = tablet.edit("reports", str(report.id), findings="Уже после передачи")
    late.device_time = utcnow()
    kept, kept_late = await tablet.push()
    assert (kept["status"], kept["reason"], kept.get("kept")) == ("rejected", "not_assigned", True), kept
    assert (kept_late["status"], kept_late["reason"], kept_late.get("kept")) == ("rejected", "not_assigned", True), \
        kept_late
    async with ctx.sessions() as session:
        stored = await session.get(SyncMutation, (tablet.device_id, typed.mutation_id))
        assert stored is not None
        assert stored.result["kept_fields"] == {"report_id": str(report.id),
                                                "fields": {"findings": "Следы взлома на двери"}}
        stored_late = await session.get(SyncMutation, (tablet.device_id, late.mutation_id))
        assert stored_late is not None
        assert stored_late.result["kept_fields"] == {"report_id": str(report.id),
                                                     "fields": {"findings": "Уже после передачи"}}
        assert await session.get(ReportField, (report.id, "findings")) is None


async def test_a_resolve_without_its_outcome_keeps_the_write_up_it_carried(ctx: Context) -> None:
    """The step is refused (the citizen is told the outcome, none is assumed), and the findings sent with it, which
    the tablet then drops from its outbox, stay on the server with the answer."""
    from backend.sync.models import SyncMutation

    unit, tablet, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await tablet.pull_all()
    sent = tablet.edit("reports", str(report.id), status="resolved", findings="Драка прекращена, участники опрошены")
    (result,) = await tablet.push()
    assert (result["status"], result["reason"], result.get("kept")) == ("rejected", "invalid_outcome", True), result
    async with ctx.sessions() as session:
        stored = await session.get(SyncMutation, (tablet.device_id, sent.mutation_id))
        assert stored is not None and stored.result["kept_fields"] == {
            "report_id": str(report.id), "fields": {"findings": "Драка прекращена, участники опрошены"}}


async def test_a_note_queued_before_a_move_to_a_unit_that_once_held_the_report_is_the_old_crews(ctx: Context) -> None:
    """The report went from crew B to crew A; an officer of A types a note offline and is then moved to B: the note is
    A's, though B held the report once too."""
    old_unit, mover, _ = await crew_tablets(ctx)
    earlier_holder = await make_unit(ctx)
    report = await assigned_report(ctx, earlier_holder)
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await dispatch.assign(session, row, old_unit, DISPATCHER)
        await session.commit()
    await mover.pull_all()
    note_id = uuid7()
    mover.edit("notes", note_id, "create", report_id=str(report.id), text="Свидетель видел белую машину")
    await move_officer(ctx, mover.officer, earlier_holder)
    mover.unit_id = earlier_holder.id
    (result,) = await mover.push()
    assert result["status"] == "applied", result
    async with ctx.sessions() as session:
        note = await session.get(ReportNote, uuid.UUID(note_id))
        assert note is not None
        assert note.unit_id == old_unit.id, (note.unit_id, old_unit.id, earlier_holder.id)


async def test_an_honest_resend_whose_hlc_is_written_another_way_is_a_duplicate(ctx: Context) -> None:
    """The same outbox entry resent after an app update that writes the counter without padding: the same stamp,
    not another change under a reused id."""
    unit, tab, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    m = tab.edit("reports", str(report.id), findings="Дверь вскрыта")
    [first] = await tab.push()
    assert first["status"] == "applied", first
    ms, counter, node = m.hlc.split("-", 2)
    m.hlc = f"{ms}-{int(counter)}-{node}"  # the same stamp (hlc.parse reads it equal)
    tab.outbox.append(m)
    [again] = await tab.push()
    assert again["status"] == "duplicate", again
