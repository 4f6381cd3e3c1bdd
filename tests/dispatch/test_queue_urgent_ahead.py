"""A dispatcher paging through the queue cannot miss an urgent report. The queue is ordered urgent first and paged by
cursor, so a report that becomes urgent (reclassified, routing that came late, a new urgent report, one released by
its unit) after the walk went past the urgent block ranks ahead of every later page: before, it was never shown to
that walk at all, not even where it used to stand. Each later page now carries `urgent_ahead`, the urgent entries
ranking ahead of it, whenever they are no longer the ones the walk has shown (null while they are)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from backend.context import Context
from backend.lib.clock import utcnow
from backend.lib.crypto import sign_token
from backend.reports.models import Report
from backend.reports.workflow import Status
from tests.core.factories import make_report
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio

# not urgent as vandalism, urgent as a theft happening now (tests/routing/test_reclassify_rules.py)
THEFT_NOW = "Сейчас во дворе подростки снимают колёса с машины"


async def _page(http: httpx.AsyncClient, headers: dict[str, str], cursor: str | None, limit: int = 2) -> Any:
    url = f"/api/v1/dispatch/queue?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
    page = await http.get(url, headers=headers)
    assert page.status_code == 200, page.text
    body = page.json()
    body.setdefault("urgent_ahead", None)  # read as the console reads it: a page without it says nothing changed
    return body


def _ids(cards: list[dict[str, Any]] | None) -> list[str] | None:
    return None if cards is None else [card["id"] for card in cards]


async def _waiting(ctx: Context, minutes_ago: int, **fields: Any) -> Report:
    async with ctx.sessions() as session:
        report = await make_report(session, status=Status.TRIAGE, district="astana", **fields)
        report.created_at = utcnow() - timedelta(minutes=minutes_ago)
        await session.commit()
    return report


async def test_a_report_made_urgent_behind_the_cursor_reaches_the_next_page(ctx: Context,
                                                                           app_client: httpx.AsyncClient) -> None:
    urgent = await _waiting(ctx, 90, urgent=True, priority="urgent")
    a, b = await _waiting(ctx, 80), await _waiting(ctx, 70)
    # not yet shown when it becomes urgent: it jumps over the cursor to the top, where this walk has been
    promoted = await _waiting(ctx, 60, text=THEFT_NOW, category="vandalism")
    d, e = await _waiting(ctx, 50), await _waiting(ctx, 40)
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(app_client, dispatcher.badge_number, password))

    first = await _page(app_client, console, None)
    assert _ids(first["items"]) == [str(urgent.id), str(a.id)] and first["urgent_ahead"] is None
    reclassified = await app_client.post(f"/api/v1/dispatch/reports/{promoted.id}/reclassify", headers=console,
                                         json={"category": "theft", "reason": "это происходит сейчас"})
    assert reclassified.status_code == 200, reclassified.text

    second = await _page(app_client, console, first["next_cursor"])
    assert _ids(second["items"]) == [str(b.id), str(d.id)]
    third = await _page(app_client, console, second["next_cursor"])
    walk = {card["id"] for page in (first, second, third) for card in page["items"] + (page["urgent_ahead"] or [])}
    assert str(promoted.id) in walk, "the walk never showed the report that became urgent"
    # the urgent block as it stands now, most urgent first: the console shows what it has not shown yet
    assert _ids(second["urgent_ahead"]) == [str(urgent.id), str(promoted.id)]
    assert second["urgent_ahead"][1]["urgent"] is True
    # once shown, not again on every later page
    assert _ids(third["items"]) == [str(e.id)] and third["urgent_ahead"] is None and third["next_cursor"] is None


async def test_new_and_taken_urgent_reports_change_the_block_a_walk_is_shown(ctx: Context,
                                                                            app_client: httpx.AsyncClient) -> None:
    urgent = await _waiting(ctx, 90, urgent=True, priority="urgent")
    plain = [await _waiting(ctx, 80 - i) for i in range(5)]
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(app_client, dispatcher.badge_number, password))
    first = await _page(app_client, console, None)
    second = await _page(app_client, console, first["next_cursor"])
    assert _ids(first["items"]) + _ids(second["items"]) == [str(urgent.id)] + [str(r.id) for r in plain[:3]]
    assert second["urgent_ahead"] is None  # nothing changed: no noise

    # a new urgent report comes in, and a colleague sends a unit to the one this walk saw
    fresh = await _waiting(ctx, 0, urgent=True, priority="urgent")
    unit = await make_unit(ctx)
    colleague, secret = await make_officer(ctx, role="dispatcher")
    assigned = await app_client.post(f"/api/v1/dispatch/reports/{urgent.id}/assign", json={"unit_id": str(unit.id)},
                                     headers=bearer(await login(app_client, colleague.badge_number, secret)))
    assert assigned.status_code == 200, assigned.text
    third = await _page(app_client, console, second["next_cursor"])
    assert _ids(third["items"]) == [str(r.id) for r in plain[3:]]
    assert _ids(third["urgent_ahead"]) == [str(fresh.id)]  # the taken one is no longer in it


async def test_within_the_urgent_block_later_urgent_reports_come_in_order(ctx: Context,
                                                                         app_client: httpx.AsyncClient) -> None:
    """A cursor still inside the urgent block: a new urgent report ranks behind it (it waited least), so the walk
    reaches it in its items, and nothing is repeated."""
    first_urgent = await _waiting(ctx, 90, urgent=True, priority="urgent")
    plain = await _waiting(ctx, 80)
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(app_client, dispatcher.badge_number, password))
    first = await _page(app_client, console, None, limit=1)
    assert _ids(first["items"]) == [str(first_urgent.id)]
    later = await _waiting(ctx, 0, urgent=True, priority="urgent")
    second = await _page(app_client, console, first["next_cursor"], limit=1)
    assert _ids(second["items"]) == [str(later.id)] and second["urgent_ahead"] is None
    third = await _page(app_client, console, second["next_cursor"], limit=1)
    assert _ids(third["items"]) == [str(plain.id)] and third["urgent_ahead"] is None


async def test_a_cursor_that_does_not_say_what_was_shown_gets_the_urgent_block(ctx: Context,
                                                                              app_client: httpx.AsyncClient) -> None:
    """A cursor signed before pages said what they showed (kept by a console across the upgrade) cannot tell: the
    urgent block comes with the page, rather than an urgent report being missed."""
    urgent = await _waiting(ctx, 90, urgent=True, priority="urgent")
    plain = [await _waiting(ctx, 80 - i) for i in range(2)]
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(app_client, dispatcher.badge_number, password))
    first = await _page(app_client, console, None, limit=1)
    async with ctx.sessions() as session:
        seen = await session.get(Report, plain[0].id)
        assert seen is not None
        old = sign_token(ctx.settings.secret_key, "cursor:dispatch-queue", {
            "u": 1, "p": 2, "d": seen.deadline_at.isoformat(), "c": seen.created_at.isoformat(), "i": str(seen.id)})
    page = await _page(app_client, console, old)
    assert _ids(page["items"]) == [str(plain[1].id)] and _ids(page["urgent_ahead"]) == [str(urgent.id)]
    assert first["urgent_ahead"] is None
