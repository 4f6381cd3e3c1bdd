"""`urgent_ahead` is bounded. In a mass event (an explosion, a flood) thousands of urgent entries rank ahead of a
dispatcher's walk through the queue, and every later page carried every one of them as a card. A page now carries the
first 50 by rank, says that more rank ahead (`urgent_ahead_more`) and how many (`urgent_ahead_total`), so the console
knows to walk from the top; the cursor still names the whole set, so an unchanged block is still not sent again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from backend.context import Context
from backend.lib.clock import utcnow
from backend.reports.workflow import Status
from tests.core.factories import make_report
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio
URGENT_AHEAD_MAX = 50  # the bound the OpenAPI description names (backend.dispatch.queue.URGENT_AHEAD_MAX)


async def _page(http: httpx.AsyncClient, headers: dict[str, str], cursor: str | None, limit: int) -> Any:
    url = f"/api/v1/dispatch/queue?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
    page = await http.get(url, headers=headers)
    assert page.status_code == 200, page.text
    return page.json()


async def _waiting(ctx: Context, count: int, minutes_ago: int, **fields: Any) -> list[str]:
    async with ctx.sessions() as session:
        made = []
        for i in range(count):
            report = await make_report(session, status=Status.TRIAGE, district="astana", **fields)
            report.created_at = utcnow() - timedelta(minutes=minutes_ago, seconds=i)
            made.append(report)
        await session.commit()
    return [str(r.id) for r in made]


async def test_a_mass_event_sends_the_first_urgent_entries_and_says_more_rank_ahead(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    urgent = await _waiting(ctx, URGENT_AHEAD_MAX + 5, 90, urgent=True, priority="urgent")
    plain = await _waiting(ctx, 3, 30)
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(app_client, dispatcher.badge_number, password))
    # the urgent block is 55 entries, oldest waiting first: the walk's first page shows all of them and one more
    first = await _page(app_client, console, None, limit=len(urgent) + 1)
    assert [c["id"] for c in first["items"]] == [*reversed(urgent), plain[-1]]
    assert first["urgent_ahead"] is None

    # nothing changed: nothing is sent, however large the block
    still = await _page(app_client, console, first["next_cursor"], limit=1)
    assert still["urgent_ahead"] is None

    # one more urgent report comes in: the first 50 by rank, and the word that more rank ahead
    (fresh,) = await _waiting(ctx, 1, 0, urgent=True, priority="urgent")
    changed = await _page(app_client, console, still["next_cursor"], limit=1)
    assert len(changed["urgent_ahead"]) == URGENT_AHEAD_MAX
    assert [c["id"] for c in changed["urgent_ahead"]] == list(reversed(urgent))[:URGENT_AHEAD_MAX]
    assert changed["urgent_ahead_more"] is True and changed["urgent_ahead_total"] == len(urgent) + 1
    assert fresh not in [c["id"] for c in changed["urgent_ahead"]]  # ranks 56th: the console walks from the top

    # the walk was told of the whole changed block: the next page does not repeat it
    after = await _page(app_client, console, changed["next_cursor"], limit=1)
    assert (after["urgent_ahead"], after["urgent_ahead_more"], after["urgent_ahead_total"]) == (None, False, None)


async def test_a_block_within_the_bound_is_sent_whole(ctx: Context, app_client: httpx.AsyncClient) -> None:
    urgent = await _waiting(ctx, 2, 90, urgent=True, priority="urgent")
    plain = await _waiting(ctx, 3, 30)
    dispatcher, password = await make_officer(ctx, role="dispatcher")
    console = bearer(await login(app_client, dispatcher.badge_number, password))
    first = await _page(app_client, console, None, limit=3)
    (fresh,) = await _waiting(ctx, 1, 0, urgent=True, priority="urgent")
    second = await _page(app_client, console, first["next_cursor"], limit=1)
    assert [c["id"] for c in second["items"]] == [plain[-2]]
    assert [c["id"] for c in second["urgent_ahead"]] == [*reversed(urgent), fresh]
    assert (second["urgent_ahead_more"], second["urgent_ahead_total"]) == (False, 3)
