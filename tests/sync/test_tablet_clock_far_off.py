"""A tablet whose clock is far off. The protocol bounds a stamp only from above (tablet-sync.md: more than 5 minutes
ahead is re-stamped with server time, so a wrong clock cannot win for ever); a stamp far in the past only loses
last-writer-wins, is answered `superseded` and converges on the next pull, and a tablet that merges `server_hlc`
never stamps below what it has seen. But the server also reads *when* a mutation was written from the tablet's
`device_time`, else its HLC's wall clock, to judge custody, and there a far-off clock lost what the crew wrote:

- a write-up typed on scene by a tablet whose clock battery died (it boots in 1970), reaching the server after
  dispatch gave the report to another unit, was refused `not_assigned` with its texts dropped (dated before the
  crew had the report, it was taken as typed when the crew did not hold it): it is now kept, as with a right clock;
- an HLC whose wall lies past the year 9999 made the mutation fail `internal`, sent again for ever.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.context import Context
from backend.reports.models import ReportEvent
from backend.sync import hlc as hlcs
from backend.sync import sealed
from backend.sync.models import ReportField, ReportNote, SyncMutation
from tests.officers.factories import make_unit
from tests.sync.conftest import assigned_report, crew_tablets, move_officer, reassign, server_view, uuid7

pytestmark = pytest.mark.anyio

EPOCH = datetime(1970, 1, 1, 0, 0, 5, tzinfo=UTC)


@pytest.mark.parametrize("clock", ["device_time", "hlc"])
async def test_a_write_up_from_a_tablet_whose_clock_says_1970_is_kept_after_a_reassignment(
        ctx: Context, clock: str) -> None:
    unit, tablet, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await tablet.pull_all()
    typed = tablet.edit("reports", str(report.id), findings="Дверь вскрыта, следы обуви 43 размера")
    if clock == "device_time":  # the app sends its wall clock as it is; its HLC merged server_hlc
        typed.device_time = EPOCH
    else:  # no device time, and an HLC that never merged server_hlc: its wall is the tablet's clock
        typed.hlc = f"{int(EPOCH.timestamp() * 1000):013d}-00001-{tablet.device_id}"
    await reassign(ctx, report, await make_unit(ctx))
    (result,) = await tablet.push()
    assert (result["status"], result["reason"], result.get("kept")) == ("rejected", "not_assigned", True), result
    async with ctx.sessions() as session:
        stored = await session.get(SyncMutation, (tablet.device_id, typed.mutation_id))
        assert stored is not None and stored.result["kept_fields"] == {
            "report_id": str(report.id), "fields": {"findings": "Дверь вскрыта, следы обуви 43 размера"}}
        events = list(await session.scalars(select(ReportEvent).where(
            col(ReportEvent.report_id) == report.id, col(ReportEvent.action) == sealed.TEXT_KEPT)))
        assert len(events) == 1
        assert await session.get(ReportField, (report.id, "findings")) is None  # the reassignment still wins


async def test_a_write_up_dated_1970_by_an_officer_who_joined_after_the_report_left_is_still_refused(
        ctx: Context) -> None:
    """Only a crew that held the report keeps texts on it: dating a write-up back does not make a newcomer one."""
    unit, _, _ = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await reassign(ctx, report, await make_unit(ctx))
    _, newcomer, _ = await crew_tablets(ctx)
    await move_officer(ctx, newcomer.officer, unit)
    newcomer.unit_id = unit.id
    typed = newcomer.edit("reports", str(report.id), findings="Не наш отчёт")
    typed.device_time = EPOCH
    (result,) = await newcomer.push()
    assert (result["status"], result["reason"], result.get("kept")) == ("rejected", "not_assigned", None), result


async def test_a_stamp_past_the_year_9999_is_applied_with_server_time(ctx: Context) -> None:
    unit, tablet, crewmate = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await tablet.pull_all()
    note_id = uuid7()
    note = tablet.edit("notes", note_id, "create", report_id=str(report.id), text="Машина уехала на север")
    text_edit = tablet.edit("reports", str(report.id), findings="Свидетель — водитель такси")
    for m in (note, text_edit):
        m.hlc = f"{10**16 + 1}-00001-{tablet.device_id}"  # year ~318,857
    results = await tablet.push()
    assert [(r["status"], r["reason"]) for r in results] == [("applied", None), ("applied", None)], results
    async with ctx.sessions() as session:
        stored = await session.get(ReportNote, uuid.UUID(note_id))
        field = await session.get(ReportField, (report.id, "findings"))
    assert stored is not None and stored.device_time is not None and stored.device_time.year < 9999
    # re-stamped with server time: a crewmate's later edit still wins
    assert field is not None and hlcs.parse(field.hlc).ms < 10**16
    await crewmate.pull_all()
    # the crewmate's tablet merges the server's clock, as tablets do: the re-stamp is the server's clock, which runs
    # ahead of the wall when an earlier test of the worker pushed a stamp minutes ahead (failed then: superseded)
    crewmate.merge_server_clock()
    crewmate.edit("reports", str(report.id), findings="Свидетель — водитель автобуса")
    assert (await crewmate.push())[0]["status"] == "applied"
    await tablet.pull_all()
    assert tablet.replica["reports"][str(report.id)]["findings"] == "Свидетель — водитель автобуса"
    assert tablet.replica == await server_view(ctx, tablet)


async def test_a_text_stamped_1970_loses_and_converges(ctx: Context) -> None:
    """What the protocol says of a stamp in the past: it loses last-writer-wins (`superseded`), the crewmate's text
    stands, and the tablet converges on its next pull. No lower bound: re-stamping it with server time would let an
    old offline edit beat every later one, and refusing it would drop what the officer typed."""
    unit, slow, crewmate = await crew_tablets(ctx)
    report = await assigned_report(ctx, unit)
    await crewmate.pull_all()
    await slow.pull_all()
    crewmate.edit("reports", str(report.id), officer_summary="Задержан один человек")
    assert (await crewmate.push())[0]["status"] == "applied"
    stale = slow.edit("reports", str(report.id), officer_summary="Никого не задержали")
    stale.hlc = f"{int(EPOCH.timestamp() * 1000):013d}-00001-{slow.device_id}"
    (result,) = await slow.push()
    assert (result["status"], result["superseded_fields"]) == ("superseded", ["officer_summary"]), result
    await slow.pull_all()
    assert slow.replica["reports"][str(report.id)]["officer_summary"] == "Задержан один человек"
    assert slow.replica == await server_view(ctx, slow)
    async with ctx.sessions() as session:  # the losing text is kept in the record, not dropped
        outrun = list(await session.scalars(select(ReportEvent).where(
            col(ReportEvent.report_id) == report.id, col(ReportEvent.action) == "fields_overwritten")))
    assert outrun, "the outrun text left no trace"
