"""/metrics reads the routing failures gauge from the database at scrape time, as it reads the ledger's: a database
that does not answer leaves it out (and the scrape still carries the process metrics), it does not fail the scrape.
(Counting real failures through the app: tests/routing/test_routing_gave_up.py.)"""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from backend.app import create_app
from backend.context import Context, build_context

pytestmark = pytest.mark.anyio


def _samples(text: str) -> dict[str, float]:
    return {sample.name + str(sorted(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


async def test_no_failures_read_as_zero_gauges(app_client: httpx.AsyncClient) -> None:
    got = await app_client.get("/metrics")
    assert got.status_code == 200, got.text
    samples = _samples(got.text)
    assert samples["zan_routing_failed_reports[('state', 'gave_up')]"] == 0
    assert samples["zan_routing_failed_reports[('state', 'retrying')]"] == 0
    health = (await app_client.get("/health")).json()
    assert health["routing"] == {"ok": True, "failed_retrying": 0, "gave_up": 0}


async def test_a_database_that_does_not_answer_leaves_the_routing_gauge_out(ctx: Context) -> None:
    """... and the ledger's (backend/ledger/metrics.py); the process metrics still arrive, Prometheus keeps the
    scrape."""
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL server that is not there")
    down = build_context(ctx.settings.with_(database_url="postgresql+asyncpg://postgres@127.0.0.1:1/zan"),
                         null_pool=True)
    try:
        app = create_app(ctx=down)
        async with app.lifespan(), httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                                      base_url="http://zan.test") as client:
            metrics = await client.get("/metrics")
            health = await client.get("/health")
    finally:
        await down.close()
    assert metrics.status_code == 200
    samples = _samples(metrics.text)
    assert not any(name.startswith("zan_routing_failed_reports") for name in samples)
    # the ledger's gauges are left out too, and its marker says so: an alert tells an unread ledger from a quiet one
    assert samples["zan_ledger_metrics_read[]"] == 0 and "zan_ledger_head_seal[]" not in samples
    assert any(name.startswith("python_") or name.startswith("zan_http_requests") for name in samples)
    # no database: down (503), and the routing part says only that it was not read
    assert health.status_code == 503 and health.json()["routing"] == {"ok": False}
