"""A report in triage is there either because routing has not decided yet or because routing failed (and may have
given up): the dispatcher's card says which (`routing_state`), so triage sees the marker on the card itself, not only
in the routing-failures list."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from backend.context import Context
from tests.core.factories import triage_report
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer
from tests.routing.helpers import submit_and_fail_routing

pytestmark = pytest.mark.anyio


async def _console(ctx: Context, client: httpx.AsyncClient) -> dict[str, str]:
    officer, password = await make_officer(ctx, role="dispatcher")
    return bearer(await login(client, officer.badge_number, password))


@pytest.mark.parametrize("state", ["pending", "done", "failed"])
async def test_the_card_and_the_queue_show_the_routing_state(ctx: Context, app_client: httpx.AsyncClient,
                                                             state: str) -> None:
    report = await triage_report(ctx, department="patrol_police", routing_state=state)
    headers = await _console(ctx, app_client)
    card = await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=headers)
    assert card.status_code == 200, card.text
    assert card.json()["routing_state"] == state
    queue = await app_client.get("/api/v1/dispatch/queue", headers=headers)
    assert queue.status_code == 200, queue.text
    assert [item["routing_state"] for item in queue.json()["items"] if item["id"] == str(report.id)] == [state]


async def test_a_report_the_classifier_failed_on_shows_failed(ctx: Context, citizen: PartnerClient,
                                                              app_client: httpx.AsyncClient, tmp_path: Path) -> None:
    """Through the app's own routing job: a classifier that crashes on every report."""
    report_id = await submit_and_fail_routing(ctx, citizen, tmp_path)
    card = await app_client.get(f"/api/v1/dispatch/reports/{report_id}", headers=await _console(ctx, app_client))
    assert card.status_code == 200, card.text
    assert (card.json()["status"], card.json()["routing_state"]) == ("triage", "failed")


async def test_the_routing_state_is_in_the_published_card(app_client: httpx.AsyncClient) -> None:
    schema = (await app_client.get("/schema/openapi.json")).json()["components"]["schemas"]["ReportCard"]
    assert "routing_state" in schema["required"]
    assert sorted(schema["properties"]["routing_state"]["enum"]) == ["done", "failed", "pending"]
