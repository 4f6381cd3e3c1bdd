"""Oversight audit: a filter naming a district or unit that does not exist is a 422 at its pointer (an empty list
or zero figures read as "no reports past their terms" to a prosecutor who mistyped a code), on the list, the
export and the figures alike; an empty period's figures are zeros; the figures count what the list names for the
same filters and region; the export quotes a line break inside a cell. Real app, PostgreSQL and SQLite."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.context import Context
from backend.lib.clock import ALMATY, utcnow
from backend.oversight.service import safe_cell
from backend.reports.workflow import Resolution
from tests.officers.factories import make_unit
from tests.oversight.test_terms import KARAGANDA, TERMS, _console, _ids, _report

pytestmark = pytest.mark.anyio
STATS = "/api/v1/oversight/stats"


async def test_an_unknown_district_or_unit_is_a_problem_not_an_empty_answer(
    app_client: httpx.AsyncClient, ctx: Context
) -> None:
    await _report(ctx, deadline=utcnow() - timedelta(days=2))
    headers = await _console(app_client, ctx)
    for path in (TERMS, f"{TERMS}.csv", STATS):
        for params, pointer in (({"district": "astanaa"}, "#query/district"), ({"unit": "NO-SUCH"}, "#query/unit")):
            response = await app_client.get(path, params=params, headers=headers)
            assert response.status_code == 422, (path, params, response.text)
            body = response.json()
            assert body["code"] == "validation.failed" and [e["pointer"] for e in body["errors"]] == [pointer]
    # a refused read handed nothing out, so it is no audit line
    async with ctx.sessions() as session:
        lines = list(await session.scalars(select(AuditLog).where(col(AuditLog.action).startswith("oversight."))))
    assert lines == []
    # a district of another region exists: it is an empty answer there (no IDOR, no existence oracle either)
    assert await _ids(app_client, headers, district=KARAGANDA) == []
    stats = await app_client.get(STATS, params={"district": KARAGANDA}, headers=headers)
    assert stats.status_code == 200 and stats.json()["total"]["registered"] == 0


async def test_an_empty_period_gives_zeros(app_client: httpx.AsyncClient, ctx: Context) -> None:
    await _report(ctx, deadline=utcnow() - timedelta(days=2))
    headers = await _console(app_client, ctx)
    for by in ("district", "category", "unit", "none"):
        response = await app_client.get(STATS, params={"by": by, "from": "2001-01-01", "to": "2001-01-31"},
                                        headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["rows"] == []
        total = body["total"]
        assert total["satisfaction_avg"] is None and total["key"] is None
        assert {v for k, v in total.items() if k not in ("key", "satisfaction_avg")} == {0}


async def test_the_figures_count_what_the_list_names(app_client: httpx.AsyncClient, ctx: Context) -> None:
    now = utcnow()
    unit = await make_unit(ctx, code="AST-OV9")
    # registered on 5 November, Almaty: 00:10 there is still the 4th in UTC
    day = datetime(2026, 11, 5, 0, 10, tzinfo=ALMATY)
    await _report(ctx, deadline=now - timedelta(days=3), registered=day, unit_id=unit.id)
    await _report(ctx, deadline=now - timedelta(days=9), closed=now - timedelta(days=4), registered=day,
                  category="domestic_violence", restricted=True)
    await _report(ctx, deadline=now + timedelta(days=9), redirect_due_at=now - timedelta(days=1), registered=day,
                  district=None)
    await _report(ctx, deadline=now - timedelta(days=10), closed=now - timedelta(days=11), registered=day,
                  redirect_due_at=now - timedelta(days=14), resolution=Resolution.REDIRECTED)
    await _report(ctx, deadline=now - timedelta(days=3), registered=day, district=KARAGANDA)  # not this region
    await _report(ctx, deadline=now - timedelta(days=3), registered=day - timedelta(minutes=20))  # 4 November
    for district in ("astana", ""):
        headers = await _console(app_client, ctx, district=district)
        for filters in ({"from": "2026-11-05", "to": "2026-11-05"}, {"unit": "AST-OV9"}, {}):
            total = (await app_client.get(STATS, params={**filters, "by": "none"}, headers=headers)).json()["total"]
            for lapse in ("open_overdue", "closed_late", "redirect_overdue"):
                listed = await _ids(app_client, headers, state=lapse, limit=200, **filters)
                assert total[lapse] == len(listed), (district, filters, lapse)
                exported = (await app_client.get(f"{TERMS}.csv", params={**filters, "state": lapse},
                                                 headers=headers)).content.decode("utf-8-sig")
                assert len(list(csv.reader(io.StringIO(exported), delimiter=";"))) - 1 == len(listed)


async def test_a_line_break_in_a_cell_stays_in_its_cell(app_client: httpx.AsyncClient, ctx: Context) -> None:
    unit = await make_unit(ctx, code="A;B\r\n=1+1")
    report = await _report(ctx, deadline=utcnow() - timedelta(days=2), category='x"\ny', unit_id=unit.id)
    response = await app_client.get(f"{TERMS}.csv", headers=await _console(app_client, ctx))
    assert response.headers["content-disposition"] == 'attachment; filename="oversight-terms.csv"'
    rows: list[Any] = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == 2 and len(rows[1]) == len(rows[0])
    assert rows[1][1] == report.number and rows[1][2] == 'x"\ny' and rows[1][4] == "A;B\r\n=1+1"


@pytest.mark.parametrize("value", [" =HYPERLINK(\"http://x\",\"click\")", "  +1+1", "\u00a0=1+1", " @SUM(A1)"])
def test_a_formula_behind_leading_spaces_is_quoted_too(value: str) -> None:
    """LibreOffice's "trim spaces" import option (and Excel on some pastes) reads " =1+1" as a formula: the check
    looks past leading whitespace, as OWASP's later guidance does."""
    assert safe_cell(value).startswith("'"), safe_cell(value)


@pytest.mark.parametrize("value", ["ZP-2026-0000001", "Астана", "", "  обычный текст", "3"])
def test_ordinary_cells_are_left_as_they_are(value: str) -> None:
    assert safe_cell(value) == value
