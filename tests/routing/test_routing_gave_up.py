"""A classifier that keeps crashing: the routing job spends its attempts and is dead-lettered. The report used to
sit in triage as if routing were still coming, with nothing on its record, nothing in the metrics and no way to
route it again. Now the last attempt records that routing gave up, dispatchers list it, /metrics counts it, and
`zan ml reroute` routes it again once the classifier works."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update
from sqlmodel import col

from backend.context import Context
from backend.jobs.models import OutboxTask
from backend.jobs.relay import notify
from backend.lib.clock import utcnow
from backend.reports.models import Report
from backend.routing import failures
from backend.routing.models import RoutingDecision
from tests.helpers import PartnerClient, eventually
from tests.officers.factories import bearer, login, make_officer
from tests.routing.helpers import routed, submit_and_fail_routing

pytestmark = pytest.mark.anyio


async def _task(ctx: Context, report_id: uuid.UUID) -> OutboxTask | None:
    async with ctx.sessions() as session:
        return await session.scalar(select(OutboxTask).where(
            col(OutboxTask.dedupe_key) == failures.route_key(report_id)))


async def _spend_all_but_one_attempt(ctx: Context, report_id: uuid.UUID) -> None:
    """As if seven attempts had failed already (the real backoff takes hours): the next one, due now, is the last."""
    async def bumped() -> bool:
        async with ctx.sessions() as session:
            result = await session.execute(
                update(OutboxTask)
                .where(col(OutboxTask.dedupe_key) == failures.route_key(report_id),
                       col(OutboxTask.status) == "pending")
                .values(attempts=OutboxTask.max_attempts - 1, next_attempt_at=utcnow()))
            await session.commit()
        return getattr(result, "rowcount", 0) == 1

    await eventually(bumped, timeout=20)
    notify(ctx)


async def _health(ctx: Context, client: httpx.AsyncClient) -> dict[str, Any]:
    """/health through the app, asking the database again (its routing part is cached between probes)."""
    ctx.extras.pop("health_routing", None)
    got = await client.get("/health")
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


async def _routing_gauges(client: httpx.AsyncClient) -> dict[str, float]:
    """zan_routing_failed_reports by state, as the app's /metrics shows it."""
    got = await client.get("/metrics")
    assert got.status_code == 200, got.text
    return {sample.labels["state"]: sample.value for family in text_string_to_metric_families(got.text)
            for sample in family.samples if sample.name == "zan_routing_failed_reports"}


def _zan(ctx: Context, tmp_path: Path, *args: str) -> Result:
    """`zan …` against the test's database, in a thread of its own (the command runs its own event loop)."""
    from backend.cli import main

    env = {"ZAN_DATABASE_URL": ctx.settings.database_url, "ZAN_SECRET_KEY": ctx.settings.secret_key,
           "ZAN_VAR_DIR": str(tmp_path), "ZAN_LOG_JSON": "false", "ZAN_REDIS_URL": None}
    return CliRunner().invoke(main, list(args), env=env)


async def test_routing_that_gives_up_is_marked_counted_listed_and_can_be_rerun(
        ctx: Context, citizen: PartnerClient, app_client: httpx.AsyncClient, tmp_path: Path) -> None:
    report_id = await submit_and_fail_routing(ctx, citizen, tmp_path)

    async with ctx.sessions() as session:
        assert await failures.counts(session) == {"retrying": 1, "gave_up": 0}
        assert (await failures.health(session))["ok"] is True
    # a report whose routing still retries is not yet an operator's problem: /health stays ok
    health = await _health(ctx, app_client)
    assert health["routing"] == {"ok": True, "failed_retrying": 1, "gave_up": 0}
    assert health["status"] == "ok", health
    assert await _routing_gauges(app_client) == {"retrying": 1.0, "gave_up": 0.0}

    await _spend_all_but_one_attempt(ctx, report_id)

    async def dead() -> bool:
        task = await _task(ctx, report_id)
        return task is not None and task.status == "dead"

    await eventually(dead, timeout=30)

    # the report's record says that routing gave up, and why
    async with ctx.sessions() as session:
        decisions = list(await session.scalars(
            select(RoutingDecision).where(col(RoutingDecision.report_id) == report_id)
            .order_by(col(RoutingDecision.created_at))))
        counted = await failures.counts(session)
        health = await failures.health(session)
        metrics = (await failures.exposition(session)).decode()
    assert [(d.source, d.inputs.get("reason")) for d in decisions] == [
        ("fallback", "classifier error"), ("fallback", "routing gave up")]
    assert decisions[-1].inputs["gave_up"] is True and decisions[-1].inputs["attempts"] == 8
    assert decisions[-1].inputs["error"] == "ValueError"
    assert counted == {"retrying": 0, "gave_up": 1}
    assert health == {"ok": False, "failed_retrying": 0, "gave_up": 1}
    assert 'zan_routing_failed_reports{state="gave_up"} 1.0' in metrics
    assert 'zan_routing_failed_reports{state="retrying"} 0.0' in metrics
    # and operators see it through the API: on /metrics, and /health degraded (200: intake goes on) by routing alone
    assert await _routing_gauges(app_client) == {"retrying": 0.0, "gave_up": 1.0}
    health = await _health(ctx, app_client)
    assert health["routing"] == {"ok": False, "failed_retrying": 0, "gave_up": 1}
    assert health["status"] == "degraded"
    assert [name for name, part in health.items() if isinstance(part, dict) and not part["ok"]] == ["routing"]

    # dispatchers see it in their list; a patrol officer may not read the list
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    token = await login(app_client, dispatcher.badge_number, password)
    listed = await app_client.get("/api/v1/dispatch/routing-failures", headers=bearer(token))
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [(i["report_id"], i["gave_up"], i["attempts"], i["reason"], i["error"], i["status"]) for i in items] == [
        (str(report_id), True, 8, "routing gave up", "ValueError", "triage")]
    patrol, patrol_pw = await make_officer(ctx, role="patrol_officer")
    refused = await app_client.get("/api/v1/dispatch/routing-failures",
                                   headers=bearer(await login(app_client, patrol.badge_number, patrol_pw)))
    assert refused.status_code == 403

    # the classifier is fixed: `zan ml reroute` runs routing again, and the app's relay routes the report
    ctx.settings = ctx.settings.with_(router_model_dir=None)
    ctx.extras.pop("router", None)
    result = await asyncio.to_thread(_zan, ctx, tmp_path, "ml", "reroute")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f'{{"rerouted": 1, "report_ids": ["{report_id}"]}}'
    notify(ctx)
    report: Report = await routed(ctx, report_id, ("done",))
    assert report.category == "theft"
    async with ctx.sessions() as session:
        assert await failures.counts(session) == {"retrying": 0, "gave_up": 0}
    again = await asyncio.to_thread(_zan, ctx, tmp_path, "ml", "reroute")
    assert again.exit_code == 0 and '"rerouted": 0' in again.output, again.output


async def test_reroute_leaves_reports_whose_routing_still_retries(ctx: Context, citizen: PartnerClient,
                                                                 tmp_path: Path) -> None:
    """Only dead routing is revived: a task still retrying keeps its attempts and its schedule."""
    report_id = await submit_and_fail_routing(ctx, citizen, tmp_path)
    async with ctx.sessions() as session:
        assert await failures.reroute(session) == []
        assert await failures.reroute(session, [report_id]) == []
    task = await _task(ctx, report_id)
    assert task is not None and task.status != "dead" and task.attempts >= 1
