"""Oversight reopens a closed report (POST /api/v1/oversight/reports/{id}/reopen): a prosecutor's protest or the
head's review of a closing found unfounded. The workflow allowed it, but no endpoint did, so a closing oversight
found wrong (on the terms list, in the history) could only be flagged. Real app, the citizen's real intake."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.audit.models import AuditLog
from backend.context import Context
from backend.lib.clock import utcnow
from backend.reports.models import Report, ReportEvent
from backend.reports.service import By, append_event
from backend.reports.workflow import Actor
from tests.core.factories import triage_report
from tests.helpers import PartnerClient, eventually
from tests.officers.factories import bearer, login, make_officer

pytestmark = pytest.mark.anyio
REASON = "Проверка проведена не в полном объёме: не опрошены свидетели"


async def _staff(ctx: Context, client: httpx.AsyncClient, role: str, district: str = "astana") -> dict[str, str]:
    officer, password = await make_officer(ctx, role=role, district=district)
    return bearer(await login(client, officer.badge_number, password))


async def _closed(ctx: Context, client: httpx.AsyncClient, citizen: PartnerClient) -> tuple[str, dict[str, str]]:
    """A citizen's report, closed by a dispatcher as unfounded; its id and the dispatcher's headers."""
    ctx.settings = ctx.settings.with_(enable_routing=False)  # left in the queue for the dispatcher
    created = await citizen.submit()
    assert created.status_code == 201, created.text
    report_id = created.json()["id"]
    # the routing job still runs with routing off (it records "no model" and marks routing done): its write moves
    # the report's tag, so a card read before it lands is stale for an If-Match step taken after
    await eventually(lambda: _routed(ctx, report_id))
    dispatcher = await _staff(ctx, client, "dispatcher")
    closed = await client.post(f"/api/v1/dispatch/reports/{report_id}/close", headers=dispatcher,
                               json={"how": "unfounded", "reason": "Факт не подтвердился"})
    assert closed.status_code == 200, closed.text
    return report_id, dispatcher


async def _routed(ctx: Context, report_id: str) -> bool:
    async with ctx.sessions() as session:
        report = await session.get(Report, uuid.UUID(report_id))
        return report is not None and report.routing_state == "done"


async def _reopen(client: httpx.AsyncClient, report_id: str, staff: dict[str, str], body: Any,
                  **headers: str) -> httpx.Response:
    return await client.post(f"/api/v1/oversight/reports/{report_id}/reopen", json=body,
                             headers={**staff, **headers})


async def test_a_prosecutor_reopens_a_closing_and_the_citizen_is_told(ctx: Context, app_client: httpx.AsyncClient,
                                                                      citizen: PartnerClient) -> None:
    report_id, _ = await _closed(ctx, app_client, citizen)
    prosecutor = await _staff(ctx, app_client, "prosecutor")
    before = (await citizen.get(f"/api/v1/reports/{report_id}")).json()

    reopened = await _reopen(app_client, report_id, prosecutor, {"reason": REASON})
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["status"] == "reopened" and reopened.headers["ETag"] == reopened.json()["etag"]
    mine = (await citizen.get(f"/api/v1/reports/{report_id}", headers={"Accept-Language": "kk"})).json()
    assert (before["status"], mine["status"]) == ("closed", "under_review")
    said = mine["timeline"][-1]["text"]
    assert REASON in said and "қадағалау" in said, said  # oversight's words, not "on your appeal"
    async with ctx.sessions() as session:
        event = await session.scalar(select(ReportEvent).where(col(ReportEvent.action) == "reopen"))
        audit = await session.scalar(select(AuditLog).where(col(AuditLog.action) == "report.reopen"))
    assert event is not None and (event.actor_type, event.reason, event.public) == ("prosecutor", REASON, True)
    assert audit is not None and str(audit.target_id) == report_id
    assert audit.data == {"reason_len": len(REASON)}  # the audit log keeps no citizen's words, as for closings

    # an open report is not reopened again
    again = await _reopen(app_client, report_id, prosecutor, {"reason": REASON})
    assert (again.status_code, again.json()["code"]) == (409, "report.transition_forbidden")


async def test_who_may_reopen_and_on_what(ctx: Context, app_client: httpx.AsyncClient,
                                          citizen: PartnerClient) -> None:
    report_id, dispatcher = await _closed(ctx, app_client, citizen)
    # the duty officer decides reports, oversight undoes decisions
    refused = await _reopen(app_client, report_id, dispatcher, {"reason": REASON})
    assert refused.status_code == 403, refused.text
    # another region's supervisor does not see the report: answered as a missing one
    elsewhere = await _staff(ctx, app_client, "supervisor", district="bukhar-zhyrauskiy")
    assert (await _reopen(app_client, report_id, elsewhere, {"reason": REASON})).status_code == 404
    supervisor = await _staff(ctx, app_client, "supervisor")
    bad = await _reopen(app_client, report_id, supervisor, {"reason": ""}, **{"Accept-Language": "ru"})
    assert bad.status_code in (400, 422) and bad.json()["errors"][0]["pointer"] == "/reason", bad.text
    card = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}", headers=supervisor)).json()
    stale = await _reopen(app_client, report_id, supervisor, {"reason": REASON}, **{"If-Match": '"stale"'})
    assert stale.status_code == 412, stale.text
    done = await _reopen(app_client, report_id, supervisor, {"reason": REASON}, **{"If-Match": card["etag"]})
    assert done.status_code == 200, done.text


async def test_a_withdrawal_oversight_finds_was_pressed_is_reopened(ctx: Context, app_client: httpx.AsyncClient,
                                                                     citizen: PartnerClient) -> None:
    """A withdrawal is the citizen's to make, but one made under pressure (a family's, an offender's) is what
    oversight exists to catch: the workflow lets staff reopen it, and the citizen may not withdraw it again
    through an appeal that restores nothing (reports.appeals.appealed_decision)."""
    created = await citizen.submit()
    report_id = created.json()["id"]
    withdrawn = await citizen.post(f"/api/v1/reports/{report_id}/withdraw", {"reason": "разобрались сами"},
                                   headers={"Idempotency-Key": f"w-{report_id}"})
    assert withdrawn.status_code == 200, withdrawn.text
    prosecutor = await _staff(ctx, app_client, "prosecutor")
    reopened = await _reopen(app_client, report_id, prosecutor, {"reason": "Заявление отозвано под давлением"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "reopened", reopened.text


async def test_the_citizen_withdrawing_after_oversight_reopened_withdraws_the_report(
        ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient) -> None:
    """Oversight set the decision aside; the citizen then withdraws. That ends the report as withdrawn: it does not
    put back the decision oversight set aside, as withdrawing their own appeal would (before, it did, told them
    "you withdrew your appeal, the earlier decision stands" about an appeal they never made, and barred them from
    appealing that decision again)."""
    report_id, _ = await _closed(ctx, app_client, citizen)
    prosecutor = await _staff(ctx, app_client, "prosecutor")
    assert (await _reopen(app_client, report_id, prosecutor, {"reason": REASON})).status_code == 200
    withdrawn = await citizen.post(f"/api/v1/reports/{report_id}/withdraw", {"reason": "уже не нужно"},
                                   headers={"Idempotency-Key": f"w-{report_id}", "Accept-Language": "en"})
    assert withdrawn.status_code == 200, withdrawn.text
    mine = (await citizen.get(f"/api/v1/reports/{report_id}", headers={"Accept-Language": "en"})).json()
    assert mine["resolution"] == "withdrawn", mine
    assert mine["timeline"][-1]["text"] == "You withdrew the report.", mine["timeline"][-1]


async def test_the_card_says_why_a_report_is_considered_again(ctx: Context, app_client: httpx.AsyncClient,
                                                              citizen: PartnerClient) -> None:
    """Whoever decides a reopened report sees on its card whether it is its citizen's appeal (whose closing officer
    may not decide it) or oversight's, on what grounds, and whether an appeal came after its three months; before,
    only the oversight history said so."""
    report_id, dispatcher = await _closed(ctx, app_client, citizen)
    async with ctx.sessions() as session:  # closed four months ago: the appeal's term has run out
        report = await session.get(Report, uuid.UUID(report_id))
        assert report is not None
        report.closed_at = utcnow() - timedelta(days=120)
        await session.commit()
    card = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}", headers=dispatcher)).json()
    assert card["reopened"] is None
    appealed = await citizen.post(f"/api/v1/reports/{report_id}/reopen", {"reason": "Не согласен, свидетели есть"})
    assert appealed.status_code == 200, appealed.text
    card = (await app_client.get(f"/api/v1/dispatch/reports/{report_id}", headers=dispatcher)).json()
    assert {k: card["reopened"][k] for k in ("by", "reason", "late")} == {
        "by": "citizen", "reason": "Не согласен, свидетели есть", "late": True}
    queue = (await app_client.get("/api/v1/dispatch/queue", headers=dispatcher)).json()["items"]
    assert next(item for item in queue if item["id"] == report_id)["reopened"]["by"] == "citizen"


async def test_a_listed_restricted_reports_reopening_carries_no_grounds(ctx: Context,
                                                                        app_client: httpx.AsyncClient) -> None:
    """In the lists a restricted report's card carries none of its citizen's words: its appeal's grounds neither."""
    report = await triage_report(ctx, restricted=True, category="domestic_violence", reopen_count=1)
    async with ctx.sessions() as session:
        row = await session.get(Report, report.id)
        assert row is not None
        await append_event(session, row, "reopen", By(Actor.CITIZEN, str(row.citizen_id), "test"),
                           reason="Муж снова угрожает")
        await session.commit()
    supervisor = await _staff(ctx, app_client, "supervisor")
    queue = (await app_client.get("/api/v1/dispatch/queue", headers=supervisor)).json()["items"]
    listed = next(item for item in queue if item["id"] == str(report.id))
    assert listed["reopened"]["by"] == "citizen" and listed["reopened"]["reason"] is None
    card = (await app_client.get(f"/api/v1/dispatch/reports/{report.id}", headers=supervisor)).json()
    assert card["reopened"]["reason"] == "Муж снова угрожает"
