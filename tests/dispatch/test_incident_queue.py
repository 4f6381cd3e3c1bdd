"""The dispatch queue ranks an incident by its most urgent open report, on both databases: urgent flag, then
priority, then the earliest deadline, taken together from one report (not the best of each from different ones);
a "me too" report that says "he has a knife now" lifts the whole incident, a withdrawn one does not. Keyset pages
follow the same order, and the entry's card says what it is ranked by."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from backend.context import Context
from backend.lib.clock import utcnow
from backend.reports import service as reports
from backend.reports.models import Report
from backend.reports.service import By
from backend.reports.workflow import Actor, Status
from backend.routing import corrections
from tests.core.factories import make_report
from tests.officers.factories import bearer, login, make_officer
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio


async def _queue(app_client: httpx.AsyncClient, headers: dict[str, str], limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(20):
        url = f"/api/v1/dispatch/queue?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = await app_client.get(url, headers=headers)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the queue never ended")


async def test_an_incident_ranks_by_its_most_urgent_open_report(ctx: Context, app_client: httpx.AsyncClient) -> None:
    now = utcnow()

    async with ctx.sessions() as session:
        async def report(text: str, *, days: int, priority: str = "normal", urgent: bool = False) -> Report:
            row = await make_report(session, status=Status.TRIAGE, text=text, priority=priority, urgent=urgent)
            row.deadline_at = now + timedelta(days=days)
            await session.flush()
            return row

        # an incident reported as a plain fight; a later "me too" says he has a knife now
        fight = await report("Драка у магазина на Абая 10", days=10)
        fight_too = await report("У магазина на Абая дерутся", days=10)
        knife = await report("У магазина на Абая 10 у него нож, прямо сейчас", days=10, priority="urgent",
                             urgent=True)
        # an urgent but low-priority report and a non-urgent "urgent" one: the incident ranks as the urgent one
        # (urgent flag first), not as the best of each field
        mixed = await report("Сосед кричит, что подожжёт дом", days=20, priority="low", urgent=True)
        mixed_too = await report("Сосед угрожает поджогом", days=1, priority="urgent")
        # a withdrawn urgent "me too" no longer lifts its incident
        noise = await report("Шумят во дворе", days=2, priority="low")
        noise_gone = await report("Во дворе очень шумно, страшно", days=2, priority="urgent", urgent=True)
        lone_urgent = await report("Человеку плохо на остановке", days=30, urgent=True)
        lone_high = await report("Украли машину", days=5, priority="high")
        lone_soon = await report("Сломали почтовый ящик", days=1)
        for members in ((knife, fight_too, fight), (mixed_too, mixed), (noise_gone, noise)):
            assert await corrections.merge(session, list(members), DISPATCHER) == members[-1].id
        await reports.withdraw(session, noise_gone, By(Actor.CITIZEN, str(noise_gone.citizen_id), "test"), None)
        await session.commit()
        expected = [fight, lone_urgent, mixed, lone_high, lone_soon, noise]
        expected_ids = [str(r.id) for r in expected]

    dispatcher, pw = await make_officer(ctx, role="dispatcher")
    h = bearer(await login(app_client, dispatcher.badge_number, pw))
    for limit in (50, 1, 2):  # one page, and keyset pages that must not skip or repeat an entry
        assert [i["id"] for i in await _queue(app_client, h, limit)] == expected_ids, limit

    cards = {i["id"]: i for i in await _queue(app_client, h, 50)}
    lifted = cards[str(fight.id)]
    assert (lifted["urgent"], lifted["priority"]) == (False, "normal")  # its own values are untouched
    assert (lifted["incident_urgent"], lifted["incident_priority"]) == (True, "urgent")
    assert lifted["incident_size"] == 3
    assert (cards[str(mixed.id)]["incident_urgent"], cards[str(mixed.id)]["incident_priority"]) == (True, "low")
    assert datetime.fromisoformat(cards[str(mixed.id)]["incident_deadline_at"]) == mixed.deadline_at
    assert (cards[str(noise.id)]["incident_urgent"], cards[str(noise.id)]["incident_priority"]) == (False, "low")
    lone = cards[str(lone_high.id)]
    assert (lone["incident_urgent"], lone["incident_priority"], lone["incident_id"]) == (False, "high", None)
