"""The tablet-sync protocol (design: tablet-sync.md) on PostgreSQL and SQLite, through the sync services."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.reports.models import Report, ReportEvent
from backend.sync import changes, wanted
from backend.sync.models import ReportNote
from tests.officers.factories import make_officer, make_unit
from tests.sync.conftest import DISPATCHER, LostResponse, Tablet, assigned_report, crew_tablets, server_view, uuid7

pytestmark = pytest.mark.anyio


async def _tablet(ctx: Context, unit_id: uuid.UUID | None = None) -> Tablet:
    unit = await make_unit(ctx) if unit_id is None else None
    officer, _ = await make_officer(ctx, unit=unit)
    return Tablet(ctx, officer, unit.id if unit else unit_id)


async def test_paginated_initial_sync_resumes_to_the_full_view(ctx: Context) -> None:
    tab = await _tablet(ctx)
    from backend.officers.models import Unit

    async with ctx.sessions() as session:
        unit = await session.get(Unit, tab.unit_id)
        for i in range(7):
            await wanted.add_vehicle(session, plate=f"{100 + i} ABC 01", reason="угон")
        await session.commit()
    assert unit is not None
    reports = [await assigned_report(ctx, unit) for _ in range(4)]
    # interrupted after 2 pages of 3: the stored cursor resumes exactly where it stopped
    assert await tab.pull_page(limit=3) and await tab.pull_page(limit=3)
    async with ctx.sessions() as session:  # a change lands mid-snapshot
        report = await session.get(Report, reports[0].id)
        assert report is not None
        await dispatch.set_fields(session, report, {"findings": "изменено во время синхронизации"}, DISPATCHER)
        await session.commit()
    await tab.pull_all(limit=3)
    assert len(tab.replica["reports"]) == 4 and len(tab.replica["wanted_vehicles"]) == 7
    assert tab.replica["reports"][str(reports[0].id)]["findings"] == "изменено во время синхронизации"
    assert tab.replica == await server_view(ctx, tab)


async def test_lost_response_retry_makes_one_note(ctx: Context) -> None:
    tab = await _tablet(ctx)
    from backend.officers.models import Unit

    async with ctx.sessions() as session:
        unit = await session.get(Unit, tab.unit_id)
    assert unit is not None
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    note_id = uuid7()
    tab.edit("notes", note_id, "create", report_id=str(report.id), text="Опросил соседей", extra_field=1)
    with pytest.raises(LostResponse):
        await tab.push(lose_response=True)
    results = await tab.push()  # the same batch, same mutation ids (also what a server restart looks like)
    assert results[0]["status"] == "duplicate" and results[0]["original_status"] == "applied"
    assert results[0]["ignored_fields"] == ["extra_field"]
    async with ctx.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ReportNote)) == 1
    await tab.pull_all()
    assert note_id in tab.replica["notes"]


async def test_one_batch_that_repeats_itself(ctx: Context) -> None:
    """A batch may name the same mutation, note and field more than once (an outbox merged after a crash): each
    later occurrence sees what the earlier ones did."""
    tab = await _tablet(ctx)
    from backend.officers.models import Unit

    async with ctx.sessions() as session:
        unit = await session.get(Unit, tab.unit_id)
    assert unit is not None
    report = await assigned_report(ctx, unit)
    rid, note = str(report.id), uuid7()
    first = tab.edit("notes", note, "create", report_id=rid, text="Опросил соседей")
    tab.outbox.append(first)  # the same mutation again
    tab.edit("notes", note, "create", report_id=rid, text="Опросил соседей")  # same note, another mutation id
    tab.edit("reports", rid, officer_summary="первая версия")
    tab.edit("reports", rid, officer_summary="вторая версия")
    tab.edit("notes", uuid7(), "create", report_id=str(uuid.uuid4()), text="чужое")  # no such report: rejected
    tab.edit("notes", "not-a-uuid", "create", report_id=rid, text="битый id")
    results = await tab.push()
    assert [(r["status"], r["reason"]) for r in results] == [
        ("applied", None), ("duplicate", None), ("applied", None), ("applied", None), ("applied", None),
        ("rejected", "not_assigned"), ("rejected", "invalid_id")]
    async with ctx.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ReportNote)) == 1
    fresh = await server_view(ctx, tab)
    assert fresh["reports"][rid]["officer_summary"] == "вторая версия"
    assert list(fresh["notes"]) == [note] and fresh["notes"][note]["text"] == "Опросил соседей"


async def test_field_lww_two_devices_and_dispatcher(ctx: Context) -> None:
    unit, a, b = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    rid = str(report.id)
    await a.pull_all()
    await b.pull_all()
    a.edit("reports", rid, officer_summary="A: драка прекращена")
    b.edit("reports", rid, address_details="подъезд 3, кв. 41")
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await dispatch.set_fields(session, row, {"findings": "диспетчер: свидетели есть"}, DISPATCHER)
        await session.commit()
    await a.push()
    await b.push()
    # same field: the later HLC wins and the loser converges
    b.edit("reports", rid, officer_summary="B: позже")
    a.edit("reports", rid, officer_summary="A: раньше, но отправлено позже")
    a.outbox[-1].hlc = "0000000000001-00001-" + a.device_id  # an older stamp
    await b.push()
    res = await a.push()
    assert res[0]["status"] == "superseded" and res[0]["superseded_fields"] == ["officer_summary"]
    await a.sync()
    await b.sync()
    view = await server_view(ctx, a)
    row_view = view["reports"][rid]
    assert (row_view["officer_summary"], row_view["address_details"], row_view["findings"]) == (
        "B: позже", "подъезд 3, кв. 41", "диспетчер: свидетели есть")
    assert a.replica == b.replica == view


async def test_future_clock_cannot_beat_a_later_dispatcher_correction(ctx: Context) -> None:
    tab = await _tablet(ctx)
    from backend.officers.models import Unit

    async with ctx.sessions() as session:
        unit = await session.get(Unit, tab.unit_id)
    assert unit is not None
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    tab.clock_offset_ms = 24 * 3600 * 1000
    tab.edit("reports", str(report.id), findings="с планшета, часы +24 ч")
    assert (await tab.push())[0]["status"] == "applied"
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await dispatch.set_fields(session, row, {"findings": "исправлено диспетчером"}, DISPATCHER)
        await session.commit()
    await tab.pull_all()
    assert tab.replica["reports"][str(report.id)]["findings"] == "исправлено диспетчером"


async def test_status_lattice_and_timeline(ctx: Context) -> None:
    tab = await _tablet(ctx)
    from backend.officers.models import Unit

    async with ctx.sessions() as session:
        unit = await session.get(Unit, tab.unit_id)
    assert unit is not None
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    rid = str(report.id)
    tab.edit("reports", rid, status="on_scene")
    tab.edit("reports", rid, status="en_route")  # stale: arrived after on_scene
    tab.edit("reports", rid, priority="low")
    tab.edit("reports", rid, status="flying")
    first, stale, read_only, invalid = await tab.push()
    assert first["status"] == "applied" and first["applied_fields"] == ["status"]
    assert stale["status"] == "superseded" and stale["superseded_fields"] == ["status"]
    assert read_only["status"] == "rejected" and read_only["reason"] == "read_only"
    assert invalid["status"] == "rejected" and invalid["reason"] == "invalid_status"
    await tab.pull_all()
    assert tab.replica["reports"][rid]["status"] == "on_scene" and tab.replica["reports"][rid]["priority"] != "low"
    async with ctx.sessions() as session:
        event = await session.scalar(select(ReportEvent).where(ReportEvent.report_id == report.id,  # type: ignore[arg-type]
                                                               ReportEvent.action == "on_scene"))  # type: ignore[arg-type]
    assert event is not None and event.device_time is not None and event.channel == "tablet"
    assert event.created_at >= event.device_time


async def test_delete_beats_offline_edit_and_reassignment_moves_notes(ctx: Context) -> None:
    unit_a, unit_b = await make_unit(ctx), await make_unit(ctx)
    a_off, _ = await make_officer(ctx, unit=unit_a)
    b_off, _ = await make_officer(ctx, unit=unit_b)
    a, b = Tablet(ctx, a_off, unit_a.id), Tablet(ctx, b_off, unit_b.id)
    closed, moved = await assigned_report(ctx, unit_a), await assigned_report(ctx, unit_a)
    await a.pull_all()
    await b.pull_all()
    note_id = uuid7()
    a.edit("notes", note_id, "create", report_id=str(moved.id), text="первичный осмотр")
    await a.push()
    # offline: A edits both reports; meanwhile dispatch closes one as duplicate and moves the other to B
    a.edit("reports", str(closed.id), findings="офлайн-правка")
    late_note = uuid7()
    a.edit("notes", late_note, "create", report_id=str(moved.id), text="поздняя заметка прежнего наряда")
    async with ctx.sessions() as session:
        c = await session.get(Report, closed.id)
        m = await session.get(Report, moved.id)
        assert c is not None and m is not None
        await dispatch.close(session, c, "duplicate", DISPATCHER, reason="дубликат", duplicate_of=m.id)
        await dispatch.assign(session, m, unit_b, DISPATCHER)
        await session.commit()
    edit_result, note_result = await a.push()
    assert edit_result["status"] == "rejected" and edit_result["reason"] == "not_assigned"
    assert note_result["status"] == "applied"  # chain of custody: the previous assignee's note is kept
    await a.pull_all()
    await b.pull_all()
    assert a.replica["reports"] == {} and a.replica["notes"] == {}
    assert set(b.replica["reports"]) == {str(moved.id)}
    assert set(b.replica["notes"]) == {note_id, late_note}


async def test_cursor_faults_and_compaction_reset(ctx: Context) -> None:
    tab = await _tablet(ctx)
    other = await _tablet(ctx)
    from backend.officers.models import Unit

    async with ctx.sessions() as session:
        unit = await session.get(Unit, tab.unit_id)
    assert unit is not None
    report = await assigned_report(ctx, unit)
    await tab.pull_all()
    await other.pull_all()
    # another officer's cursor → 410; a tampered one → 400
    from backend.lib.errors import ZanError
    from backend.sync.pull import pull
    from backend.sync.views import viewer_for

    async with ctx.sessions() as session:
        viewer = await viewer_for(session, tab.officer.id, tab.unit_id)
        with pytest.raises(ZanError) as gone:
            await pull(session, secret_key=ctx.settings.secret_key, viewer=viewer, cursor=other.cursor)
        assert gone.value.status == 410
    async with ctx.sessions() as session:
        assert tab.cursor is not None
        with pytest.raises(ZanError) as bad:
            await pull(session, secret_key=ctx.settings.secret_key, viewer=viewer, cursor="x" + tab.cursor[1:])
        assert bad.value.status == 400
    # the tablet is offline with an unsent note while the log is compacted past its cursor
    note_id = uuid7()
    tab.edit("notes", note_id, "create", report_id=str(report.id), text="ждёт отправки")
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await dispatch.set_fields(session, row, {"findings": "после курсора"}, DISPATCHER)
        await session.commit()
    async with ctx.sessions() as session:
        await changes.compact(session, upto_seq=await changes.max_seq(session))
    await tab.pull_all()
    assert tab.resets == 1 and len(tab.outbox) == 1  # replica wiped and rebuilt, outbox kept
    assert tab.replica["reports"][str(report.id)]["findings"] == "после курсора"
    await tab.sync()
    assert note_id in tab.replica["notes"]
    assert tab.replica == await server_view(ctx, tab)


async def test_wanted_tombstones_reach_tablets(ctx: Context) -> None:
    tab = await _tablet(ctx)
    async with ctx.sessions() as session:
        person = await wanted.add_person(session, full_name="Серикбаев Ерлан Маратович", birth_year=1987,
                                         reason="розыск по ст. 188 УК РК")
        await session.commit()
    await tab.pull_all()
    assert str(person.id) in tab.replica["wanted_persons"]
    async with ctx.sessions() as session:
        await wanted.remove(session, collection="wanted_persons", item_id=person.id)
        await session.commit()
    await tab.pull_all()
    assert tab.replica["wanted_persons"] == {}
