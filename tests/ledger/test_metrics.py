"""The ledger's gauges on the API's /metrics, scraped through the real app: read from the database at scrape time,
so the passes a worker ran (another Context here, as another process would be) show in every API process. A check
cycle that found a change keeps showing it as `last_completed` while the next cycle runs and has not reached it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert

from backend.audit.models import AuditLog
from backend.context import Context, build_context
from backend.ledger import jobs, service, verify
from backend.ledger.models import LedgerCheckpoint
from backend.ledger.service import seal_pending
from backend.lib.clock import utcnow
from tests.ledger.records import an_hour_later, as_superuser, check_cut_off_after_first_seal, record_report

pytestmark = pytest.mark.anyio


async def _scrape(client: httpx.AsyncClient) -> dict[tuple[str, str], float]:
    """The zan_ledger_* samples: (name, cycle label or "") → value."""
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return {(sample.name, sample.labels.get("cycle", "")): sample.value
            for family in text_string_to_metric_families(response.text) for sample in family.samples
            if sample.name.startswith("zan_ledger_")}


@pytest.fixture
async def worker(ctx: Context) -> AsyncIterator[Context]:
    """A worker's own Context on the same database: nothing it does lives in the API's process state."""
    other = build_context(ctx.settings, null_pool=True)
    try:
        yield other
    finally:
        await other.close()


async def _checkpoint(ctx: Context, name: str) -> LedgerCheckpoint:
    async with ctx.sessions() as session:
        checkpoint = await session.get(LedgerCheckpoint, name)
    assert checkpoint is not None
    return checkpoint


async def test_before_any_pass_the_gauges_say_never(app_client: httpx.AsyncClient) -> None:
    got = await _scrape(app_client)
    assert got[("zan_ledger_metrics_read", "")] == 1
    assert got[("zan_ledger_head_seal", "")] == 0
    assert got[("zan_ledger_check_problems", "current")] == got[("zan_ledger_check_problems", "last_completed")] == 0
    assert got[("zan_ledger_check_last_completed_timestamp_seconds", "")] == 0
    assert got[("zan_ledger_reread_reached_timestamp_seconds", "")] == 0
    assert got[("zan_ledger_check_coverage_ratio", "")] == 1


async def test_the_check_a_worker_ran_shows_in_the_apis_metrics_and_its_problems_outlast_the_next_cycle(
        ctx: Context, worker: Context, app_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    reports = []
    for _ in range(3):  # seals 1, 2 and 3
        reports.append(await record_report(worker))
        async with worker.sessions() as session:
            await seal_pending(session, worker.settings.secret_keys)
    event = reports[1]["events"][1]
    await as_superuser(worker, "UPDATE report_events SET internal_note = 'переписано' WHERE id = :id",
                       id=str(event) if worker.engine.dialect.name == "postgresql" else event.hex)
    await jobs.check_the_record(worker)
    finished = (await _checkpoint(ctx, verify.CHECK)).finished_at
    assert finished is not None

    got = await _scrape(app_client)
    assert got[("zan_ledger_head_seal", "")] == 3
    assert got[("zan_ledger_check_problems", "current")] == got[("zan_ledger_check_problems", "last_completed")] == 1
    assert got[("zan_ledger_check_seal", "last_completed")] == 3
    assert got[("zan_ledger_check_last_completed_timestamp_seconds", "")] == pytest.approx(finished.timestamp())
    assert got[("zan_ledger_check_coverage_ratio", "")] == 1

    # the next cycle, cut off (the cron's timeout) after seal 1: the change in seal 2 is not reached again yet
    await an_hour_later(worker, verify.CHECK)
    await check_cut_off_after_first_seal(worker, monkeypatch)

    got = await _scrape(app_client)
    assert got[("zan_ledger_check_problems", "current")] == 0
    assert got[("zan_ledger_check_seal", "current")] == 1
    assert got[("zan_ledger_check_coverage_ratio", "")] == pytest.approx(1 / 3)
    assert got[("zan_ledger_check_problems", "last_completed")] == 1  # still alerting
    assert got[("zan_ledger_check_seal", "last_completed")] == 3
    assert got[("zan_ledger_check_last_completed_timestamp_seconds", "")] == pytest.approx(finished.timestamp())


async def test_the_reread_lag_is_a_day_while_a_cycle_starts_and_small_once_it_finished(
        ctx: Context, worker: Context, app_client: httpx.AsyncClient) -> None:
    # two audit lines of the day, committed late (unsealed): a run of one row stops at the first, 20 hours back
    async with worker.sessions() as session:
        await session.execute(insert(AuditLog), [dict(
            id=uuid.uuid4(), at=utcnow() - timedelta(hours=hours), actor_type="dispatcher", actor_id="metrics",
            action="report.view", target_type="report", target_id=str(uuid.uuid4()), data={}) for hours in (20, 10)])
        await session.commit()
    async with worker.sessions() as session:
        await service.reread(session, worker.settings.secret_keys, every=timedelta(hours=1), rows=1, slice_rows=1,
                             batch=1)
    running = await _checkpoint(ctx, service.REREAD)
    assert running.finished_at is None
    reached = service.reread_reached(running)
    assert reached is not None
    got = await _scrape(app_client)
    assert got[("zan_ledger_reread_reached_timestamp_seconds", "")] == pytest.approx(reached.timestamp())
    assert got[("zan_ledger_reread_lag_seconds", "")] > timedelta(hours=19).total_seconds()

    async with worker.sessions() as session:  # the rest of the cycle
        await service.reread(session, worker.settings.secret_keys, every=timedelta(hours=1))
    done = await _checkpoint(ctx, service.REREAD)
    assert done.finished_at is not None
    got = await _scrape(app_client)
    assert got[("zan_ledger_reread_reached_timestamp_seconds", "")] == pytest.approx(done.finished_at.timestamp())
    assert got[("zan_ledger_reread_lag_seconds", "")] < timedelta(hours=1).total_seconds()
