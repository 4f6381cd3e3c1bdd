"""Oversight's figures (GET /api/v1/oversight/stats): how the reports registered in a period fared, per district,
category or unit, over the reports the officer may read. Real app, PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.context import Context
from backend.lib.clock import utcnow
from backend.reports.workflow import Resolution
from tests.oversight.test_terms import KARAGANDA, _console, _report

pytestmark = pytest.mark.anyio
STATS = "/api/v1/oversight/stats"


async def _stats(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await client.get(STATS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_the_figures_per_district_category_and_in_total(app_client: httpx.AsyncClient, ctx: Context) -> None:
    now = utcnow()
    await _report(ctx, deadline=now - timedelta(days=1), closed=now - timedelta(days=2), satisfaction=5,
                  category="theft", registered=now - timedelta(days=40))
    await _report(ctx, deadline=now - timedelta(days=10), closed=now - timedelta(days=5), satisfaction=2,
                  category="theft", reopen_count=1, registered=now - timedelta(days=15))
    await _report(ctx, deadline=now - timedelta(days=3), category="public_order",
                  registered=now - timedelta(days=25))  # open past its term
    await _report(ctx, deadline=now + timedelta(days=20), original=now + timedelta(days=5), category="public_order")
    await _report(ctx, deadline=now + timedelta(days=5), closed=now - timedelta(days=1),
                  resolution=Resolution.WITHDRAWN, category=None)
    await _report(ctx, deadline=now - timedelta(days=3), district=KARAGANDA)  # another region: not counted
    headers = await _console(app_client, ctx, role="supervisor")

    by_district = await _stats(app_client, headers)
    total = by_district["total"]
    assert (total["key"], total["registered"], total["open"], total["closed"]) == (None, 5, 2, 3)
    assert (total["closed_in_term"], total["closed_late"], total["open_overdue"]) == (2, 1, 1)
    assert (total["extended"], total["reopened"], total["withdrawn"]) == (1, 1, 1)
    assert (total["rated"], total["satisfaction_avg"]) == (2, 3.5)
    assert [(row["key"], row["registered"]) for row in by_district["rows"]] == [("astana", 5)]

    by_category = await _stats(app_client, headers, by="category", district="astana")
    assert [(row["key"], row["registered"], row["closed_late"]) for row in by_category["rows"]] == [
        ("public_order", 2, 0), ("theft", 2, 1), (None, 1, 0)]
    assert by_category["total"]["registered"] == 5
    assert (await _stats(app_client, headers, by="none"))["rows"] == []

    # registered in a period (Almaty dates): only the first one is older than a month
    month_ago = (now - timedelta(days=30)).date().isoformat()
    assert (await _stats(app_client, headers, to=month_ago))["total"]["registered"] == 1
    assert (await _stats(app_client, headers, **{"from": month_ago}))["total"]["registered"] == 4
    async with ctx.sessions() as session:
        # in the order written (without ORDER BY, PostgreSQL may hand them back in any order)
        audit = list(await session.scalars(select(AuditLog).where(col(AuditLog.action) == "oversight.stats")
                                           .order_by(col(AuditLog.at))))
    assert [line.data["by"] for line in audit] == ["district", "category", "none", "district", "district"]


async def test_who_reads_the_figures_and_bad_filters(app_client: httpx.AsyncClient, ctx: Context) -> None:
    dispatcher = await _console(app_client, ctx, role="dispatcher")
    assert (await app_client.get(STATS, headers=dispatcher)).status_code == 403
    prosecutor = await _console(app_client, ctx)
    wrong = await app_client.get(STATS, params={"by": "officer"}, headers=prosecutor)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["pointer"] == "#query/by", wrong.text
    backwards = await app_client.get(STATS, params={"from": "2026-12-02", "to": "2026-12-01"}, headers=prosecutor)
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["pointer"] == "#query/to", backwards.text
