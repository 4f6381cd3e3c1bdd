"""Two duty officers editing the same report: a step taken on a card the report has moved on from is refused with
412 `dispatch.report_changed` (optimistic concurrency: the card's ETag sent back in If-Match), instead of silently
overwriting the other officer's reassignment, reclassification, correction or extension. Without If-Match nothing
is checked (tablets and older consoles)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from backend.context import Context
from backend.lib.clock import as_utc
from backend.lib.messages import ERRORS
from backend.reports.models import Report, ReportEvent
from backend.reports.workflow import Status
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio
CODE = "dispatch.report_changed"


async def _officer(ctx: Context, http: httpx.AsyncClient, role: str = "dispatcher") -> dict[str, str]:
    officer, password = await make_officer(ctx, role=role)
    return bearer(await login(http, officer.badge_number, password))


async def _card(http: httpx.AsyncClient, headers: dict[str, str],
                report_id: uuid.UUID) -> tuple[str, dict[str, object]]:
    response = await http.get(f"/api/v1/dispatch/reports/{report_id}", headers=headers)
    assert response.status_code == 200, response.text
    return response.headers["ETag"], response.json()


async def _stored(ctx: Context, report_id: uuid.UUID) -> Report:
    async with ctx.sessions() as session:
        report = await session.get(Report, report_id)
    assert report is not None
    return report


def _refused(response: httpx.Response, current: str) -> None:
    assert response.status_code == 412, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == CODE and problem["etag"] == current and response.headers["ETag"] == current


async def test_the_card_and_its_header_carry_one_tag_that_changes_with_the_report(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    report = await triage_report(ctx, department="patrol_police")
    unit = await make_unit(ctx, code="E-1")
    console = await _officer(ctx, app_client)
    tag, shown = await _card(app_client, console, report.id)
    assert tag.startswith('"') and tag.endswith('"') and shown["etag"] == tag
    assert (await _card(app_client, console, report.id))[0] == tag  # reading changes nothing
    queue = (await app_client.get("/api/v1/dispatch/queue", headers=console)).json()
    assert [item["etag"] for item in queue["items"] if item["id"] == str(report.id)] == [tag]

    assigned = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/assign", headers=console,
                                     json={"unit_id": str(unit.id)})
    assert assigned.status_code == 200, assigned.text
    after, _ = await _card(app_client, console, report.id)
    assert after != tag and assigned.json()["report"]["etag"] == after


async def test_closing_on_a_card_another_officer_reassigned_is_refused(ctx: Context,
                                                                       app_client: httpx.AsyncClient) -> None:
    report = await triage_report(ctx, department="patrol_police")
    unit = await make_unit(ctx, code="E-2")
    first, second = await _officer(ctx, app_client), await _officer(ctx, app_client)
    seen, _ = await _card(app_client, second, report.id)
    taken = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/assign", headers=first,
                                  json={"unit_id": str(unit.id)})
    assert taken.status_code == 200, taken.text

    late = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/close",
                                 headers={**second, "If-Match": seen, "Accept-Language": "kk"},
                                 json={"how": "unfounded", "reason": "не подтвердилось"})
    current, _ = await _card(app_client, second, report.id)
    _refused(late, current)
    assert late.json()["title"] == ERRORS[CODE]["kk"]
    stored = await _stored(ctx, report.id)
    assert stored.status == Status.ASSIGNED.value and stored.unit_id == unit.id  # nothing was written

    # on the card as it is now, the same step goes through (its answer carries the new tag)
    fresh = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/close",
                                  headers={**second, "If-Match": current},
                                  json={"how": "unfounded", "reason": "не подтвердилось"})
    assert fresh.status_code == 200, fresh.text
    assert fresh.json()["status"] == Status.CLOSED.value and fresh.headers["ETag"] == fresh.json()["etag"] != current


async def test_a_reassignment_on_a_reclassified_card_is_refused(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """A category (and with it department and priority) changed by another officer: the card's unit choice was
    made for the old one."""
    report = await triage_report(ctx, department="patrol_police", category="public_order")
    unit = await make_unit(ctx, code="E-3")
    first, second = await _officer(ctx, app_client), await _officer(ctx, app_client)
    seen, _ = await _card(app_client, second, report.id)
    changed = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/reclassify", headers=first,
                                    json={"category": "theft", "reason": "уточнено"})
    assert changed.status_code == 200, changed.text

    late = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/assign",
                                 headers={**second, "If-Match": seen}, json={"unit_id": str(unit.id)})
    _refused(late, (await _card(app_client, second, report.id))[0])
    assert (await _stored(ctx, report.id)).unit_id is None


async def test_stale_corrections_and_extensions_are_refused(ctx: Context, app_client: httpx.AsyncClient) -> None:
    report = await triage_report(ctx, department="patrol_police")
    first, second = await _officer(ctx, app_client), await _officer(ctx, app_client)
    head = await _officer(ctx, app_client, "supervisor")
    seen, _ = await _card(app_client, second, report.id)
    corrected = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/fields", headers=first,
                                      json={"fields": {"findings": "на месте никого"}})
    assert corrected.status_code == 200, corrected.text

    late = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/fields", headers={**second, "If-Match": seen},
                                 json={"fields": {"findings": "драка подтвердилась"}})
    current, shown = await _card(app_client, second, report.id)
    _refused(late, current)
    assert shown["fields"] == {"findings": "на месте никого"}  # the first correction stands

    deadline = as_utc((await _stored(ctx, report.id)).deadline_at) + timedelta(days=10)
    extended = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/extend",
                                     headers={**head, "If-Match": seen},
                                     json={"deadline_at": deadline.isoformat(), "reason": "нужна экспертиза"})
    _refused(extended, current)
    extended = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/extend",
                                     headers={**head, "If-Match": current},
                                     json={"deadline_at": deadline.isoformat(), "reason": "нужна экспертиза"})
    assert extended.status_code == 200, extended.text


@pytest.mark.parametrize("if_match", ["*", "weak", "listed"])
async def test_any_tag_the_console_may_send_for_the_current_state_is_accepted(
        ctx: Context, app_client: httpx.AsyncClient, if_match: str) -> None:
    """`*`, the tag weakened by a compressing proxy (W/), or the current tag among others."""
    report = await triage_report(ctx, department="patrol_police")
    console = await _officer(ctx, app_client)
    tag, _ = await _card(app_client, console, report.id)
    header = {"*": "*", "weak": f"W/{tag}", "listed": f'"0123", {tag}'}[if_match]
    response = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/fields",
                                     headers={**console, "If-Match": header},
                                     json={"fields": {"findings": "проверено"}})
    assert response.status_code == 200, response.text


async def test_without_if_match_nothing_is_checked(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """Tablets and consoles that send no tag keep today's behaviour: the later step wins."""
    report = await triage_report(ctx, department="patrol_police")
    unit = await make_unit(ctx, code="E-4")
    first, second = await _officer(ctx, app_client), await _officer(ctx, app_client)
    await _card(app_client, second, report.id)
    assert (await app_client.post(f"/api/v1/dispatch/reports/{report.id}/assign", headers=first,
                                  json={"unit_id": str(unit.id)})).status_code == 200
    closed = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/close", headers=second,
                                   json={"how": "unfounded", "reason": "не подтвердилось"})
    assert closed.status_code == 200, closed.text
    async with ctx.sessions() as session:
        closings = await session.scalar(select(func.count()).select_from(ReportEvent).where(
            col(ReportEvent.report_id) == report.id, col(ReportEvent.to_status) == Status.CLOSED.value))
    assert closings == 1


async def test_assigning_to_the_unit_that_already_holds_it_stays_a_no_op_on_a_stale_card(
        ctx: Context, app_client: httpx.AsyncClient) -> None:
    """Another officer got there first with the same unit: nothing would be written, so nothing is refused."""
    report = await triage_report(ctx, department="patrol_police")
    unit = await make_unit(ctx, code="E-5")
    first, second = await _officer(ctx, app_client), await _officer(ctx, app_client)
    seen, _ = await _card(app_client, second, report.id)
    assert (await app_client.post(f"/api/v1/dispatch/reports/{report.id}/assign", headers=first,
                                  json={"unit_id": str(unit.id)})).status_code == 200
    again = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/assign",
                                  headers={**second, "If-Match": seen}, json={"unit_id": str(unit.id)})
    assert again.status_code == 200, again.text
    assert again.json()["report"]["etag"] == (await _card(app_client, second, report.id))[0]


@pytest.mark.parametrize("step", ["reclassify", "split"])
async def test_routing_corrections_are_refused_on_a_stale_card(ctx: Context, app_client: httpx.AsyncClient,
                                                               step: str) -> None:
    """Reclassifying and splitting change what the card shows (category, department, incident) as much as a
    correction does: a stale tag is refused there too, and the report keeps the other officer's change."""
    report = await triage_report(ctx, department="patrol_police", category="public_order")
    console = await _officer(ctx, app_client)
    stale, _ = await _card(app_client, console, report.id)
    other = await _officer(ctx, app_client)
    moved = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/reclassify", headers=other,
                                  json={"category": "vandalism", "reason": "разбиты стёкла"})
    assert moved.status_code == 200, moved.text
    current, _ = await _card(app_client, console, report.id)
    path = f"/api/v1/dispatch/reports/{report.id}/{step}"
    body = {"category": "theft", "reason": "это кража"} if step == "reclassify" else None
    refused = await app_client.post(path, headers={**console, "If-Match": stale}, json=body)
    _refused(refused, current)
    assert (await _stored(ctx, report.id)).category == "vandalism"  # the other officer's change stands
    if step == "reclassify":
        taken = await app_client.post(path, headers={**console, "If-Match": current}, json=body)
        assert taken.status_code == 200, taken.text
        assert (await _stored(ctx, report.id)).category == "theft"
