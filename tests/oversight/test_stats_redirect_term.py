"""Oversight's figures count the redirect terms the terms list names: a report out of police competence redirected
after its redirect term (or still open past it) is `redirect_overdue` in GET /api/v1/oversight/terms, and the
figures "behind the list" showed it nowhere (closed in term, deadline kept). Real app, PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from backend.context import Context
from backend.lib.clock import utcnow
from backend.reports.workflow import Resolution
from tests.oversight.test_stats import _stats
from tests.oversight.test_terms import _console, _ids, _report

pytestmark = pytest.mark.anyio


async def test_the_figures_count_missed_redirect_terms_as_the_list_does(app_client: httpx.AsyncClient,
                                                                        ctx: Context) -> None:
    now = utcnow()
    # redirected a week after its redirect term, within its consideration deadline; open past its redirect term
    late = await _report(ctx, deadline=now + timedelta(days=5), closed=now - timedelta(days=1),
                         resolution=Resolution.REDIRECTED, redirect_due_at=now - timedelta(days=8))
    waiting = await _report(ctx, deadline=now + timedelta(days=9), redirect_due_at=now - timedelta(days=2))
    await _report(ctx, deadline=now + timedelta(days=9), closed=now - timedelta(days=3),
                  resolution=Resolution.REDIRECTED, redirect_due_at=now - timedelta(days=2))  # in its term
    headers = await _console(app_client, ctx, role="supervisor")
    assert sorted(await _ids(app_client, headers, state="redirect_overdue")) == sorted([str(late.id),
                                                                                         str(waiting.id)])

    total = (await _stats(app_client, headers))["total"]
    assert (total["registered"], total["closed"], total["redirect_overdue"]) == (3, 2, 2), total
    assert (total["closed_late"], total["open_overdue"]) == (0, 0), total
