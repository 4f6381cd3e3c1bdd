"""The routing job and a dispatcher's reclassification give a report its department the one way
(ml.routing_rules.decided_department): with a region's own rules file whose catch-all names no department, routing
left a report with none while a reclassification to the very same category gave the category's department: both give
the category's now."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from backend.context import Context
from backend.reports.models import Report
from backend.routing.models import RoutingDecision
from tests.core.factories import triage_report
from tests.helpers import PartnerClient
from tests.officers.factories import bearer, login, make_officer
from tests.routing.helpers import submit_and_route

pytestmark = pytest.mark.anyio


async def _reclassify(ctx: Context, app_client: httpx.AsyncClient, report_id: uuid.UUID,
                      category: str) -> Report:
    officer, password = await make_officer(ctx, role="dispatcher")
    response = await app_client.post(f"/api/v1/dispatch/reports/{report_id}/reclassify",
                                     headers=bearer(await login(app_client, officer.badge_number, password)),
                                     json={"category": category, "reason": "по тексту обращения"})
    assert response.status_code == 200, response.text
    async with ctx.sessions() as session:
        saved = await session.get(Report, report_id)
    assert saved is not None
    return saved


async def test_a_category_no_rule_names_a_department_for_gets_its_own_on_either_path(
        ctx: Context, app_client: httpx.AsyncClient, citizen: PartnerClient, tmp_path: Path) -> None:
    rules = {"version": "test-region-fallback-only", "timezone": "Asia/Almaty", "windows": {},
             "rules": [{"id": "fallback", "category": "*", "district": "*", "window": "*", "department": None,
                        "unit": "triage-queue"}]}
    path = tmp_path / "region_rules.json"
    path.write_text(json.dumps(rules), encoding="utf-8")
    ctx.settings = ctx.settings.with_(routing_rules_file=path)

    routed = await submit_and_route(ctx, citizen, "Украли велосипед из подъезда, замок перекусили")
    async with ctx.sessions() as session:
        decision = await session.scalar(select(RoutingDecision).where(
            RoutingDecision.report_id == routed.id, RoutingDecision.source == "model"))  # type: ignore[arg-type]
    assert decision is not None and (decision.category, decision.rule_id) == ("theft", "fallback")
    assert routed.department == decision.department == "criminal_police"  # the taxonomy's, as reclassify gives

    other = await triage_report(ctx, category="other_offence", department="patrol_police", district="astana")
    assert (await _reclassify(ctx, app_client, other.id, "theft")).department == "criminal_police"
