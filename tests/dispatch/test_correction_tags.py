"""Reclassify, merge and split hand back the tags a card read right after shows, whatever else the step did, so
the console's next step on the same cards passes its If-Match (refusals of a stale tag: test_report_changed.py and
the merge tests)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from backend.context import Context
from backend.reports.models import Report
from backend.reports.service import SYSTEM, regroup
from tests.core.factories import triage_report
from tests.officers.factories import bearer, login, make_officer, make_unit

pytestmark = pytest.mark.anyio
CODE = "dispatch.report_changed"


async def _console(ctx: Context, http: httpx.AsyncClient, role: str = "dispatcher") -> dict[str, str]:
    officer, password = await make_officer(ctx, role=role)
    return bearer(await login(http, officer.badge_number, password))


async def _tag(http: httpx.AsyncClient, headers: dict[str, str], report_id: uuid.UUID) -> str:
    response = await http.get(f"/api/v1/dispatch/reports/{report_id}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["etag"] == response.headers["ETag"]
    return str(response.headers["ETag"])


async def _incident(ctx: Context, *reports: Report) -> None:
    """`reports` made one incident by routing (the earliest is its primary)."""
    async with ctx.sessions() as session:
        rows = [await session.get(Report, r.id) for r in reports]
        await regroup(session, [r for r in rows if r is not None], SYSTEM)
        await session.commit()


async def test_reclassify_hands_back_the_tag_the_card_then_shows(ctx: Context, app_client: httpx.AsyncClient) -> None:
    """Whatever the correction did besides the category (made it urgent, took it off its incident as a restricted
    report, refused an anonymous appeal, released a unit not designated for it): the tag in the answer is the card's
    (a supervisor's console: restricted reports are theirs to read)."""
    console = await _console(ctx, app_client, "supervisor")
    unit = await make_unit(ctx)
    primary = await triage_report(ctx, department="patrol_police", category="public_order")
    member = await triage_report(ctx, department="patrol_police", category="public_order",
                                 text="Помогите, сосед бьёт жену ножом прямо сейчас")
    anonymous = await triage_report(ctx, department="patrol_police", category="public_order", anonymous=True)
    held = await triage_report(ctx, department="patrol_police", category="public_order")
    await _incident(ctx, primary, member)
    sent = await app_client.post(f"/api/v1/dispatch/reports/{held.id}/assign", headers=console,
                                 json={"unit_id": str(unit.id)})
    assert sent.status_code == 200, sent.text
    for report, category in ((member, "violence"), (member, "domestic_violence"), (anonymous, "traffic_violation"),
                             (held, "child_incident"), (primary, "theft")):
        seen = await _tag(app_client, console, report.id)
        done = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/reclassify",
                                     headers={**console, "If-Match": seen},
                                     json={"category": category, "reason": "уточнено"})
        assert done.status_code == 200, done.text
        assert done.headers["ETag"] == done.json()["etag"] == await _tag(app_client, console, report.id), category


async def test_merge_and_split_hand_back_the_tags_the_cards_then_show(ctx: Context,
                                                                     app_client: httpx.AsyncClient) -> None:
    console = await _console(ctx, app_client)
    unit = await make_unit(ctx)
    first, second, third, fourth = [await triage_report(ctx, department="patrol_police", category="public_order")
                                    for _ in range(4)]
    sent = await app_client.post(f"/api/v1/dispatch/reports/{first.id}/assign", headers=console,
                                 json={"unit_id": str(unit.id)})
    assert sent.status_code == 200, sent.text
    await _incident(ctx, third, fourth)

    async def tags(ids: list[uuid.UUID]) -> dict[str, str]:
        return {str(i): await _tag(app_client, console, i) for i in ids}

    # two lone reports, the primary being worked (the other follows its unit)
    merged = await app_client.post("/api/v1/dispatch/incidents/merge", headers=console,
                                   json={"report_ids": [str(first.id), str(second.id)]})
    assert merged.status_code == 200, merged.text
    assert merged.json()["etags"] == await tags([first.id, second.id])
    # a report of another incident named: its whole incident joins
    merged = await app_client.post("/api/v1/dispatch/incidents/merge", headers=console,
                                   json={"report_ids": [str(second.id), str(fourth.id)]})
    assert merged.status_code == 200, merged.text
    everyone = [first.id, second.id, third.id, fourth.id]
    assert merged.json()["etags"] == await tags(everyone)

    for report in (fourth, first):  # a member, then the primary itself
        split = await app_client.post(f"/api/v1/dispatch/reports/{report.id}/split", headers=console)
        assert split.status_code == 200, split.text
        assert split.json()["etags"] == await tags([report.id])
