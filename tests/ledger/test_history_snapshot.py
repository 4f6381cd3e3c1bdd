"""A report's history judges its integrity from reads in separate statements (its events, then its custody records,
files, notes, entries and seals): a report assigned (its custody record and its `assign` event committed together)
between the events' read and the custody records' read showed a custody record no event pins, and the history
called the report tampered with. On PostgreSQL the history is read as one snapshot (REPEATABLE READ), as the
scheduled pinned check reads each batch; SQLite's transactions are serialised already."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from tests.helpers import committed_between
from tests.ledger.records import assigning, oversight_headers, triaged_report
from tests.officers.factories import make_unit

pytestmark = pytest.mark.anyio


async def test_a_report_assigned_while_its_history_is_read_is_not_tampered(ctx: Context,
                                                                           app_client: httpx.AsyncClient) -> None:
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite: the assignment waits for the history's transaction (BEGIN IMMEDIATE), no race to show")
    unit = await make_unit(ctx)
    report = await triaged_report(ctx, unit)
    oversight = await oversight_headers(ctx, app_client)
    # just before the history reads the custody records, after it read the events
    with committed_between(ctx, lambda statement: "FROM assignments LEFT OUTER JOIN units" in statement,
                           assigning(ctx, report, unit)) as fired:
        got = await app_client.get(f"/api/v1/dispatch/reports/{report.id}/history", headers=oversight)
    assert got.status_code == 200, got.text
    assert fired
    history = got.json()
    # as of the snapshot: neither the assignment's event nor its custody record, and nothing called tampered
    assert history["integrity"]["intact"], history["integrity"]
    assert (history["integrity"]["altered"], history["integrity"]["missing"]) == ([], [])
    assert history["custody"] == [] and [e["action"] for e in history["events"]] == ["registered"]

    # read again, the assignment is there with its event, and still nothing is called tampered
    again = (await app_client.get(f"/api/v1/dispatch/reports/{report.id}/history", headers=oversight)).json()
    assert again["integrity"]["intact"] and len(again["custody"]) == 1
    assert "assign" in [e["action"] for e in again["events"]]
