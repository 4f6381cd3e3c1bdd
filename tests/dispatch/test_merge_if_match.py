"""Merging reports into an incident moves each report named into it and the open ones to the primary's unit: a
console that saw any of them in another state (reassigned, closed, merged elsewhere) would overwrite that. The
check the merge endpoint runs on the reports as locked (`etag.ensure_all_unchanged`): If-Match must list each named
report's current tag; the first one out of date is refused with 412 naming it."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from backend.dispatch import etag
from backend.lib.errors import ZanError
from backend.reports.models import Report
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio


async def _tag(http: httpx.AsyncClient, headers: dict[str, str], report_id: uuid.UUID) -> str:
    response = await http.get(f"/api/v1/dispatch/reports/{report_id}", headers=headers)
    assert response.status_code == 200, response.text
    return str(response.headers["ETag"])


async def _check(ctx: Context, ids: list[uuid.UUID], if_match: str | None) -> None:
    async with ctx.sessions() as session:
        reports = [await session.get(Report, rid) for rid in ids]
        await etag.ensure_all_unchanged(session, [r for r in reports if r is not None], if_match)


async def test_every_report_named_must_be_as_the_console_saw_it(ctx: Context, app_client: httpx.AsyncClient) -> None:
    first = await triage_report(ctx, department="patrol_police")
    second = await triage_report(ctx, department="patrol_police")
    officer, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(app_client, officer.badge_number, password))
    seen = {r.id: await _tag(app_client, console, r.id) for r in (first, second)}
    ids = [first.id, second.id]
    await _check(ctx, ids, f"{seen[first.id]}, {seen[second.id]}")  # as seen: goes through
    await _check(ctx, ids, None)  # no If-Match: not checked (older consoles)

    # another officer reassigns the second report meanwhile
    unit = await make_unit(ctx)
    taken = await app_client.post(f"/api/v1/dispatch/reports/{second.id}/assign", headers=console,
                                  json={"unit_id": str(unit.id)})
    assert taken.status_code == 200, taken.text
    current = await _tag(app_client, console, second.id)
    with pytest.raises(ZanError) as refused:
        await _check(ctx, ids, f"{seen[second.id]}, W/{seen[first.id]}")
    problem = refused.value
    assert (problem.code, problem.status, problem.headers) == ("dispatch.report_changed", 412, {"ETag": current})
    assert problem.extra["report_id"] == str(second.id) and problem.extra["etag"] == current

    # one tag cannot stand in for another report's, nor one report's for the whole list
    for header in (f"{current}, {current}", seen[first.id]):
        with pytest.raises(ZanError):
            await _check(ctx, ids, header)
    await _check(ctx, ids, f"{seen[first.id]}, {current}")
    await _check(ctx, ids, "*")
