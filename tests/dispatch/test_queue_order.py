"""The dispatch queue's order, checked against the ranking rules written out in Python on a mixed set, on both
databases and across keyset page sizes: the incident's most urgent open report (urgent flag, priority, deadline),
then the entry's age, oldest first.

A deadline is the end of a local day (deadlines.deadline_for), so every report registered the same day shares it:
without age in the order, a whole day's reports of one priority came in the order of their random UUIDs, and a report
waiting since the morning could sit below one filed that evening."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from backend.context import Context
from backend.dispatch.service import PRIORITY_RANK
from backend.lib.clock import utcnow
from backend.reports.models import Report
from backend.reports.workflow import Status
from backend.routing import corrections
from tests.core.factories import make_report
from tests.officers.factories import bearer, login, make_officer
from tests.sync.conftest import DISPATCHER

pytestmark = pytest.mark.anyio


async def _queue(app_client: httpx.AsyncClient, headers: dict[str, str], limit: int) -> list[str]:
    ids: list[str] = []
    cursor = None
    for _ in range(50):
        url = f"/api/v1/dispatch/queue?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        page = await app_client.get(url, headers=headers)
        assert page.status_code == 200, page.text
        ids += [item["id"] for item in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("the queue never ended")


def _expected(entries: list[Report], members: dict[uuid.UUID, list[Report]]) -> list[str]:
    """The ranking rules, written out: an entry ranks by its incident's most urgent open report (itself when it is
    no incident), then by its own age, then by id."""
    def rank(entry: Report) -> tuple[Any, ...]:
        group = [m for m in members.get(entry.incident_id, [entry]) if m.status != Status.CLOSED]  # type: ignore[arg-type]
        lead = min(group, key=lambda r: (not r.urgent, PRIORITY_RANK.get(r.priority, len(PRIORITY_RANK)),
                                          r.deadline_at, r.id))
        return (not lead.urgent, PRIORITY_RANK.get(lead.priority, len(PRIORITY_RANK)), lead.deadline_at,
                entry.created_at, entry.id)
    return [str(entry.id) for entry in sorted(entries, key=rank)]


async def test_queue_order_matches_the_rules_and_ties_go_oldest_first(ctx: Context,
                                                                      app_client: httpx.AsyncClient) -> None:
    now = utcnow().replace(microsecond=0)
    # ids handed out in the reverse of age: an order by id alone puts the newest of a tie first
    ids = sorted((uuid.uuid4() for _ in range(14)), reverse=True)
    made: list[Report] = []

    async with ctx.sessions() as session:
        async def report(age_min: int, *, priority: str = "normal", urgent: bool = False,
                         deadline: datetime | None = None) -> Report:
            row = await make_report(session, status=Status.TRIAGE, priority=priority, urgent=urgent,
                                    id=ids[len(made)])
            row.created_at = now - timedelta(minutes=age_min)
            if deadline is not None:
                row.deadline_at = deadline
            made.append(row)
            await session.flush()
            return row

        # a day's plain reports (all share today's deadline), oldest created first, so ids run against age
        plain = [await report(600 - 60 * i) for i in range(5)]
        soon = await report(30, deadline=now + timedelta(days=1))  # an earlier deadline outranks age
        high_new, high_old = await report(5, priority="high"), await report(500, priority="high")
        urgent_new = await report(1, priority="urgent", urgent=True)
        urgent_old = await report(700, priority="urgent", urgent=True)
        odd = await report(800, priority="someday")  # an unknown priority ranks after "low"
        low = await report(900, priority="low")
        # an incident whose "me too" is urgent ranks as urgent, and among the urgent by its entry's age
        incident_old = await report(650)
        incident_knife = await report(2, priority="urgent", urgent=True)
        assert await corrections.merge(session, [incident_knife, incident_old], DISPATCHER) == incident_old.id
        await session.commit()
        members = {incident_old.id: [incident_old, incident_knife]}
        entries = [r for r in made if r.id != incident_knife.id]
        expected = _expected(entries, members)

    # the ties this test is about, spelled out
    assert expected.index(str(urgent_old.id)) < expected.index(str(incident_old.id)) < expected.index(
        str(urgent_new.id))
    assert expected.index(str(high_old.id)) < expected.index(str(high_new.id))
    assert [i for i in expected if i in {str(r.id) for r in plain}] == [str(r.id) for r in plain]
    assert expected[-2:] == [str(low.id), str(odd.id)] and str(soon.id) in expected

    dispatcher, password = await make_officer(ctx, role="dispatcher")
    headers = bearer(await login(app_client, dispatcher.badge_number, password))
    for limit in (50, 1, 2, 3):  # one page, and keyset pages that must neither skip nor repeat an entry
        assert await _queue(app_client, headers, limit) == expected, limit
