"""The scheduled check judges every report's unsealed rows too (verify.check_pinned_onward), a part each run: a
report's text changed in the database was seen only by `zan ledger verify` run by hand, because these rows change
in place and no seal holds them. A finding is logged at ERROR, fails the ledger's /health and shows on /metrics
until a cycle passes clean."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import httpx
import pytest

from backend.context import Context
from backend.ledger import jobs
from backend.ledger.models import LedgerCheckpoint
from backend.ledger.verify import PINNED, check_pinned_onward
from backend.reports import submission
from backend.reports.models import Report, ReportEvent
from tests.core.factories import make_report
from tests.ledger.records import as_superuser
from tests.ledger.test_metrics import _scrape

pytestmark = pytest.mark.anyio
HOUR = timedelta(hours=1)


async def _registered(ctx: Context, count: int) -> list[Report]:
    """`count` reports whose `registered` event pins their submission, in the order the check walks them (ids)."""
    async with ctx.sessions() as session:
        reports = [await make_report(session, text=f"обращение {n}") for n in range(count)]
        for report in reports:
            session.add(ReportEvent(report_id=report.id, action="registered", actor_type="citizen", channel="test",
                                    data={"submission": submission.digest(submission.submission(report, []))}))
        await session.commit()
    return sorted(reports, key=lambda report: report.id)


async def _set_text(ctx: Context, report: Report, text: str) -> None:
    row_id = str(report.id) if ctx.engine.dialect.name == "postgresql" else report.id.hex
    await as_superuser(ctx, "UPDATE reports SET text = :text WHERE id = :id", text=text, id=row_id)


async def _run(ctx: Context, every: timedelta = HOUR) -> tuple[list[uuid.UUID], LedgerCheckpoint]:
    async with ctx.sessions() as session:
        verdict = await check_pinned_onward(session, every=every, reports=2, batch=1)
    async with ctx.sessions() as session:
        checkpoint = await session.get(LedgerCheckpoint, PINNED)
    assert checkpoint is not None
    return [row_id for _, row_id in verdict.altered], checkpoint


async def _ledger_health(ctx: Context, client: httpx.AsyncClient) -> dict[str, object]:
    ctx.extras.pop("health_ledger", None)  # (cached between a load balancer's probes)
    part: dict[str, object] = (await client.get("/health")).json()["ledger"]
    return part


async def test_a_cycle_goes_on_run_by_run_and_finds_each_change_once(
        ctx: Context, app_client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    reports = await _registered(ctx, 5)
    for report in reports[1], reports[4]:
        await _set_text(ctx, report, "иное")
    with caplog.at_level(logging.ERROR, logger="backend.ledger.verify"):
        first, checkpoint = await _run(ctx)
        assert (first, checkpoint.rows_read, checkpoint.finished_at) == ([reports[1].id], 2, None)
        assert (await _ledger_health(ctx, app_client))["pinned_problems"] == 1
        second, checkpoint = await _run(ctx)  # goes on after the second report
        assert (second, checkpoint.rows_read, checkpoint.finished_at) == ([], 4, None)
        third, checkpoint = await _run(ctx)
        assert (third, checkpoint.rows_read) == ([reports[4].id], 5)
        assert checkpoint.finished_at is not None and checkpoint.positions["problems"] == 2
    logged = [record.getMessage() for record in caplog.records if "no seal holds" in record.getMessage()]
    assert len(logged) == 2 and f"reports {reports[4].id} altered" in logged[1]
    health = await _ledger_health(ctx, app_client)
    assert health["pinned_problems"] == 2 and not health["ok"]
    assert (await _scrape(app_client))[("zan_ledger_pinned_problems", "")] == 2
    assert (await _run(ctx))[0] == []  # the cycle is done and the next one not due

    # put right: a new cycle keeps the last one's count until it has judged every report clean
    for report in reports[1], reports[4]:
        await _set_text(ctx, report, report.text)
    _, checkpoint = await _run(ctx, every=timedelta(0))
    assert checkpoint.finished_at is None and (await _ledger_health(ctx, app_client))["pinned_problems"] == 2
    for _ in range(2):
        _, checkpoint = await _run(ctx, every=timedelta(0))
    assert checkpoint.finished_at is not None and checkpoint.positions["problems"] == 0
    assert (await _ledger_health(ctx, app_client))["pinned_problems"] == 0
    assert (await _scrape(app_client))[("zan_ledger_pinned_problems", "")] == 0


async def test_the_scheduled_check_runs_it(ctx: Context) -> None:
    reports = await _registered(ctx, 1)
    await _set_text(ctx, reports[0], "иное")
    await jobs.check_the_record(ctx)
    async with ctx.sessions() as session:
        checkpoint = await session.get(LedgerCheckpoint, PINNED)
    assert checkpoint is not None and checkpoint.finished_at is not None and checkpoint.positions["problems"] == 1


async def test_a_checkpoint_changed_by_hand_starts_afresh(ctx: Context, caplog: pytest.LogCaptureFixture) -> None:
    reports = await _registered(ctx, 3)
    await _set_text(ctx, reports[0], "иное")
    await _run(ctx)
    async with ctx.sessions() as session:
        checkpoint = await session.get(LedgerCheckpoint, PINNED)
        assert checkpoint is not None
        checkpoint.positions = {"after": "not an id", "problems": 0}
        await session.commit()
    with caplog.at_level(logging.WARNING, logger="backend.ledger.verify"):
        found, checkpoint = await _run(ctx)
    assert found == [reports[0].id] and checkpoint.rows_read == 2
    assert any("cannot be read" in record.getMessage() for record in caplog.records)
