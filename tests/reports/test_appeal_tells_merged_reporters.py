"""When a report others were merged into is reopened on appeal, their reporters hear that its outcome is under
appeal, and later the new outcome: before, reporters of duplicates heard nothing of the appeal, and incident members
closed with their primary heard neither the appeal nor the new outcome (they were closed, so no longer followed)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.lib.clock import utcnow
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Actor, Status
from tests.core.factories import make_report
from tests.ledger.records import as_superuser
from tests.reports.step_helpers import events_of

pytestmark = pytest.mark.anyio


async def _close(ctx: Context, report_id: uuid.UUID, how: str, reason: str, **fields: object) -> None:
    async with ctx.sessions() as session:
        row = await session.get(Report, report_id)
        assert row is not None
        # each closing by another duty officer: an appeal is never decided by the one whose closing it appeals
        closer = By(Actor.DISPATCHER, f"d-{uuid.uuid4().hex[:8]}", "console")
        await dispatch.close(session, row, how, closer, reason=reason, **fields)  # type: ignore[arg-type]
        await session.commit()


async def _appeal(ctx: Context, report_id: uuid.UUID) -> None:
    async with ctx.sessions() as session:
        row = await session.get(Report, report_id)
        assert row is not None
        await reports.reopen(session, row, By(Actor.CITIZEN, str(row.citizen_id), "test"), "не согласен с итогом")
        await session.commit()


async def _two_reports(ctx: Context) -> tuple[Report, Report]:
    """Two open reports, the second to be closed as a duplicate of the first."""
    async with ctx.sessions() as session:
        original = await make_report(session, status=Status.TRIAGE)
        duplicate = await make_report(session, status=Status.TRIAGE)
        await session.commit()
    return original, duplicate


async def _incident_closed_together(ctx: Context) -> tuple[Report, Report]:
    """(primary, member) of one incident, the member closed by following its primary's closing."""
    async with ctx.sessions() as session:
        primary = await make_report(session, status=Status.TRIAGE)
        primary.incident_id = primary.id
        member = await make_report(session, status=Status.TRIAGE, incident_id=primary.id)
        await session.commit()
    await _close(ctx, primary.id, "unfounded", "нарушений нет")
    return primary, member


async def test_a_duplicates_reporter_hears_of_the_appeal_and_the_new_outcome(ctx: Context) -> None:
    original, duplicate = await _two_reports(ctx)
    await _close(ctx, duplicate.id, "duplicate", "повтор", duplicate_of=original.id)
    await _close(ctx, original.id, "unfounded", "нарушений нет")
    assert len(await events_of(ctx, duplicate.id, "original_closed")) == 1
    await _appeal(ctx, original.id)
    [reopened] = await events_of(ctx, duplicate.id, "original_reopened")
    assert reopened.public and reopened.actor_type == "system"
    assert "обжалован" in reopened.public_text["ru"] and "шағым" in reopened.public_text["kk"]
    assert original.number not in " ".join(reopened.public_text.values())  # never the other reporter's number
    await _close(ctx, original.id, "unfounded", "повторная проверка: нарушений нет")
    told = await events_of(ctx, duplicate.id, "original_closed")
    assert len(told) == 2 and "повторная проверка" in told[-1].public_text["ru"]


async def test_incident_members_closed_with_their_primary_follow_its_appeal(ctx: Context) -> None:
    primary, member = await _incident_closed_together(ctx)
    async with ctx.sessions() as session:
        row = await session.get(Report, member.id)
        assert row is not None and row.status == Status.CLOSED.value  # it followed its primary's closing
    assert await events_of(ctx, member.id, "original_closed") == []  # its own closing told it the first outcome
    await _appeal(ctx, primary.id)
    assert len(await events_of(ctx, member.id, "original_reopened")) == 1
    await _close(ctx, primary.id, "unfounded", "после жалобы: нарушений нет")
    [told] = await events_of(ctx, member.id, "original_closed")
    assert "после жалобы" in told.public_text["ru"]
    async with ctx.sessions() as session:
        row = await session.get(Report, member.id)
        assert row is not None and row.status == Status.CLOSED.value  # only told: its reporter did not appeal


async def test_a_member_that_appealed_on_its_own_is_not_told_of_its_primarys_appeal(ctx: Context) -> None:
    primary, member = await _incident_closed_together(ctx)
    await _appeal(ctx, member.id)  # its own consideration answers it now
    await _appeal(ctx, primary.id)
    assert await events_of(ctx, member.id, "original_reopened") == []



async def test_members_closed_with_a_primary_hear_its_appeal_after_another_member_appealed_first(
        ctx: Context) -> None:
    """A member appealing first leads the incident afterwards (the closed primary hands it on): the other members,
    still closed by the old primary's closing, hear when that closing is appealed too, and its new outcome. Before,
    only a report still primary found them, so they heard neither."""
    async with ctx.sessions() as session:
        primary = await make_report(session, status=Status.TRIAGE)
        primary.incident_id = primary.id
        first = await make_report(session, status=Status.TRIAGE, incident_id=primary.id)
        other = await make_report(session, status=Status.TRIAGE, incident_id=primary.id)
        await session.commit()
    await _close(ctx, primary.id, "unfounded", "нарушений нет")
    await _appeal(ctx, first.id)
    async with ctx.sessions() as session:
        rows = {r.id: r for r in [await session.get(Report, i) for i in (primary.id, first.id, other.id)] if r}
        assert rows[other.id].status == Status.CLOSED.value  # it followed the primary's closing
        assert rows[primary.id].incident_id == first.id  # the appealing member leads the incident now
    await _appeal(ctx, primary.id)
    assert len(await events_of(ctx, other.id, "original_reopened")) == 1
    assert await events_of(ctx, first.id, "original_reopened") == []  # it appealed on its own
    await _close(ctx, primary.id, "unfounded", "после жалобы: нарушений нет")
    told = await events_of(ctx, other.id, "original_closed")
    assert len(told) == 1 and "после жалобы" in told[0].public_text["ru"]


async def _backdate(ctx: Context, report_id: uuid.UUID, days: int, *actions: str) -> None:
    """The report closed `days` ago, and its history lines of `actions` written then (past the history's
    append-only triggers, as only a superuser could)."""
    then = utcnow() - timedelta(days=days)
    async with ctx.sessions() as session:
        await session.execute(update(Report).where(col(Report.id) == report_id).values(closed_at=then))
        await session.commit()
    sqlite = ctx.engine.dialect.name == "sqlite"  # which keeps a uuid as hex and a time as naive UTC text
    for action in actions:
        await as_superuser(ctx, "UPDATE report_events SET created_at = :then WHERE report_id = :id "
                                "AND action = :action", action=action,
                           then=then.replace(tzinfo=None).isoformat(sep=" ") if sqlite else then,
                           id=report_id.hex if sqlite else report_id)


async def test_a_duplicates_appeal_term_runs_from_the_outcome_its_reporter_was_told(ctx: Context) -> None:
    """APPK art. 92: three months from the decision the citizen was told of. A report merged as a duplicate months
    before its original was decided learns the decision with `original_closed`: an appeal right after it is on
    time. Before, the term ran from the merge, and the appeal was marked late for whoever considered it."""
    original, duplicate = await _two_reports(ctx)
    await _close(ctx, duplicate.id, "duplicate", "повтор", duplicate_of=original.id)
    await _backdate(ctx, duplicate.id, 122, "close")  # merged four months ago
    await _close(ctx, original.id, "unfounded", "нарушений нет")  # decided today: the duplicate's reporter told
    await _appeal(ctx, duplicate.id)
    [appeal] = await events_of(ctx, duplicate.id, "reopen")
    assert "appeal_term_missed" not in (appeal.data or {}) and appeal.internal_note is None


async def test_a_duplicates_appeal_months_after_the_outcome_it_was_told_is_late(ctx: Context) -> None:
    original, duplicate = await _two_reports(ctx)
    await _close(ctx, duplicate.id, "duplicate", "повтор", duplicate_of=original.id)
    await _close(ctx, original.id, "unfounded", "нарушений нет")
    await _backdate(ctx, duplicate.id, 122, "close", "original_closed")  # all of it four months ago
    await _appeal(ctx, duplicate.id)
    [appeal] = await events_of(ctx, duplicate.id, "reopen")
    assert appeal.data["appeal_term_missed"] is True, appeal.data
