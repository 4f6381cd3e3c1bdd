"""A report whose category is a restricted one is restricted whatever its stored flag, for the duty officer as for
everyone else. The flag is raised at intake and by routing; a row whose flag was never raised (a category the taxonomy
marked restricted after the report was filed) showed on a duty officer's queue and card, while the rule on a loaded
report (`reports.access.is_restricted`) and the field officers' rule (`dispatch.designation.held_clause`) already hid
it (failed before: the duty officers' rule read the flag alone, as did the card's `restricted`, the list's withheld
text and the audit of a restricted card's opening)."""

from __future__ import annotations

import httpx
import pytest

from backend.context import Context
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio


async def _console(ctx: Context, app_client: httpx.AsyncClient, role: str) -> dict[str, str]:
    officer, password = await make_officer(ctx, role=role)
    return bearer(await login(app_client, officer.badge_number, password))


async def test_a_restricted_category_with_its_flag_down_is_hidden_from_the_duty_officer(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    report = await triage_report(ctx, category="domestic_violence", restricted=False, district="astana",
                                 text="Муж опять поднял руку, соседи слышали")
    ordinary = await triage_report(ctx, category="public_order", restricted=False, district="astana")
    duty = await _console(ctx, app_client, "dispatcher")
    supervisor = await _console(ctx, app_client, "supervisor")

    assert (await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=duty)).status_code == 404
    queue = await app_client.get("/api/v1/dispatch/queue", headers=duty)
    assert queue.status_code == 200, queue.text
    listed = {item["id"] for item in queue.json()["items"]}
    assert str(ordinary.id) in listed and str(report.id) not in listed
    # a supervisor reads restricted reports, this one too, as one: marked so, its text kept off the queue's list
    card = await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=supervisor)
    assert card.status_code == 200 and card.json()["restricted"] is True, card.text
    listed_for_supervisor = await app_client.get("/api/v1/dispatch/queue", headers=supervisor)
    (item,) = [i for i in listed_for_supervisor.json()["items"] if i["id"] == str(report.id)]
    assert item["restricted"] is True and item["text"] == "", item
