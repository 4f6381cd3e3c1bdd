"""The redirect term out of police competence (3 working days, law on appeals): it starts with the appeal, whether or
not a model is there to classify it, and an appeal that reopens a redirected report starts it afresh (audit
2026-12-05)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.context import Context
from backend.dispatch import service as dispatch
from backend.dispatch.jobs import find_escalations
from backend.dispatch.models import Escalation
from backend.jobs.models import OutboxTask
from backend.lib.clock import as_utc, utcnow
from backend.reports import service as reports
from backend.reports.deadlines import redirect_due, redirect_term
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By
from backend.reports.workflow import Actor, Status
from backend.routing import corrections
from tests.core.factories import make_report
from tests.helpers import PartnerClient, eventually
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio

GARBAGE = "Во дворе две недели не вывозят мусор, контейнеры переполнены"


async def _escalated(ctx: Context, report_id: uuid.UUID) -> list[str]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(Escalation.kind).where(  # type: ignore[call-overload]
            Escalation.report_id == report_id)))  # type: ignore[arg-type]


async def test_the_citizens_pick_starts_the_term_while_the_model_is_down(ctx: Context, citizen: PartnerClient,
                                                                         tmp_path: Path) -> None:
    empty = tmp_path / "no-router-model"
    empty.mkdir()
    ctx.settings = ctx.settings.with_(router_model_dir=str(empty))
    ctx.extras.pop("router", None)
    response = await citizen.submit(GARBAGE, category="not_police")
    assert response.status_code == 201, response.text
    report_id = uuid.UUID(response.json()["id"])

    async def waiting_for_a_model() -> bool:
        async with ctx.sessions() as session:
            task = await session.scalar(select(OutboxTask).where(OutboxTask.dedupe_key == f"route:{report_id}"))  # type: ignore[arg-type]
        return task is not None and task.status == "pending" and "unavailable" in (task.last_error or "")

    await eventually(waiting_for_a_model, timeout=30)
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
    assert report is not None and report.status == Status.TRIAGE.value and report.category is None
    assert report.redirect_due_at is not None
    assert as_utc(report.redirect_due_at) == redirect_due(report.created_at)
    # the SLA job watches it like any other out-of-competence report: here, once the term is about to end
    async with ctx.sessions() as session:
        row = await session.get(Report, report_id)
        assert row is not None
        row.redirect_due_at = utcnow() - timedelta(hours=1)
        await session.commit()
    await find_escalations(ctx)
    assert "redirect_due" in await _escalated(ctx, report_id)


async def test_a_police_pick_starts_no_redirect_term(ctx: Context, citizen: PartnerClient) -> None:
    ctx.settings = ctx.settings.with_(enable_routing=False)
    response = await citizen.submit("У меня украли велосипед из подъезда", category="theft")
    assert response.status_code == 201, response.text
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(response.json()["id"]))
    assert report is not None and report.redirect_due_at is None


async def test_reclassification_replaces_the_citizens_term(ctx: Context) -> None:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, category_hint="not_police",
                                   redirect_due_at=redirect_term("not_police", utcnow()))
        await session.commit()
        await corrections.reclassify(session, report, "public_order", "это хулиганство", DISPATCHER)
        await session.commit()
        assert report.redirect_due_at is None


async def _redirected_a_week_ago(ctx: Context) -> Report:
    registered = utcnow() - timedelta(days=7)
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, category="not_police", text=GARBAGE,
                                   created_at=registered, updated_at=registered,
                                   redirect_due_at=redirect_term("not_police", registered))
        await dispatch.close(session, report, "redirected", DISPATCHER, reason="вывоз мусора — акимат")
        await session.commit()
    assert report.redirect_due_at is not None and as_utc(report.redirect_due_at) < utcnow()  # lapsed long ago
    return report


async def _reopened_at(ctx: Context, report_id: uuid.UUID) -> datetime:
    async with ctx.sessions() as session:
        at = await session.scalar(select(ReportEvent.created_at).where(  # type: ignore[call-overload]
            ReportEvent.report_id == report_id, ReportEvent.action == "reopen"))  # type: ignore[arg-type]
    assert at is not None
    return as_utc(at)


async def test_an_appeal_against_a_redirect_starts_a_fresh_term(ctx: Context) -> None:
    report = await _redirected_a_week_ago(ctx)
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await reports.reopen(session, row, By(Actor.CITIZEN, str(row.citizen_id), "test"), "это не к акимату")
        await session.commit()
        assert row.redirect_due_at is not None
        assert as_utc(row.redirect_due_at) == redirect_due(await _reopened_at(ctx, report.id)) > utcnow()
    await find_escalations(ctx)
    # before the fix: the lapsed term stayed, and the reopened report escalated at once as overdue
    assert "redirect_due" not in await _escalated(ctx, report.id)


async def test_a_reclassification_after_the_appeal_counts_from_the_appeal(ctx: Context) -> None:
    report = await _redirected_a_week_ago(ctx)
    supervisor = By(Actor.SUPERVISOR, "sup-1", "console")
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await reports.reopen(session, row, supervisor, "проверить компетенцию")
        await corrections.reclassify(session, row, "public_order", "хулиганство", DISPATCHER)
        assert row.redirect_due_at is None
        await corrections.reclassify(session, row, "not_police", "всё же акимат", DISPATCHER)
        await session.commit()
        assert row.redirect_due_at is not None
        assert as_utc(row.redirect_due_at) == redirect_due(await _reopened_at(ctx, report.id))
    await find_escalations(ctx)
    assert "redirect_due" not in await _escalated(ctx, report.id)
